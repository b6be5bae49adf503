/**
 * `recon-codemod reconcile`: compares the app's token_usage rows with OpenAI's Usage and Costs APIs, bucket by bucket.
 * All I/O comes through `io` (tests pass their own); `nodeReconcileIo` supplies the real disk, database and client.
 */
import { resolve } from 'node:path';
import { parseOptions } from '../args.js';
import type OpenAI from 'openai';
import type { Provider } from '@pydantic/genai-prices';
import { importOptional, MissingPackageError } from '../optional.js';
import { DEFAULT_COST_COLUMN, DEFAULT_TABLE } from '../schema/sql.js';
import { reconcile, type Report } from './compute.js';
import { DEFAULT_DOLLAR_FLOOR, parseTimeMs, parseTolerance, RECONCILE_USAGE, UsageError } from './usage.js';

export { RECONCILE_USAGE };
import {
  BUCKET_SECONDS,
  costEntries,
  FetchError,
  fetchOpenAiData,
  pagesOf,
  usageEntries,
  type BucketWidth,
  type OpenAiData,
  type Page,
} from './openai-data.js';
import { priceTable } from './prices.js';
import { renderHtml, renderTerminal } from './render.js';
import { readGroups, writePlan, type Db } from './rows.js';

export interface ReconcileIo {
  cwd: string;
  env: Record<string, string | undefined>;
  stdout(text: string): void;
  stderr(text: string): void;
  now?: Date;
  readFile?(path: string): string;
  writeFile?(path: string, text: string): void;
  /** Opens the rows' database: a Postgres URL, or undefined for the default embedded store (`.recon/db`). */
  openDb?(url: string | undefined, cwd: string): Promise<Db>;
  /** Makes the openai client for the admin key (the real one; tests point its baseURL at a local server). */
  createClient?(adminAPIKey: string, baseURL?: string): OpenAI | Promise<OpenAI>;
}

const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/**
 * Saved pages must hold the results their option promises (`object` of each result): swapped or wrong files would
 * otherwise reconcile as "no usage" or "no costs" and, with --write, set statuses on real rows.
 */
function checkResultKind(pages: Page[], option: string, prefix: string, api: string): void {
  const wrong = [
    ...new Set(pages.flatMap((p) => p.data.flatMap((b) => (b.results ?? []).map((r) => String(r.object))))),
  ].filter((o) => !o.startsWith(prefix));
  if (wrong.length === 0) return;
  const swapped =
    option === '--usage'
      ? wrong.some((o) => o.startsWith('organization.costs.'))
      : wrong.some((o) => o.startsWith('organization.usage.'));
  throw new UsageError(
    `${option}: expected saved ${api} results (${prefix}*), found ${wrong.join(', ')}${swapped ? ': are --usage and --costs swapped?' : ''}`,
  );
}

/** YYYY-MM-DD (UTC midnight) or an ISO time → unix seconds. */
function parseTime(text: string, flag: string): number {
  return Math.floor(parseTimeMs(text, flag) / 1000);
}

function readJson(io: Required<Pick<ReconcileIo, 'readFile'>> & ReconcileIo, path: string, flag: string): unknown {
  let text: string;
  try {
    text = io.readFile(resolve(io.cwd, path));
  } catch (error) {
    throw new UsageError(`${flag}: cannot read ${path}: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${flag}: ${path} is not JSON: ${(error as Error).message}`);
  }
}

export async function runReconcileCommand(argv: string[], givenIo: ReconcileIo): Promise<number> {
  const io = { ...(await nodeReconcileIo()), ...givenIo };
  // Rows served through an AI gateway are reconciled per request by the gateway's own lookup (src/reconcile/gateway.ts).
  const gateway = await import('./gateway.js');
  if (gateway.wantsGateway(argv)) return gateway.runGatewayReconcile(argv, io);
  try {
    return await run(argv, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`recon-codemod reconcile: ${error.message}\nRun recon-codemod reconcile --help for usage.\n`);
      return EXIT.usage;
    }
    if (error instanceof MissingPackageError) {
      io.stderr(`${error.message}\n`);
      return EXIT.usage;
    }
    if (error instanceof FetchError) {
      io.stderr(`recon-codemod reconcile: ${error.message}\n`);
      return error.kind === 'auth' ? EXIT.usage : EXIT.failed;
    }
    io.stderr(`recon-codemod reconcile: ${(error as Error).message ?? String(error)}\nNothing was written.\n`);
    return EXIT.failed;
  }
}

