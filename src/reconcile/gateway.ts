/**
 * `recon-codemod reconcile --gateway vercel|openrouter`: per-request reconciliation of rows served through an AI
 * gateway. Each recorded `gateway_generation_id` is looked up (`GET {base}/generation?id=…`, docs/gateways.md), its
 * tokens and cost compared with the row's, and (with --write) the row gets its status and the gateway's exact cost.
 *
 * Batched (one transaction per batch), rate-limited (a request slot every 1/rate s, 429 and 5xx retried with
 * Retry-After or backoff), resumable (with --write a re-run looks up only rows still `pending`), progress on stderr.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { GATEWAY_API_BASES, KNOWN_GATEWAYS, type KnownGateway } from '../schema/fields.js';
import { assertSqlIdentifier, DEFAULT_COST_COLUMN, DEFAULT_TABLE } from '../schema/sql.js';
import type { ReconcileIo } from './command.js';
import { asNumber, columnsOf, type Db } from './rows.js';
import { parseTimeMs, parseTolerance, UsageError } from './usage.js';

/** One generation as the gateway reports it, in the tool's terms (USD and token counts). */
export interface GatewayGeneration {
  id: string;
  costUsd: number;
  inputTokens: number | null;
  outputTokens: number | null;
  model: string | null;
  provider: string | null;
  createdAt: string | null;
}

