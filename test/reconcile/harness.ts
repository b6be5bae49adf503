/**
 * Test harness: a local stand-in for OpenAI's Usage and Costs APIs (node:http on 127.0.0.1, shaped as the API spec
 * and openai-node's types define them: `page` objects with `bucket`s, `has_more`, `next_page`), scenario builders,
 * and a PGlite database holding the app's rows.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync, writeFileSync, existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import OpenAI from 'openai';
import type { UsageCompletionsResponse, UsageCostsResponse } from 'openai/resources/admin/organization/usage';
import { createTableSql } from '../../src/schema/sql.js';
import { runReconcileCommand, type ReconcileIo } from '../../src/reconcile/command.js';
import { pgliteDb } from '../../src/reconcile/rows.js';

export const HERE = dirname(fileURLToPath(import.meta.url));
export const GOLDEN = join(HERE, 'golden');
export const DAY = 86400;
/** Monday 2026-11-02 00:00 UTC. */
export const WEEK_START = Date.UTC(2026, 10, 2) / 1000;
export const WEEK_END = WEEK_START + 7 * DAY;
export const ADMIN_KEY = 'sk-admin-test-key';

type CompletionsResult = UsageCompletionsResponse.Data.OrganizationUsageCompletionsResult;
type CostsResult = UsageCostsResponse.Data.OrganizationCostsResult;
type AnyResult = Record<string, unknown> & { object: string };

/** What the fake API serves: results keyed by bucket start, per endpoint. */
export interface ApiData {
  width: number;
  completions: Map<number, AnyResult[]>;
  audio_transcriptions: Map<number, AnyResult[]>;
  embeddings: Map<number, AnyResult[]>;
  /** Always daily, as the Costs API. */
  costs: Map<number, AnyResult[]>;
}

export const emptyApiData = (width = DAY): ApiData => ({
  width,
  completions: new Map(),
  audio_transcriptions: new Map(),
  embeddings: new Map(),
  costs: new Map(),
});

const push = (map: Map<number, AnyResult[]>, start: number, result: AnyResult): void => {
  map.set(start, [...(map.get(start) ?? []), result]);
};

export function completionsResult(fields: Partial<CompletionsResult> & { model: string }): CompletionsResult {
  return {
    object: 'organization.usage.completions.result',
    input_tokens: 0,
    output_tokens: 0,
    num_model_requests: 0,
    input_cached_tokens: 0,
    input_audio_tokens: 0,
    output_audio_tokens: 0,
    project_id: null,
    user_id: null,
    api_key_id: null,
    batch: false,
    service_tier: 'default',
    ...fields,
  };
}

export function costsResult(lineItem: string, value: number): CostsResult {
  return {
    object: 'organization.costs.result',
    amount: { value, currency: 'usd' },
    line_item: lineItem,
    project_id: null,
  };
}

export function addCompletions(data: ApiData, start: number, result: CompletionsResult): void {
  push(data.completions, start, result as unknown as AnyResult);
}
export function addCost(data: ApiData, day: number, lineItem: string, value: number): void {
  push(data.costs, day, costsResult(lineItem, value) as unknown as AnyResult);
}

export interface ServerOptions {
  /** Buckets per page the server sends at most (smaller than the client's limit, to force pagination). */
  pageSize?: number;
  /** Answer this endpoint's page with this status (an outage mid-pagination). */
  fail?: { endpoint: string; page: number; status: number };
}

export interface FakeApi {
  url: string;
  requests: Array<{ path: string; query: URLSearchParams; authorization: string | undefined }>;
  close(): Promise<void>;
}

const ENDPOINTS: Record<string, keyof Omit<ApiData, 'width'>> = {
  '/v1/organization/usage/completions': 'completions',
  '/v1/organization/usage/audio_transcriptions': 'audio_transcriptions',
  '/v1/organization/usage/embeddings': 'embeddings',
  '/v1/organization/costs': 'costs',
};

