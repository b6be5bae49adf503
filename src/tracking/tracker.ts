import { appendFile, mkdir, readFile, rename, unlink } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { tokenUsageSchema, type TokenUsage, type TokenUsageRow } from '../schema/zod.js';
import { pgliteStore, type TokenUsageStore } from './stores.js';

export type TrackResult = { ok: true; id?: string } | { ok: false; error: string; requestId: string | null };

export interface TrackerLogger {
  error(message: string): void;
}

export interface TrackerOptions {
  /** Where rows go (default: `pgliteStore({ table })`, an embedded database in `.recon/db`). */
  store?: TokenUsageStore;
  /** The table of the default PGlite store; a store you pass names its own table. */
  table?: string;
  /** Receives one line per failure, naming the row's request id (default: `console`). */
  logger?: TrackerLogger;
  /**
   * The dead-letter file, JSON Lines, relative to the working directory (default `.recon/dead-letter.jsonl`).
   * `null`: no file; a failed row is then only written to the logger in full.
   */
  deadLetterFile?: string | null;
  /** How long an insert may take before it counts as failed (default 10 s). */
  timeoutMs?: number;
}

export interface Tracker {
  /** Validates and stores one usage row. Never throws or rejects: failures come back as `{ ok: false }`. */
  trackTokenUsage(usage: TokenUsage): Promise<TrackResult>;
  /** Tries the dead-lettered rows again; rows that fail again go back to the dead-letter file. */
  replayDeadLetters(): Promise<{ stored: number; failed: number }>;
  /** Closes the store's connections. */
  close(): Promise<void>;
}

/** One line of the dead-letter file. `usage` is what replay passes to trackTokenUsage again. */
export interface DeadLetter {
  failed_at: string;
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
 * database afterwards, so a replay can duplicate it; reconciliation matches on the request id, not the row count.
 */
export function createTracker(options: TrackerOptions = {}): Tracker {
  const store = options.store ?? pgliteStore({ table: options.table });
  const logger = options.logger ?? console;
  const deadLetterFile = options.deadLetterFile === null ? null : resolve(options.deadLetterFile ?? '.recon/dead-letter.jsonl');
  const timeoutMs = options.timeoutMs ?? 10_000;

  /** Keeps a failed row and reports where; falls back to the log when the row cannot be written. */
  async function keep(letter: DeadLetter): Promise<string> {
    let line: string;
    try {
      line = JSON.stringify(letter);
    } catch (error) {
      return `not kept: the row is not JSON (${messageOf(error)})`;
    }
    if (deadLetterFile !== null) {
      try {
        await mkdir(dirname(deadLetterFile), { recursive: true });
        await appendFile(deadLetterFile, `${line}\n`);
        return `kept in ${deadLetterFile}`;
      } catch (error) {
        logger.error(`recon-codemod/tracking: could not write the dead-letter file: ${messageOf(error)}`);
      }
    }
    return `row: ${JSON.stringify(letter.usage)}`;
  }

  async function fail(stage: DeadLetter['stage'], error: string, usage: unknown): Promise<TrackResult> {
    const requestId = requestIdOf(usage);
    const letter: DeadLetter = { failed_at: new Date().toISOString(), stage, error, request_id: requestId, usage };
    const where = await keep(letter);
    logger.error(
      `recon-codemod/tracking: token usage not stored (request id ${requestId ?? 'none'}): ${stage} failed: ${error}; ${where}`,
    );
    return { ok: false, error, requestId };
  }

  async function trackTokenUsage(usage: TokenUsage): Promise<TrackResult> {
    try {
      const parsed = tokenUsageSchema.safeParse(usage);
      if (!parsed.success) {
        const error = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'row'}: ${issue.message}`).join('; ');
        return await fail('validation', error, usage);
      }
      const row: TokenUsageRow = {
        ...parsed.data,
        // A gateway's generation id is reconciled per request (`reconcile --gateway`), an OpenAI id per bucket.
        reconciliation_status: parsed.data.openai_request_id || parsed.data.gateway_generation_id ? 'pending' : 'not_applicable',
      };
      try {
        return { ok: true, ...(await withTimeout(store.insert(row), timeoutMs)) };
      } catch (error) {
        return await fail('store', messageOf(error), parsed.data);
      }
    } catch (error) {
      // Only reachable through something outside the plan (a logger that throws); still not the caller's problem.
      return { ok: false, error: messageOf(error), requestId: requestIdOf(usage) };
    }
  }

  async function replayDeadLetters(): Promise<{ stored: number; failed: number }> {
    if (deadLetterFile === null) return { stored: 0, failed: 0 };
    // Move the file aside first: rows that fail while we replay are appended to a fresh file, not lost in a rewrite.
    const replaying = `${deadLetterFile}.replaying-${process.pid}-${Date.now()}`;
    try {
      await rename(deadLetterFile, replaying);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { stored: 0, failed: 0 };
      throw error;
    }
    const lines = (await readFile(replaying, 'utf8')).split('\n').filter((line) => line.trim() !== '');
    let stored = 0;
    let failed = 0;
    for (const line of lines) {
      let letter: DeadLetter;
      try {
        letter = JSON.parse(line) as DeadLetter;
      } catch {
        // Not ours to judge: put it back untouched for a person to read.
        await appendFile(deadLetterFile, `${line}\n`);
        failed += 1;
        continue;
      }
      const result = await trackTokenUsage(letter.usage as TokenUsage);
      if (result.ok) stored += 1;
      else failed += 1;
    }
    await unlink(replaying);
    return { stored, failed };
  }

  return { trackTokenUsage, replayDeadLetters, close: () => store.close() };
}