interface GatewaySpec {
  name: KnownGateway;
  title: string;
  /** The documented API base; `--base-url` replaces it (a local server in tests, a proxy). */
  baseUrl: string;
  keyEnv: readonly string[];
  /** Reads the lookup's JSON body (`{ data: {…} }`); null when it is not the documented shape. */
  parse(body: unknown): GatewayGeneration | null;
  /** How the gateway lists what it served: a per-day request count, or nothing. */
  listing: 'daily-report' | 'none';
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

/**
 * A generation lookup's body (`{ data: {…} }`, the same fields at both gateways) in the tool's terms; `tokens` picks
 * the input and output counts, where the gateways differ. Null when it is not that shape.
 */
function generationOf(
  body: unknown,
  tokens: (data: Record<string, unknown>) => [number | null, number | null],
): GatewayGeneration | null {
  const data = isObject(body) ? body.data : undefined;
  if (!isObject(data) || typeof data.id !== 'string' || num(data.total_cost) === null) return null;
  const [inputTokens, outputTokens] = tokens(data);
  return {
    id: data.id,
    costUsd: num(data.total_cost)!,
    inputTokens,
    outputTokens,
    model: str(data.model),
    provider: str(data.provider_name),
    createdAt: str(data.created_at),
  };
}

/** The field names are those of each gateway's documented response (docs/gateways.md), nothing guessed. */
export const GATEWAYS: Record<KnownGateway, GatewaySpec> = {
  vercel: {
    name: 'vercel',
    title: 'Vercel AI Gateway',
    baseUrl: GATEWAY_API_BASES.vercel,
    keyEnv: ['AI_GATEWAY_API_KEY', 'VERCEL_OIDC_TOKEN'],
    listing: 'daily-report',
    parse: (body) => generationOf(body, (data) => [num(data.native_tokens_prompt), num(data.native_tokens_completion)]),
  },
  openrouter: {
    name: 'openrouter',
    title: 'OpenRouter',
    baseUrl: GATEWAY_API_BASES.openrouter,
    keyEnv: ['OPENROUTER_API_KEY'],
    listing: 'none',
    // The completion's `usage` counts with the model's own tokenizer: the native counts, else the normalized.
    parse: (body) =>
      generationOf(body, (data) => [
        num(data.native_tokens_prompt) ?? num(data.tokens_prompt),
        num(data.native_tokens_completion) ?? num(data.tokens_completion),
      ]),
  },
};

export const GATEWAY_USAGE = `Usage: recon-codemod reconcile --gateway vercel|openrouter [options]

Looks up every row's gateway_generation_id at the gateway (GET <base>/generation?id=…), compares the recorded
input/output tokens and estimate with the gateway's, and sets each row's status and actual_cost_cents from the
gateway's own cost: per request and exact, where OpenAI's data only allows per-bucket totals.
Needs AI_GATEWAY_API_KEY (or VERCEL_OIDC_TOKEN) for vercel, OPENROUTER_API_KEY for openrouter.

Options:
  --gateway G         vercel or openrouter (rows whose llm_gateway is G)
  --since DATE        only rows created at or after DATE (YYYY-MM-DD or an ISO time)
  --until DATE        only rows created before DATE
  --db URL            a Postgres URL for the rows (default: the embedded PGlite store in .recon/db)
  --table T           the token-usage table (default ${DEFAULT_TABLE})
  --cost-column C     the table's own estimate in cents (default ${DEFAULT_COST_COLUMN})
  --tolerance X       relative difference of estimate vs gateway cost still matched: 0.02 or 2% (default 1%)
  --write             set reconciliation_status, actual_cost_cents, reconciled_at (and gateway_cost_usd where
                      empty) on each looked-up row; one transaction per batch, so an interrupted run resumes:
                      the next run looks up only rows still pending
  --recheck           also look up rows already matched or discrepant
  --batch N           rows per batch and per transaction (default 50)
  --rate N            at most N lookups per second (default 10); 429 and 5xx are retried (Retry-After honoured)
  --base-url URL      the gateway's API base (default: vercel ${GATEWAYS.vercel.baseUrl}, openrouter
                      ${GATEWAYS.openrouter.baseUrl}); for a proxy, or a local server in tests
  --json FILE         write the report as JSON
  -h, --help          show this help

Exit codes:
  0  report made (whatever the statuses)
  1  the gateway or the database failed (batches already written stay written; re-run to resume)
  2  bad usage, missing or refused API key (nothing written)
`;

class GatewayError extends Error {
  constructor(
    message: string,
    readonly auth = false,
  ) {
    super(message);
  }
}

export interface GatewayIo extends ReconcileIo {
  fetch?: typeof fetch;
  /** Waits `ms` (tests and the real clock). */
  sleep?(ms: number): Promise<void>;
}

export type GatewayRowStatus = 'matched' | 'discrepancy' | 'not_found';

export interface GatewayRowResult {
  id: string;
  generation_id: string;
  status: GatewayRowStatus;
  /** The gateway's cost in cents, exact (not rounded); null when not found. */
  gateway_cost_cents: number | null;
  /** What is written to actual_cost_cents (an INTEGER column): the exact cost rounded to the nearest cent. */
  actual_cost_cents: number | null;
  estimated_cost_cents: number | null;
  recorded: { input_tokens: number | null; output_tokens: number | null; tokens_used: number };
  gateway: {
    input_tokens: number | null;
    output_tokens: number | null;
    model: string | null;
    provider: string | null;
  } | null;
  notes: string[];
}

export interface GatewayReport {
  gateway: KnownGateway;
  base_url: string;
  rows: number;
  matched: number;
  discrepancy: number;
  not_found: number;
  estimated_cost_cents: number;
  gateway_cost_cents: number;
  results: GatewayRowResult[];
  /** What the gateway served that no row records: per day where the gateway counts them, else why not. */
  unrecorded:
    | { days: Array<{ day: string; gateway_requests: number; rows: number; unrecorded: number }> }
    | { unavailable: string };
  written?: number;
}

interface GatewayRow {
  id: string;
  generation_id: string;
  input_tokens: number | null;
  output_tokens: number | null;
  tokens_used: number;
  estimated_cost_cents: number | null;
  gateway_cost_usd: number | null;
}

function parseTime(text: string, flag: string): string {
  return new Date(parseTimeMs(text, flag)).toISOString();
}

function positiveInt(text: string | undefined, flag: string, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0 || (flag === '--batch' && !Number.isInteger(n)))
    throw new UsageError(`${flag}: expected a positive number, got ${text}`);
  return n;
}