/** Starts the fake API on 127.0.0.1, port 0. */
export async function startFakeApi(data: ApiData, options: ServerOptions = {}): Promise<FakeApi> {
  const requests: FakeApi['requests'] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    requests.push({ path: url.pathname, query: url.searchParams, authorization: req.headers.authorization });
    const send = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json', 'x-request-id': `req_test${requests.length}` });
      res.end(JSON.stringify(body));
    };
    if (req.headers.authorization !== `Bearer ${ADMIN_KEY}`) {
      send(401, {
        error: {
          message:
            'Incorrect API key provided: sk-admin-***. You can find your API key at https://platform.openai.com/account/api-keys.',
          type: 'invalid_request_error',
          param: null,
          code: 'invalid_api_key',
        },
      });
      return;
    }
    const endpoint = ENDPOINTS[url.pathname];
    if (!endpoint) {
      send(404, {
        error: { message: `Unknown path ${url.pathname}`, type: 'invalid_request_error', param: null, code: null },
      });
      return;
    }
    const width = endpoint === 'costs' ? DAY : data.width;
    const start = Number(url.searchParams.get('start_time'));
    const end = Number(url.searchParams.get('end_time') ?? start + width * 7);
    const limit = Number(url.searchParams.get('limit') ?? 7);
    const cursor = url.searchParams.get('page');
    const offset = cursor ? Number(cursor.replace('page_', '')) : 0;
    const pageNumber = Math.floor(offset / Math.min(limit, options.pageSize ?? limit)) + 1;
    if (options.fail && options.fail.endpoint === endpoint && options.fail.page === pageNumber) {
      send(options.fail.status, {
        error: {
          message: 'The server had an error while processing your request. Sorry about that!',
          type: 'server_error',
          param: null,
          code: null,
        },
      });
      return;
    }
    const starts: number[] = [];
    for (let t = start; t < end; t += width) starts.push(t);
    const size = Math.min(limit, options.pageSize ?? limit);
    const slice = starts.slice(offset, offset + size);
    const hasMore = offset + size < starts.length;
    send(200, {
      object: 'page',
      data: slice.map((t) => ({
        object: 'bucket',
        start_time: t,
        end_time: t + width,
        results: data[endpoint].get(t) ?? [],
      })),
      has_more: hasMore,
      next_page: hasMore ? `page_${offset + size}` : null,
    });
  });
  // The clients keep sockets alive between requests; on a loaded machine a test can sit longer than Node's default
  // 5 s keep-alive between two requests, and a socket the server closed meanwhile fails the next request
  // ("Connection error") with retries off. Keep idle sockets for the whole file.
  server.keepAliveTimeout = 10 * 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** One row as the tracker stores it (created_at defaults to openai_created). */
export interface RowSpec {
  at: number;
  model_used: string;
  openai_model?: string | null;
  openai_request_id?: string | null;
  input_tokens: number;
  output_tokens: number;
  cached_input_tokens?: number | null;
  service_tier?: string | null;
  estimated_cost_cents?: number | null;
  /** Set openai_created (default true when the id is an OpenAI id). */
  created?: boolean;
  metadata?: Record<string, unknown>;
}

export async function createRowsTable(db: PGlite, table: string, rows: RowSpec[]): Promise<void> {
  await db.exec(createTableSql({ table, view: `${table}_reconciliation` }));
  for (const row of rows) {
    const id = row.openai_request_id ?? null;
    const created = row.created ?? (id !== null && !/^(aitxt|aiobj|gen)/.test(id));
    await db.query(
      `INSERT INTO ${table} (created_at, action_type, model_used, tokens_used, input_tokens, output_tokens, estimated_cost_cents,
         openai_request_id, openai_created, openai_model, cached_input_tokens, service_tier, reconciliation_status, metadata)
       VALUES (to_timestamp($1), 'route', $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13::jsonb)`,
      [
        row.at + 1, // the tracker stores a moment after OpenAI created the response
        row.model_used,
        row.input_tokens + row.output_tokens,
        row.input_tokens,
        row.output_tokens,
        row.estimated_cost_cents ?? null,
        id,
        created ? row.at : null,
        row.openai_model ?? null,
        row.cached_input_tokens ?? null,
        row.service_tier ?? null,
        id ? 'pending' : 'not_applicable',
        row.metadata ? JSON.stringify(row.metadata) : null,
      ],
    );
  }
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  files: Record<string, string>;
}

/** Runs the command with in-memory files, the shared PGlite, and the real openai client pointed at the fake API. */
export async function runReconcile(
  argv: string[],
  {
    db,
    api,
    now,
    env,
    files = {},
    maxRetries = 0,
  }: {
    db: PGlite;
    api?: FakeApi;
    now: number;
    env?: Record<string, string>;
    files?: Record<string, string>;
    maxRetries?: number;
  },
): Promise<RunResult> {
  let stdout = '';
  let stderr = '';
  const written: Record<string, string> = {};
  const io: ReconcileIo = {
    cwd: '/work',
    env: env ?? { OPENAI_ADMIN_KEY: ADMIN_KEY },
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    now: new Date(now * 1000),
    readFile: (path) => {
      if (path in files) return files[path];
      return readFileSync(path, 'utf8');
    },
    writeFile: (path, text) => void (written[path] = text),
    openDb: async () => pgliteDb(db as never, { closeOnClose: false }),
    createClient: (key) =>
      new OpenAI({ adminAPIKey: key, apiKey: null, baseURL: `${api?.url ?? 'http://127.0.0.1:9'}/v1`, maxRetries }),
  };
  const code = await runReconcileCommand(argv, io);
  return { code, stdout, stderr, files: written };
}