type FullIo = Required<ReconcileIo>;

async function run(argv: string[], io: FullIo): Promise<number> {
  let values;
  try {
    ({ values } = parseOptions({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        since: { type: 'string' },
        until: { type: 'string' },
        bucket: { type: 'string' },
        db: { type: 'string' },
        table: { type: 'string' },
        'cost-column': { type: 'string' },
        project: { type: 'string' },
        tolerance: { type: 'string' },
        'dollar-floor': { type: 'string' },
        'base-url': { type: 'string' },
        json: { type: 'string' },
        html: { type: 'string' },
        write: { type: 'boolean' },
        usage: { type: 'string' },
        costs: { type: 'string' },
        prices: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) {
    io.stdout(RECONCILE_USAGE);
    return EXIT.ok;
  }
  if (values.bucket !== undefined && !(values.bucket in BUCKET_SECONDS))
    throw new UsageError(`--bucket: expected 1m, 1h or 1d, got ${values.bucket}`);
  if (values.costs !== undefined && values.usage === undefined)
    throw new UsageError('--costs needs --usage (offline mode reads both from files)');
  const tolerance = parseTolerance(values.tolerance);
  const dollarFloor =
    values['dollar-floor'] === undefined ? DEFAULT_DOLLAR_FLOOR : Number(values['dollar-floor'].replace(/^\$/, ''));
  if (!Number.isFinite(dollarFloor) || dollarFloor < 0)
    throw new UsageError(`--dollar-floor: expected dollars (0.005), got ${values['dollar-floor']}`);
  const baseURL = values['base-url'];
  if (baseURL !== undefined && !/^https?:\/\/[^\s]+$/.test(baseURL))
    throw new UsageError(`--base-url: expected an http(s) URL, got ${baseURL}`);
  if (baseURL !== undefined && values.usage !== undefined)
    throw new UsageError('--base-url has no use with --usage (offline mode calls no API)');
  let since = values.since === undefined ? undefined : parseTime(values.since, '--since');
  let until = values.until === undefined ? undefined : parseTime(values.until, '--until');
  let bucket = values.bucket as BucketWidth | undefined;
  const table = values.table ?? DEFAULT_TABLE;
  const costColumn = values['cost-column'] ?? DEFAULT_COST_COLUMN;
  const provider = values.prices === undefined ? undefined : (readJson(io, values.prices, '--prices') as Provider);
  if (provider !== undefined && (typeof provider !== 'object' || !Array.isArray(provider.models))) {
    throw new UsageError(
      '--prices: expected a @pydantic/genai-prices Provider ({ "id", "name", "api_pattern", "models": [...] })',
    );
  }

  let data: OpenAiData;
  if (values.usage !== undefined) {
    const usagePages = pagesOf(readJson(io, values.usage, '--usage'), '--usage');
    const costPages = values.costs === undefined ? [] : pagesOf(readJson(io, values.costs, '--costs'), '--costs');
    checkResultKind(usagePages, '--usage', 'organization.usage.', 'Usage API');
    checkResultKind(costPages, '--costs', 'organization.costs.', 'Costs API');
    const { usage, ignored } = usageEntries(usagePages);
    data = { usage, costs: costEntries(costPages), ignored };
    const first = usagePages.flatMap((p) => p.data)[0];
    const width = first ? first.end_time - first.start_time : undefined;
    const savedBucket = (Object.keys(BUCKET_SECONDS) as BucketWidth[]).find((b) => BUCKET_SECONDS[b] === width);
    if (bucket !== undefined && savedBucket !== undefined && bucket !== savedBucket) {
      throw new UsageError(`--bucket ${bucket} does not match the saved usage, whose buckets are ${savedBucket}`);
    }
    bucket ??= savedBucket ?? '1d';
    const starts = usagePages.flatMap((p) => p.data.map((b) => b.start_time));
    const ends = usagePages.flatMap((p) => p.data.map((b) => b.end_time));
    since ??= starts.length ? Math.min(...starts) : undefined;
    until ??= ends.length ? Math.max(...ends) : undefined;
    if (since === undefined || until === undefined)
      throw new UsageError('--usage has no buckets: give --since and --until');
  } else {
    if (since === undefined || until === undefined)
      throw new UsageError('--since and --until are required (or --usage FILE for saved data)');
    bucket ??= '1d';
    const key = io.env.OPENAI_ADMIN_KEY;
    if (!key) {
      throw new UsageError(
        'OPENAI_ADMIN_KEY is not set. The Usage and Costs APIs need an organization admin key (platform.openai.com → Organization → Admin keys). Or reconcile offline from saved responses: --usage usage.json --costs costs.json',
      );
    }
    const client = await io.createClient(key, baseURL);
    data = await fetchOpenAiData(client, { since, until, bucket, project: values.project });
  }
  if (since >= until) throw new UsageError('--since must be before --until');

  const db = await io.openDb(values.db, io.cwd);
  let report: Report;
  let written: { written: number; unchanged: number } | undefined;
  try {
    const groups = await readGroups(db, { table, costColumn }, { since, until, bucket });
    const now = io.now;
    const result = reconcile(groups, data, {
      since,
      until,
      bucket,
      tolerance,
      now: Math.floor(now.getTime() / 1000),
      project: values.project ?? null,
      prices: priceTable(provider),
      absoluteDollars: dollarFloor,
    });
    report = result.report;
    if (values.write)
      written = await writePlan(db, { table, costColumn }, result.plan, { since, until, bucket }, now, io.stderr);
  } finally {
    await db.close();
  }

  if (values.json !== undefined) io.writeFile(resolve(io.cwd, values.json), `${JSON.stringify(report, null, 2)}\n`);
  if (values.html !== undefined) io.writeFile(resolve(io.cwd, values.html), renderHtml(report));
  io.stdout(renderTerminal(report));
  if (written !== undefined) {
    const already =
      written.unchanged > 0 ? ` (${written.unchanged} more already held these values and were skipped)` : '';
    io.stdout(
      `\nWrote reconciliation_status (and, where billed dollars exist, actual_cost_cents + reconciled_at) on ${written.written} rows of matched and discrepant buckets${already}. actual_cost_cents is an allocation of each bucket's billed dollars, not a per-request bill.\n`,
    );
  }
  return EXIT.ok;
}

/** The real disk, database and openai client. Imported lazily, so the codemod never loads PGlite or openai. */
export async function nodeReconcileIo(): Promise<Omit<FullIo, 'cwd' | 'env' | 'stdout' | 'stderr'>> {
  const fs = await import('node:fs');
  const path = await import('node:path');
  return {
    now: new Date(),
    readFile: (p) => fs.readFileSync(p, 'utf8'),
    writeFile: (p, text) => {
      fs.mkdirSync(path.dirname(p), { recursive: true });
      fs.writeFileSync(p, text);
    },
    async openDb(url, cwd) {
      const rows = await import('./rows.js');
      if (url) return rows.postgresDb(url);
      const dir = path.resolve(cwd, '.recon/db');
      if (!fs.existsSync(dir)) {
        // Setup, not an outage: nothing to retry.
        throw new UsageError(
          `no rows store at ${dir}: run reconcile in the app's directory (where recon-codemod/tracking stores rows in .recon/db), or pass --db postgres://…`,
        );
      }
      // Takes the store's lock (waits for an idle tracker, else refuses naming the process that holds it), so a
      // running app and reconcile never open the directory at once; the lock and the database close with the Db.
      const { openEmbeddedStore } = await import('../tracking/stores.js');
      const store = await openEmbeddedStore({ dir, role: 'reconcile' });
      return { ...rows.pgliteDb(store.db, { closeOnClose: false }), close: () => store.close() };
    },
    async createClient(adminAPIKey, baseURL) {
      const { default: OpenAIClient } = await importOptional(
        'openai',
        'recon-codemod reconcile',
        () => import('openai'),
      );
      // Without --base-url, baseURL from OPENAI_BASE_URL when set (the client reads it); admin endpoints need no API key.
      const client = new OpenAIClient({ adminAPIKey, apiKey: null, ...(baseURL ? { baseURL } : {}) });
      // openai is the project's own (an optional peer of any version, so an app on openai 4 can install this
      // package): an older client has no admin usage API.
      if (!client.admin?.organization?.usage) {
        throw new MissingPackageError(
          ['openai@6'],
          'recon-codemod reconcile',
          true,
          "openai 6.49 or later (the project's openai has no admin usage API)",
        );
      }
      return client;
    },
  };
}