/** Does this argv ask for the gateway mode? (command.ts hands it over before its own parsing.) */
export const wantsGateway = (argv: readonly string[]): boolean =>
  argv.some((a) => a === '--gateway' || a.startsWith('--gateway='));

export async function runGatewayReconcile(
  argv: string[],
  io: GatewayIo & Required<Pick<ReconcileIo, 'openDb' | 'writeFile'>>,
): Promise<number> {
  try {
    return await run(argv, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(
        `recon-codemod reconcile: ${error.message}\nRun recon-codemod reconcile --gateway vercel --help for usage.\n`,
      );
      return 2;
    }
    if (error instanceof GatewayError) {
      io.stderr(`recon-codemod reconcile: ${error.message}\n`);
      return error.auth ? 2 : 1;
    }
    io.stderr(`recon-codemod reconcile: ${(error as Error).message ?? String(error)}\n`);
    return 1;
  }
}

async function run(
  argv: string[],
  io: GatewayIo & Required<Pick<ReconcileIo, 'openDb' | 'writeFile'>>,
): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        gateway: { type: 'string' },
        since: { type: 'string' },
        until: { type: 'string' },
        db: { type: 'string' },
        table: { type: 'string' },
        'cost-column': { type: 'string' },
        tolerance: { type: 'string' },
        write: { type: 'boolean' },
        recheck: { type: 'boolean' },
        batch: { type: 'string' },
        rate: { type: 'string' },
        'base-url': { type: 'string' },
        json: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new UsageError(
      `${(error as Error).message} (with --gateway, the options are those of reconcile --gateway --help)`,
    );
  }
  if (values.help) {
    io.stdout(GATEWAY_USAGE);
    return 0;
  }
  const name = values.gateway;
  if (!name || !(KNOWN_GATEWAYS as readonly string[]).includes(name)) {
    throw new UsageError(`--gateway: expected ${KNOWN_GATEWAYS.join(' or ')}, got ${name ?? 'nothing'}`);
  }
  const spec = GATEWAYS[name as KnownGateway];
  const table = values.table ?? DEFAULT_TABLE;
  const costColumn = values['cost-column'] ?? DEFAULT_COST_COLUMN;
  assertSqlIdentifier(table, 'table name', { qualified: true });
  assertSqlIdentifier(costColumn, 'cost column name');
  const tolerance = parseTolerance(values.tolerance);
  const batchSize = positiveInt(values.batch, '--batch', 50);
  const rate = positiveInt(values.rate, '--rate', 10);
  const since = values.since === undefined ? null : parseTime(values.since, '--since');
  const until = values.until === undefined ? null : parseTime(values.until, '--until');
  if (since && until && since >= until) throw new UsageError('--since must be before --until');
  let baseUrl = (values['base-url'] ?? spec.baseUrl).replace(/\/+$/, '');
  try {
    baseUrl = new URL(baseUrl).toString().replace(/\/+$/, '');
  } catch {
    throw new UsageError(`--base-url: not a URL: ${values['base-url']}`);
  }
  const key = spec.keyEnv.map((k) => io.env[k]).find((v) => v);
  if (!key)
    throw new UsageError(`${spec.keyEnv.join(' or ')} is not set: the ${spec.title}'s generation lookup needs it`);

  const client = lookupClient(io, spec, baseUrl, key, rate);
  const db = await io.openDb(values.db, io.cwd);
  let report: GatewayReport;
  try {
    const columns = await columnsOf(db, table);
    for (const required of [
      'id',
      'created_at',
      'llm_gateway',
      'gateway_generation_id',
      'tokens_used',
      'reconciliation_status',
      'actual_cost_cents',
    ]) {
      if (!columns.has(required))
        throw new UsageError(`table ${table} has no column ${required} (apply \`recon-codemod sql\` first)`);
    }
    const rows = await readGatewayRows(db, { table, costColumn, columns }, spec.name, {
      since,
      until,
      recheck: values.recheck === true,
    });
    const results: GatewayRowResult[] = [];
    let written = 0;
    const bar = progress(io, spec.name, rows.length);
    for (let start = 0; start < rows.length; start += batchSize) {
      const batch = rows.slice(start, start + batchSize);
      const found = await Promise.all(batch.map((row) => client.lookup(row.generation_id)));
      const batchResults = batch.map((row, i) => compare(row, found[i], tolerance));
      results.push(...batchResults);
      if (values.write)
        written += await writeBatch(db, table, spec.name, batch, batchResults, found, io.now ?? new Date());
      bar(start + batch.length);
    }
    const unrecorded =
      spec.listing === 'daily-report'
        ? await dailyUnrecorded(db, table, spec.name, client, rows, { since, until })
        : {
            unavailable: `${spec.title} documents no way to list or count its generations for a regular API key, so requests the app never recorded cannot be found from here`,
          };
    report = summarize(spec.name, baseUrl, results, unrecorded);
    if (values.write) report.written = written;
  } finally {
    await db.close();
  }
  if (values.json !== undefined) io.writeFile(resolve(io.cwd, values.json), `${JSON.stringify(report, null, 2)}\n`);
  io.stdout(renderGatewayReport(report, spec.title));
  return 0;
}