/** Compares with the committed golden file; `UPDATE_GOLDEN=1` rewrites it (deliberately only). */
export function golden(
  name: string,
  value: unknown,
  path = join(GOLDEN, `${name}.json`),
): { actual: unknown; expected: unknown } {
  const text = `${JSON.stringify(value, null, 2)}\n`;
  if (process.env.UPDATE_GOLDEN === '1') {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  }
  if (!existsSync(path))
    throw new Error(`golden file missing: ${path} (run with UPDATE_GOLDEN=1 to create it, then review it)`);
  return { actual: JSON.parse(text), expected: JSON.parse(readFileSync(path, 'utf8')) };
}

export interface Rates {
  input: number;
  cached: number;
  output: number;
}
export const pricesPerMillion: Record<'gpt-4o-mini' | 'gpt-4o', Rates> = {
  'gpt-4o-mini': { input: 0.15, cached: 0.075, output: 0.6 },
  'gpt-4o': { input: 2.5, cached: 1.25, output: 10 },
};

/** What OpenAI would bill for tokens, by line item (input includes cached at the cached rate). */
export function billed(
  family: keyof typeof pricesPerMillion,
  input: number,
  cached: number,
  output: number,
  rates = pricesPerMillion[family],
) {
  return {
    input: ((input - cached) * rates.input + cached * rates.cached) / 1e6,
    output: (output * rates.output) / 1e6,
  };
}

/**
 * The usual setup: rows per day, and the usage and costs OpenAI would report for exactly those rows.
 * `mutate` lets a scenario change the API's side afterwards.
 */
export function usageFromRows(rows: RowSpec[], width = DAY): ApiData {
  const data = emptyApiData(width);
  const perBucket = new Map<
    string,
    { start: number; model: string; input: number; cached: number; output: number; requests: number }
  >();
  for (const row of rows) {
    if (!row.openai_request_id || /^(aitxt|aiobj|gen)/.test(row.openai_request_id)) continue;
    const start = Math.floor(row.at / width) * width;
    const model = row.openai_model ?? `${row.model_used}-2024-07-18`;
    const key = `${start}|${model}`;
    const entry = perBucket.get(key) ?? { start, model, input: 0, cached: 0, output: 0, requests: 0 };
    entry.input += row.input_tokens;
    entry.cached += row.cached_input_tokens ?? 0;
    entry.output += row.output_tokens;
    entry.requests += 1;
    perBucket.set(key, entry);
  }
  for (const e of perBucket.values()) {
    addCompletions(
      data,
      e.start,
      completionsResult({
        model: e.model,
        input_tokens: e.input,
        input_cached_tokens: e.cached,
        output_tokens: e.output,
        num_model_requests: e.requests,
      }),
    );
  }
  return data;
}

/** Adds daily costs for whatever completions usage `data` holds, at the given rates (by model family). */
export function addCostsForUsage(
  data: ApiData,
  ratesAt: (family: keyof typeof pricesPerMillion, day: number) => Rates = (f) => pricesPerMillion[f],
): void {
  const perDay = new Map<string, { day: number; model: string; input: number; output: number }>();
  for (const [start, results] of data.completions) {
    const day = Math.floor(start / DAY) * DAY;
    for (const r of results) {
      const model = String(r.model);
      const family = model.replace(/-\d{4}-\d{2}-\d{2}$/, '') as keyof typeof pricesPerMillion;
      const cost = billed(
        family,
        Number(r.input_tokens),
        Number(r.input_cached_tokens ?? 0),
        Number(r.output_tokens),
        ratesAt(family, day),
      );
      const key = `${day}|${model}`;
      const entry = perDay.get(key) ?? { day, model, input: 0, output: 0 };
      entry.input += cost.input;
      entry.output += cost.output;
      perDay.set(key, entry);
    }
  }
  for (const e of perDay.values()) {
    addCost(data, e.day, `${e.model}, input`, Number(e.input.toFixed(6)));
    addCost(data, e.day, `${e.model}, output`, Number(e.output.toFixed(6)));
  }
}

