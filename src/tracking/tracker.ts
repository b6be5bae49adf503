import { randomUUID } from 'node:crypto';
import { appendFile, mkdir, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { importOptional } from '../optional.js';
import type { TokenUsage, TokenUsageRow } from '../schema/zod.js';
import { IDEMPOTENCY_KEY, pgliteStore, type TokenUsageStore } from './stores.js';

export type TrackResult = { ok: true; id?: string } | { ok: false; error: string; requestId: string | null };

export interface TrackerLogger {
  error(message: string): void;
}

export interface TrackerOptions {
  /** Where rows go (default: `pgliteStore({ table })`, an embedded database in `.recon/db`). */
  store?: TokenUsageStore;
  /** The table of the default PGlite store; a store you pass names its own table. */
  table?: string;
  /** The default PGlite store's column for the row's `estimated_cost_cents`; a store you pass has its own. */
  costColumn?: string;
  /** Receives one line per failure, naming the row's request id (default: `console`). */
  logger?: TrackerLogger;
  /**
   * The dead-letter file, JSON Lines, relative to the working directory (default `.recon/dead-letter.jsonl`).
   * `null`: no file; a failed row is then only written to the logger in full.
   */
  deadLetterFile?: string | null;
  /**
   * Rows that can never be stored as they are (invalid, a column the table lacks, no value for a NOT NULL column),
   * JSON Lines, never replayed (default `.recon/rejected.jsonl`; `null`: only logged).
   */
  rejectedFile?: string | null;
  /** How long an insert may take before it counts as failed (default 10 s). */
  timeoutMs?: number;
}

export interface Tracker {
  /**
   * Validates and stores one usage row, once (it gets an idempotency key, unless it carries its own
   * `idempotency_key`). Keys beyond the schema's are the app's own columns, stored when the table has them.
   * Never throws or rejects: failures come back as `{ ok: false }`.
   */
  trackTokenUsage(usage: TokenUsage & AppColumns): Promise<TrackResult>;
  /** Tries the dead-lettered rows again; rows that fail again go back to the dead-letter file. */
  replayDeadLetters(): Promise<{ stored: number; failed: number }>;
  /** Closes the store's connections. */
  close(): Promise<void>;
}

/** The app's own columns (e.g. `cost_estimate`), stored when the table has them. */
export type AppColumns = Record<string, unknown>;

/** One line of the dead-letter (or rejected) file. `usage` is what replay passes to trackTokenUsage again. */
export interface DeadLetter {
  /** The first failure; a replay that fails again keeps it and counts the attempt. */
  failed_at: string;
  last_failed_at?: string;
  attempts?: number;
  stage: 'validation' | 'store';
  error: string;
  request_id: string | null;
  usage: unknown;
}

/** Unknown input, so read defensively: a getter that throws or a non-object must not turn a failure into a throw. */
function requestIdOf(usage: unknown): string | null {
  try {
    const id = (usage as { openai_request_id?: unknown } | null)?.openai_request_id;
    return typeof id === 'string' && id !== '' ? id : null;
  } catch {
    return null;
  }
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the store did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/**
 * A token-usage tracker. Each call validates the row with the zod schema, sets `reconciliation_status` (`pending`
 * with a request id, else `not_applicable`, which reconciliation can never match) and inserts it with parameterized
 * SQL.
 *
 * Failures never reach the caller (a tracking call must not break the route that makes it): a bad row, a store that
 * is down or a timeout is logged with the row's request id and returned as `{ ok: false }`. The row is then appended
 * to a dead-letter file (JSON Lines) rather than kept in memory, because serverless functions and crashed processes
 * lose memory but not files; `replayDeadLetters()` stores them later. A row that times out may still land in the
 * database afterwards; its idempotency key (set once per call, kept in the dead letter, unique in the table) makes
 * the replay store nothing then. A row that can never be stored as it is (invalid, a column the table lacks, no value
 * for a NOT NULL column) goes to the rejected file instead, never replayed.
 */
export function createTracker(options: TrackerOptions = {}): Tracker {
  const store = options.store ?? pgliteStore({ table: options.table, costColumn: options.costColumn });
  const logger = options.logger ?? console;
  const deadLetterFile =
    options.deadLetterFile === null ? null : resolve(options.deadLetterFile ?? '.recon/dead-letter.jsonl');
  const rejectedFile = options.rejectedFile === null ? null : resolve(options.rejectedFile ?? '.recon/rejected.jsonl');
  const timeoutMs = options.timeoutMs ?? 10_000;

  /** Keeps a failed row and reports where; falls back to the log when the row cannot be written. */
  async function keep(letter: DeadLetter, file: string | null): Promise<string> {
    let line: string;
    try {
      line = JSON.stringify(letter);
    } catch (error) {
      return `not kept: the row is not JSON (${messageOf(error)})`;
    }
    if (file !== null) {
      try {
        await mkdir(dirname(file), { recursive: true });
        await appendFile(file, `${line}\n`);
        return `kept in ${file}`;
      } catch (error) {
        logger.error(`recon-codemod/tracking: could not write ${file}: ${messageOf(error)}`);
      }
    }
    return `row: ${line}`;
  }

  async function fail(
    stage: DeadLetter['stage'],
    error: string,
    usage: unknown,
    previous?: DeadLetter,
  ): Promise<TrackResult> {
    const requestId = requestIdOf(usage);
    const now = new Date().toISOString();
    const letter: DeadLetter = {
      failed_at: previous?.failed_at ?? now,
      ...(previous ? { last_failed_at: now } : {}),
      attempts: (previous?.attempts ?? 1) + (previous ? 1 : 0),
      stage,
      error,
      request_id: requestId,
      usage,
    };
    // A row that cannot be stored as it is would fail on every replay: rejected for good, not queued again.
    const where = await keep(letter, stage === 'validation' ? rejectedFile : deadLetterFile);
    const what = stage === 'validation' ? 'rejected (not retried)' : 'not stored yet (replayDeadLetters retries it)';
    logger.error(
      `recon-codemod/tracking: token usage ${what} (request id ${requestId ?? 'none'}): ${stage} failed: ${error}; ${where}`,
    );
    return { ok: false, error, requestId };
  }

  async function track(usage: TokenUsage & AppColumns, previous?: DeadLetter): Promise<TrackResult> {
    let row: Record<string, unknown>;
    let tokenUsageSchema: TokenUsageSchema;
    try {
      tokenUsageSchema = await loadSchema();
    } catch (error) {
      // zod not installed: a setup problem, not a bad row; the dead letter keeps it for a replay once it is.
      return await fail('store', messageOf(error), usage, previous);
    }
    try {
      const parsed = tokenUsageSchema.safeParse(usage);
      if (!parsed.success) {
        const error = parsed.error.issues
          .map((issue) => `${issue.path.join('.') || 'row'}: ${issue.message}`)
          .join('; ');
        return await fail('validation', error, usage, previous);
      }
      const own = appColumnsOf(usage, parsed.data, tokenUsageSchema);
      if (typeof own === 'string') return await fail('validation', own, usage, previous);
      row = {
        ...parsed.data,
        ...own,
        // A gateway's generation id is reconciled per request (`reconcile --gateway`), an OpenAI id per bucket.
        reconciliation_status:
          parsed.data.openai_request_id || parsed.data.gateway_generation_id ? 'pending' : 'not_applicable',
        // Once per call, and kept in the dead letter: a replay of this row is recognised by the table.
        [IDEMPOTENCY_KEY]: own[IDEMPOTENCY_KEY] ?? randomUUID(),
      };
    } catch (error) {
      // A getter that throws (or a proxy): log it and keep what can be read, never vanish.
      try {
        return await fail('validation', `reading the row threw: ${messageOf(error)}`, readableCopy(usage), previous);
      } catch (failure) {
        return { ok: false, error: messageOf(failure), requestId: null };
      }
    }
    try {
      try {
        return { ok: true, ...(await withTimeout(store.insert(row as TokenUsageRow), timeoutMs)) };
      } catch (error) {
        const rejected = (error as Error | null)?.name === 'RowRejectedError';
        return await fail(rejected ? 'validation' : 'store', messageOf(error), row, previous);
      }
    } catch (error) {
      // Only reachable through something outside the plan (a logger that throws); still not the caller's problem.
      return { ok: false, error: messageOf(error), requestId: requestIdOf(row) };
    }
  }

  async function replayDeadLetters(): Promise<{ stored: number; failed: number }> {
    if (deadLetterFile === null) return { stored: 0, failed: 0 };
    // Move the file aside first: rows that fail while we replay are appended to a fresh file, not lost in a rewrite.
    const replaying = `${deadLetterFile}.replaying-${process.pid}-${Date.now()}`;
    // A replay that was killed half-way left its file aside: its rows are replayed now, not orphaned for good.
    const files: string[] = [];
    for (const [i, orphan] of (await orphanedReplays(deadLetterFile)).entries()) {
      // Claimed by a rename, so that two processes replaying at once never both take it.
      const claimed = `${replaying}-${i}`;
      try {
        await rename(orphan, claimed);
        files.push(claimed);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
    try {
      await rename(deadLetterFile, replaying);
      files.push(replaying);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    let stored = 0;
    let failed = 0;
    for (const file of files) {
      const counts = await replayFile(file);
      stored += counts.stored;
      failed += counts.failed;
    }
    return { stored, failed };
  }

  async function replayFile(replaying: string): Promise<{ stored: number; failed: number }> {
    const lines = (await readFile(replaying, 'utf8')).split('\n').filter((line) => line.trim() !== '');
    let stored = 0;
    let failed = 0;
    for (const line of lines) {
      let letter: DeadLetter;
      try {
        letter = JSON.parse(line) as DeadLetter;
      } catch {
        // Not ours to judge: put it back untouched for a person to read.
        await appendFile(deadLetterFile!, `${line}\n`);
        failed += 1;
        continue;
      }
      const result = await track(letter.usage as TokenUsage, letter);
      if (result.ok) stored += 1;
      else failed += 1;
    }
    await unlink(replaying);
    return { stored, failed };
  }

  return { trackTokenUsage: (usage) => track(usage), replayDeadLetters, close: () => store.close() };
}

/** `<file>.replaying-<pid>-<ms>` files whose replaying process is gone (a process never sees its own as orphaned). */
async function orphanedReplays(deadLetterFile: string): Promise<string[]> {
  const prefix = `${basename(deadLetterFile)}.replaying-`;
  let names: string[];
  try {
    names = await readdir(dirname(deadLetterFile));
  } catch {
    return [];
  }
  return names
    .filter((name) => {
      if (!name.startsWith(prefix)) return false;
      const pid = Number(name.slice(prefix.length).split('-')[0]);
      if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return false;
      try {
        process.kill(pid, 0);
        return false;
      } catch (error) {
        return (error as NodeJS.ErrnoException).code === 'ESRCH';
      }
    })
    .sort()
    .map((name) => join(dirname(deadLetterFile), name));
}

type TokenUsageSchema = (typeof import('../schema/zod.js'))['tokenUsageSchema'];

let schemaModule: Promise<TokenUsageSchema> | undefined;

/**
 * The zod schema, loaded on the first row: zod is an optional peer (`npx recon-codemod` does not install it), which
 * the tracker asks for in one line when it is missing.
 */
function loadSchema(): Promise<TokenUsageSchema> {
  schemaModule ??= importOptional('zod', 'recon-codemod/tracking', () => import('../schema/zod.js'), {
    dev: false,
  }).then((m) => m.tokenUsageSchema);
  return schemaModule;
}

/** The schema's own keys, read once from the loaded schema (there is one). */
let knownSchemaKeys: Set<string> | undefined;

// Derived by the tracker: a row that carries it (a dead letter) has it from an earlier attempt.
const DERIVED_KEYS = new Set(['reconciliation_status']);

/**
 * The row's keys beyond the schema: the app's own columns (and its idempotency key). Their values go to the
 * database as they are, so only what a column can hold is accepted; anything else is a message saying what.
 */
function appColumnsOf(usage: object, parsed: object, schema: TokenUsageSchema): Record<string, unknown> | string {
  const schemaKeys = (knownSchemaKeys ??= new Set(Object.keys(schema.shape)));
  const own: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [key, value] of Object.entries(usage)) {
    if (schemaKeys.has(key) || DERIVED_KEYS.has(key) || key in parsed || value === undefined) continue;
    const plain =
      value === null ||
      typeof value === 'string' ||
      typeof value === 'boolean' ||
      (typeof value === 'number' && Number.isFinite(value)) ||
      value instanceof Date ||
      (typeof value === 'object' && (Array.isArray(value) || Object.getPrototypeOf(value) === Object.prototype));
    if (!plain)
      problems.push(`${key}: ${typeof value === 'number' ? String(value) : `a ${typeof value}`} cannot be stored`);
    else own[key] = value;
  }
  const key = own[IDEMPOTENCY_KEY];
  if (key !== undefined && key !== null && (typeof key !== 'string' || key === ''))
    problems.push(`${IDEMPOTENCY_KEY}: must be a non-empty string`);
  if (key === null) delete own[IDEMPOTENCY_KEY];
  return problems.length ? problems.join('; ') : own;
}

/** What can be read of a row whose getters throw, for the log and the rejected file. */
function readableCopy(usage: unknown): unknown {
  if (typeof usage !== 'object' || usage === null) return String(usage);
  const copy: Record<string, unknown> = {};
  let keys: string[] = [];
  try {
    keys = Object.keys(usage);
  } catch (error) {
    return `[unreadable: ${messageOf(error)}]`;
  }
  for (const key of keys) {
    try {
      const value = (usage as Record<string, unknown>)[key];
      JSON.stringify(value);
      copy[key] = value;
    } catch (error) {
      copy[key] = `[threw: ${messageOf(error)}]`;
    }
  }
  return copy;
}