/** A progress line on stderr per batch: `[####------] 40/100`. */
function progress(io: GatewayIo, name: string, total: number): (done: number) => void {
  if (total === 0) return () => {};
  return (done) => {
    const width = 20;
    const filled = Math.round((done / total) * width);
    io.stderr(
      `reconcile --gateway ${name}: [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total} generations looked up\n`,
    );
  };
}

async function readGatewayRows(
  db: Pick<Db, 'query'>,
  { table, costColumn, columns }: { table: string; costColumn: string; columns: Set<string> },
  gateway: string,
  { since, until, recheck }: { since: string | null; until: string | null; recheck: boolean },
): Promise<GatewayRow[]> {
  const optional = (name: string, cast = ''): string => (columns.has(name) ? `t.${name}${cast}` : 'NULL');
  const statuses = recheck ? ['pending', 'matched', 'discrepancy'] : ['pending'];
  const { rows } = await db.query<Record<string, unknown>>(
    `SELECT t.id::text AS id, t.gateway_generation_id, ${optional('input_tokens')} AS input_tokens,
            ${optional('output_tokens')} AS output_tokens, t.tokens_used,
            ${optional(costColumn, '::float8')} AS estimated_cost_cents, ${optional('gateway_cost_usd', '::float8')} AS gateway_cost_usd
       FROM ${table} AS t
      WHERE t.llm_gateway = $1 AND t.gateway_generation_id IS NOT NULL AND t.reconciliation_status = ANY ($2::text[])
        AND ($3::timestamptz IS NULL OR t.created_at >= $3) AND ($4::timestamptz IS NULL OR t.created_at < $4)
      ORDER BY t.created_at, t.id`,
    [gateway, statuses, since, until],
  );
  return rows.map((r) => ({
    id: String(r.id),
    generation_id: String(r.gateway_generation_id),
    input_tokens: asNumber(r.input_tokens),
    output_tokens: asNumber(r.output_tokens),
    tokens_used: asNumber(r.tokens_used) ?? 0,
    estimated_cost_cents: asNumber(r.estimated_cost_cents),
    gateway_cost_usd: asNumber(r.gateway_cost_usd),
  }));
}

interface LookupClient {
  lookup(id: string): Promise<GatewayGeneration | null>;
  get(path: string): Promise<unknown>;
}