/** Three gpt-4o-mini chat completions a day for the week, each with the snapshot recorded. */
export function weekOfRows(perDay = 3, opts: Partial<RowSpec> = {}): RowSpec[] {
  const rows: RowSpec[] = [];
  for (let d = 0; d < 7; d += 1) {
    for (let k = 0; k < perDay; k += 1) {
      const at = WEEK_START + d * DAY + 3600 * (9 + k * 2);
      const input = 120_000 + 10_000 * k + 1_000 * d;
      const output = 4_000 + 500 * k;
      rows.push({
        at,
        model_used: 'gpt-4o-mini',
        openai_model: 'gpt-4o-mini-2024-07-18',
        openai_request_id: `chatcmpl-d${d}k${k}`,
        input_tokens: input,
        output_tokens: output,
        cached_input_tokens: 0,
        service_tier: 'default',
        // The app's own hand-written estimate (old list prices), shown next to the table's.
        estimated_cost_cents: Number((((input * 0.15 + output * 0.6) / 1e6) * 100).toFixed(4)),
        ...opts,
      });
    }
  }
  return rows;
}

export const statusesOf = async (db: PGlite, table: string) =>
  (
    await db.query<{
      openai_request_id: string | null;
      reconciliation_status: string;
      actual_cost_cents: number | null;
      reconciled_at: Date | null;
    }>(`SELECT openai_request_id, reconciliation_status, actual_cost_cents, reconciled_at FROM ${table} ORDER BY id`)
  ).rows;

/**
 * The demo week: the tracked chat route, a multi-step AI SDK call (one row, three requests), an untracked gpt-4o route,
 * a gateway route (gen_ ids), a row without an id, Whisper transcriptions billed per second, and rows just outside
 * the window (which --write must never touch).
 */
export function demoScenario(): { rows: RowSpec[]; data: ApiData } {
  const chat = weekOfRows();
  const multi: RowSpec = {
    at: WEEK_START + 3 * DAY + 7200,
    model_used: 'gpt-4o',
    openai_model: 'gpt-4o-2024-08-06',
    openai_request_id: 'chatcmpl-laststep',
    input_tokens: 9_000,
    output_tokens: 1_200,
    cached_input_tokens: 0,
  };
  const whisper: RowSpec[] = [1, 2].flatMap((d) =>
    [0, 1].map((k) => ({
      at: WEEK_START + d * DAY + 40_000 + k * 600,
      model_used: 'whisper-1',
      openai_request_id: `req_whisper${d}${k}`,
      created: false,
      input_tokens: 0,
      output_tokens: 0,
      metadata: { audio_seconds: 120 },
    })),
  );
  const others: RowSpec[] = [
    {
      at: WEEK_START + 2 * DAY + 5000,
      model_used: 'openai/gpt-4o-mini',
      openai_request_id: 'gen_01JCX3',
      input_tokens: 1000,
      output_tokens: 100,
    },
    {
      at: WEEK_START + 4 * DAY + 5000,
      model_used: 'gpt-4o-mini',
      openai_model: 'gpt-4o-mini-2024-07-18',
      openai_request_id: null,
      input_tokens: 10,
      output_tokens: 5,
    },
  ];
  const outside: RowSpec[] = [WEEK_START - 3600, WEEK_END + 3600].map((at, i) => ({
    at,
    model_used: 'gpt-4o-mini',
    openai_model: 'gpt-4o-mini-2024-07-18',
    openai_request_id: `chatcmpl-outside${i}`,
    input_tokens: 1000,
    output_tokens: 100,
    cached_input_tokens: 0,
  }));
  const data = usageFromRows([...chat, multi]);
  data.completions.get(WEEK_START + 3 * DAY)!.find((r) => r.model === 'gpt-4o-2024-08-06')!.num_model_requests = 3;
  for (const d of [1, 5]) {
    addCompletions(
      data,
      WEEK_START + d * DAY,
      completionsResult({
        model: 'gpt-4o-2024-08-06',
        input_tokens: 50_000,
        output_tokens: 8_000,
        num_model_requests: 4,
      }),
    );
  }
  addCostsForUsage(data);
  for (const d of [1, 2]) {
    push(data.audio_transcriptions, WEEK_START + d * DAY, {
      object: 'organization.usage.audio_transcriptions.result',
      seconds: 240,
      num_model_requests: 2,
      model: 'whisper-1',
      project_id: null,
      user_id: null,
      api_key_id: null,
    });
    addCost(data, WEEK_START + d * DAY, 'whisper-1', 0.024);
  }
  // A line item whose format this tool does not understand: kept visible, counted in the billed total.
  addCost(data, WEEK_START + 6 * DAY, 'Fine-tuning training hours', 0.5);
  return { rows: [...chat, multi, ...whisper, ...others, ...outside], data };
}