/** GETs with a bearer key, at most `rate` per second, 429/5xx retried (5 attempts), 401/403 fatal. */
function lookupClient(io: GatewayIo, spec: GatewaySpec, baseUrl: string, key: string, rate: number): LookupClient {
  const doFetch = io.fetch ?? globalThis.fetch;
  const sleep = io.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const interval = 1000 / rate;
  let nextSlot = 0;
  async function slot(): Promise<void> {
    const now = Date.now();
    const wait = Math.max(0, nextSlot - now);
    nextSlot = Math.max(now, nextSlot) + interval;
    if (wait > 0) await sleep(wait);
  }
  async function get(path: string, allow404 = false): Promise<unknown> {
    const url = `${baseUrl}${path}`;
    for (let attempt = 1; ; attempt += 1) {
      await slot();
      let response: Response;
      try {
        response = await doFetch(url, { headers: { Authorization: `Bearer ${key}`, Accept: 'application/json' } });
      } catch (error) {
        if (attempt >= 5) throw new GatewayError(`GET ${url} failed: ${(error as Error).message}`);
        await sleep(Math.min(8000, 250 * 2 ** attempt));
        continue;
      }
      if (response.status === 401 || response.status === 403) {
        throw new GatewayError(`GET ${url}: ${response.status}: the gateway refused the API key`, true);
      }
      if (response.status === 404 && allow404) {
        await response.text().catch(() => '');
        return undefined;
      }
      if (response.status === 429 || response.status >= 500) {
        await response.text().catch(() => '');
        if (attempt >= 5)
          throw new GatewayError(`GET ${url}: ${response.status} after ${attempt} attempts (re-run to resume)`);
        const retryAfter = Number(response.headers.get('retry-after'));
        await sleep(
          Number.isFinite(retryAfter) && retryAfter > 0
            ? Math.min(retryAfter, 60) * 1000
            : Math.min(8000, 250 * 2 ** attempt),
        );
        continue;
      }
      if (!response.ok)
        throw new GatewayError(`GET ${url}: ${response.status} ${await response.text().catch(() => '')}`.trim());
      try {
        return await response.json();
      } catch (error) {
        throw new GatewayError(`GET ${url}: the body is not JSON: ${(error as Error).message}`);
      }
    }
  }
  return {
    get: (path) => get(path),
    async lookup(id) {
      const body = await get(`/generation?id=${encodeURIComponent(id)}`, true);
      if (body === undefined) return null;
      const parsed = spec.parse(body);
      if (!parsed)
        throw new GatewayError(
          `the lookup of ${id} did not answer in the documented shape ({ "data": { "id", "total_cost", … } })`,
        );
      if (parsed.id !== id)
        throw new GatewayError(`the lookup of ${id} answered for another generation (${parsed.id})`);
      return parsed;
    },
  };
}

/** Cost agreement: within the tolerance, or closer than a hundredth of a cent (a tiny call's rounding). */
function costAgrees(estimate: number, actual: number, tolerance: number): boolean {
  const diff = Math.abs(estimate - actual);
  return diff <= tolerance * actual || diff < 0.01;
}

const cents = (usd: number): number => Math.round(usd * 100 * 1e6) / 1e6;

export function compare(row: GatewayRow, generation: GatewayGeneration | null, tolerance: number): GatewayRowResult {
  const recorded = { input_tokens: row.input_tokens, output_tokens: row.output_tokens, tokens_used: row.tokens_used };
  if (!generation) {
    return {
      id: row.id,
      generation_id: row.generation_id,
      status: 'not_found',
      gateway_cost_cents: null,
      actual_cost_cents: null,
      estimated_cost_cents: row.estimated_cost_cents,
      recorded,
      gateway: null,
      notes: [
        'the gateway has no generation with this id (yet: a lookup right after the request can 404); the row stays pending',
      ],
    };
  }
  const notes: string[] = [];
  let agrees = true;
  const { inputTokens, outputTokens } = generation;
  if (row.input_tokens !== null && inputTokens !== null && row.input_tokens !== inputTokens) {
    agrees = false;
    notes.push(`input tokens: recorded ${row.input_tokens}, gateway ${inputTokens}`);
  }
  if (row.output_tokens !== null && outputTokens !== null && row.output_tokens !== outputTokens) {
    agrees = false;
    notes.push(`output tokens: recorded ${row.output_tokens}, gateway ${outputTokens}`);
  }
  if (
    (row.input_tokens === null || row.output_tokens === null) &&
    inputTokens !== null &&
    outputTokens !== null &&
    row.tokens_used !== inputTokens + outputTokens
  ) {
    agrees = false;
    notes.push(`total tokens: recorded ${row.tokens_used}, gateway ${inputTokens + outputTokens}`);
  }
  const exact = cents(generation.costUsd);
  if (row.estimated_cost_cents === null) notes.push('no estimate recorded: only the tokens were compared');
  else if (!costAgrees(row.estimated_cost_cents, exact, tolerance)) {
    agrees = false;
    notes.push(`cost: estimated ${row.estimated_cost_cents} ¢, gateway ${exact} ¢`);
  }
  if (row.gateway_cost_usd !== null && Math.abs(cents(row.gateway_cost_usd) - exact) >= 0.01) {
    agrees = false;
    notes.push(`cost in the response: ${cents(row.gateway_cost_usd)} ¢, the gateway's lookup: ${exact} ¢`);
  }
  return {
    id: row.id,
    generation_id: row.generation_id,
    status: agrees ? 'matched' : 'discrepancy',
    gateway_cost_cents: exact,
    actual_cost_cents: Math.round(exact),
    estimated_cost_cents: row.estimated_cost_cents,
    recorded,
    gateway: {
      input_tokens: inputTokens,
      output_tokens: outputTokens,
      model: generation.model,
      provider: generation.provider,
    },
    notes,
  };
}

/**
 * One transaction per batch: each found row's status, exact cost (rounded to the INTEGER cent column) and, where the
 * row has none, the gateway's cost in USD. The UPDATE matches id, gateway and generation id together, so it can only
 * touch the row that was looked up; a count that differs rolls the batch back.
 */
async function writeBatch(
  db: Db,
  table: string,
  gateway: string,
  batch: GatewayRow[],
  results: GatewayRowResult[],
  found: Array<GatewayGeneration | null>,
  now: Date,
): Promise<number> {
  const entries = results
    .map((r, i) => ({ r, g: found[i], row: batch[i] }))
    .filter((e) => e.g !== null && e.r.status !== 'not_found');
  if (entries.length === 0) return 0;
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<{ id: string }>(
      `UPDATE ${table} AS t
          SET reconciliation_status = u.status,
              actual_cost_cents = u.cents,
              reconciled_at = $6::timestamptz,
              gateway_cost_usd = COALESCE(t.gateway_cost_usd, u.usd)
         FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::numeric[]) AS u(id, generation_id, status, cents, usd)
        WHERE t.id::text = u.id AND t.gateway_generation_id = u.generation_id AND t.llm_gateway = $7
       RETURNING t.id::text AS id`,
      [
        entries.map((e) => e.row.id),
        entries.map((e) => e.row.generation_id),
        entries.map((e) => e.r.status),
        entries.map((e) => e.r.actual_cost_cents),
        entries.map((e) => String(e.g!.costUsd)),
        now.toISOString(),
        gateway,
      ],
    );
    if (rows.length !== entries.length) {
      throw new Error(
        `expected to update ${entries.length} rows, the database matched ${rows.length}: this batch was rolled back`,
      );
    }
    return rows.length;
  });
}

/**
 * The Vercel AI Gateway counts requests per day (`GET {base}/report?…&group_by=day`, `request_count`): a day with more
 * requests than rows (of this gateway, whatever their status) has requests the app never recorded.
 */
async function dailyUnrecorded(
  db: Pick<Db, 'query'>,
  table: string,
  gateway: string,
  client: LookupClient,
  looked: GatewayRow[],
  window: { since: string | null; until: string | null },
): Promise<GatewayReport['unrecorded']> {
  const { rows } = await db.query<{ day: string; n: unknown }>(
    `SELECT to_char(t.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, count(*) AS n FROM ${table} AS t
      WHERE t.llm_gateway = $1 AND ($2::timestamptz IS NULL OR t.created_at >= $2) AND ($3::timestamptz IS NULL OR t.created_at < $3)
      GROUP BY 1 ORDER BY 1`,
    [gateway, window.since, window.until],
  );
  if (rows.length === 0 && looked.length === 0) return { days: [] };
  const first = window.since?.slice(0, 10) ?? rows[0]?.day;
  const lastExclusive = window.until
    ? new Date(Date.parse(window.until) - 1).toISOString().slice(0, 10)
    : rows.at(-1)?.day;
  if (!first || !lastExclusive) return { days: [] };
  const body = await client.get(`/report?start_date=${first}&end_date=${lastExclusive}&group_by=day`);
  const results = isObject(body) && Array.isArray(body.results) ? body.results : null;
  if (!results)
    throw new GatewayError(
      'the spend report did not answer in the documented shape ({ "results": [{ "day", "request_count", … }] })',
    );
  const counted = new Map(rows.map((r) => [r.day, Number(r.n)]));
  const days = new Map<string, number>();
  for (const r of results) {
    if (!isObject(r) || typeof r.day !== 'string') continue;
    days.set(r.day.slice(0, 10), (days.get(r.day.slice(0, 10)) ?? 0) + (num(r.request_count) ?? 0));
  }
  const all = [...new Set([...days.keys(), ...counted.keys()])].sort();
  return {
    days: all.map((day) => {
      const gatewayRequests = days.get(day) ?? 0;
      const recorded = counted.get(day) ?? 0;
      return {
        day,
        gateway_requests: gatewayRequests,
        rows: recorded,
        unrecorded: Math.max(0, gatewayRequests - recorded),
      };
    }),
  };
}

function summarize(
  gateway: KnownGateway,
  baseUrl: string,
  results: GatewayRowResult[],
  unrecorded: GatewayReport['unrecorded'],
): GatewayReport {
  const count = (s: GatewayRowStatus) => results.filter((r) => r.status === s).length;
  const sum = (xs: number[]) => Math.round(xs.reduce((a, b) => a + b, 0) * 1e6) / 1e6;
  return {
    gateway,
    base_url: baseUrl,
    rows: results.length,
    matched: count('matched'),
    discrepancy: count('discrepancy'),
    not_found: count('not_found'),
    estimated_cost_cents: sum(results.map((r) => r.estimated_cost_cents ?? 0)),
    gateway_cost_cents: sum(results.map((r) => r.gateway_cost_cents ?? 0)),
    results,
    unrecorded,
  };
}

export function renderGatewayReport(report: GatewayReport, title: string): string {
  const lines = [
    `${title}: ${report.rows} generations looked up (${report.base_url})`,
    `  matched      ${report.matched}`,
    `  discrepancy  ${report.discrepancy}`,
    `  not found    ${report.not_found}`,
    `  estimated ${report.estimated_cost_cents} ¢, the gateway's cost ${report.gateway_cost_cents} ¢ (per request, exact)`,
  ];
  const flagged = report.results.filter((r) => r.status !== 'matched');
  if (flagged.length) {
    lines.push('', 'row        generation                          status       notes');
    for (const r of flagged)
      lines.push(`${r.id.padEnd(10)} ${r.generation_id.padEnd(35)} ${r.status.padEnd(12)} ${r.notes.join('; ')}`);
  }
  lines.push('');
  if ('unavailable' in report.unrecorded)
    lines.push(`Requests the app never recorded: not available. ${report.unrecorded.unavailable}.`);
  else {
    const missing = report.unrecorded.days.filter((d) => d.unrecorded > 0);
    const total = missing.reduce((a, d) => a + d.unrecorded, 0);
    lines.push(
      `Requests the app never recorded: ${total} (the gateway's daily request count minus this gateway's rows).`,
    );
    for (const d of missing)
      lines.push(`  ${d.day}: gateway ${d.gateway_requests} requests, rows ${d.rows}: ${d.unrecorded} unrecorded`);
  }
  if (report.written !== undefined) {
    lines.push(
      '',
      `Wrote reconciliation_status, actual_cost_cents (the gateway's cost, rounded to the cent) and reconciled_at on ${report.written} rows.`,
    );
  }
  return `${lines.join('\n')}\n`;
}
