/**
 * `reconcile --gateway`: against a local HTTP server that answers exactly as each gateway documents its generation
 * lookup (docs/gateways.md: Vercel's `{ data: { id, total_cost, native_tokens_prompt, … } }` and `/v1/report`,
 * OpenRouter's `{ data: { id, total_cost, tokens_prompt, native_tokens_prompt, … } }`), rows in PGlite.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PGlite } from '@electric-sql/pglite';
import { freshPGlite } from '../helpers.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runReconcileCommand } from '../../src/reconcile/command.js';
import { pgliteDb } from '../../src/reconcile/rows.js';
import { createTableSql, migrationSql } from '../../src/schema/sql.js';
import { tokenUsageSchema } from '../../src/schema/zod.js';
import { createTracker } from '../../src/tracking/tracker.js';
import { extractGatewayFields, extractReconciliationFields } from '../../src/tracking/extract.js';
import { insertStatement } from '../../src/tracking/stores.js';
import type { TokenUsageRow } from '../../src/schema/zod.js';

interface Gen {
  id: string;
  cost: number;
  input: number;
  output: number;
  model: string;
}

/** Vercel's documented lookup body (the fields of @ai-sdk/gateway's gatewayGenerationInfoResponseSchema). */
const vercelBody = (g: Gen) => ({
  data: {
    id: g.id,
    total_cost: g.cost,
    upstream_inference_cost: 0,
    usage: g.cost,
    created_at: '2026-11-20T10:00:00.000Z',
    model: g.model,
    is_byok: false,
    provider_name: 'openai',
    streamed: false,
    finish_reason: 'stop',
    latency: 200,
    generation_time: 900,
    native_tokens_prompt: g.input,
    native_tokens_completion: g.output,
    native_tokens_reasoning: 0,
    native_tokens_cached: 0,
    native_tokens_cache_creation: 0,
    billable_web_search_calls: 0,
  },
});

/** OpenRouter's documented lookup body (its API reference's example response, our values). */
const openrouterBody = (g: Gen) => ({
  data: {
    id: g.id,
    upstream_id: `chatcmpl-${g.id.slice(4)}`,
    total_cost: g.cost,
    cache_discount: null,
    upstream_inference_cost: g.cost,
    created_at: '2026-11-20T10:00:00.000000+00:00',
    model: g.model,
    app_id: null,
    streamed: false,
    cancelled: false,
    provider_name: 'OpenAI',
    latency: 300,
    moderation_latency: null,
    generation_time: 800,
    finish_reason: 'stop',
    native_finish_reason: 'stop',
    tokens_prompt: g.input + 1,
    tokens_completion: g.output + 1,
    native_tokens_prompt: g.input,
    native_tokens_completion: g.output,
    native_tokens_reasoning: 0,
    native_tokens_cached: 0,
    num_media_prompt: null,
    num_media_completion: null,
    num_search_results: null,
    origin: '',
    usage: g.cost,
    is_byok: false,
  },
});

interface Fake {
  server: Server;
  base: string;
  generations: Map<string, Gen>;
  hits: string[];
  /** Status codes to answer before the real one (per id), e.g. [429]. */
  fail: Map<string, number[]>;
  dailyRequests: Record<string, number>;
  key: string;
}

async function fakeGateway(kind: 'vercel' | 'openrouter'): Promise<Fake> {
  const fake = {
    generations: new Map(),
    hits: [],
    fail: new Map(),
    dailyRequests: {},
    key: 'test-key',
  } as unknown as Fake;
  const prefix = kind === 'vercel' ? '/v1' : '/api/v1';
  fake.server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    fake.hits.push(`${url.pathname}${url.search}`);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    if (req.headers.authorization !== `Bearer ${fake.key}`) return send(401, { error: { message: 'Invalid API key' } });
    if (url.pathname === `${prefix}/generation`) {
      const id = url.searchParams.get('id') ?? '';
      const queued = fake.fail.get(id);
      if (queued?.length) return send(queued.shift()!, { error: { message: 'rate limited' } }, { 'retry-after': '2' });
      const g = fake.generations.get(id);
      if (!g) return send(404, { error: { message: 'Generation not found' } });
      return send(200, kind === 'vercel' ? vercelBody(g) : openrouterBody(g));
    }
    if (kind === 'vercel' && url.pathname === '/v1/report') {
      const results = Object.entries(fake.dailyRequests).map(([day, n]) => ({
        day,
        total_cost: 0.01 * n,
        request_count: n,
      }));
      return send(200, { results });
    }
    send(404, { error: { message: 'no route' } });
  });
  await new Promise<void>((r) => fake.server.listen(0, '127.0.0.1', r));
  fake.base = `http://127.0.0.1:${(fake.server.address() as AddressInfo).port}${prefix}`;
  return fake;
}

let pg: PGlite;
beforeAll(async () => {
  pg = await freshPGlite();
});
afterAll(() => pg.close());

async function freshTable(): Promise<void> {
  await pg.exec('DROP TABLE IF EXISTS token_usage CASCADE');
  await pg.exec(createTableSql());
}

async function insert(row: Record<string, unknown>): Promise<void> {
  const keys = Object.keys(row);
  await pg.query(
    `INSERT INTO token_usage (${keys.join(', ')}) VALUES (${keys.map((_, i) => `$${i + 1}`).join(', ')})`,
    Object.values(row),
  );
}

async function reconcile(argv: string[], env: Record<string, string>) {
  let out = '';
  let err = '';
  const sleeps: number[] = [];
  const files = new Map<string, string>();
  const code = await runReconcileCommand(argv, {
    cwd: '/app',
    env,
    stdout: (t) => (out += t),
    stderr: (t) => (err += t),
    now: new Date('2026-11-29T12:00:00Z'),
    openDb: async () => pgliteDb(pg, { closeOnClose: false }),
    writeFile: (p, t) => files.set(p, t),
    // No real waiting in tests: the waits asked for are recorded instead.
    ...({ sleep: async (ms: number) => void sleeps.push(ms) } as object),
  });
  return { code, out, err, sleeps, files };
}

const rowsOf = async () =>
  (
    await pg.query<Record<string, unknown>>(
      'SELECT action_type, reconciliation_status, actual_cost_cents, gateway_cost_usd::float8 AS gateway_cost_usd, reconciled_at IS NOT NULL AS reconciled FROM token_usage ORDER BY id',
    )
  ).rows;

const base = { model_used: 'openai/gpt-4o', created_at: '2026-11-20T10:00:00Z' };

describe('reconcile --gateway vercel', () => {
  let fake: Fake;
  beforeAll(async () => {
    fake = await fakeGateway('vercel');
  });
  afterAll(() => new Promise<void>((r) => fake.server.close(() => r())));
  beforeEach(async () => {
    await freshTable();
    fake.hits.length = 0;
    fake.generations.clear();
    // gen_ ids as @ai-sdk/gateway documents them (gen_<ulid>).
    const gens: Gen[] = [
      { id: 'gen_01JD0000000000000000000001', cost: 0.01234, input: 1000, output: 200, model: 'openai/gpt-4o' },
      { id: 'gen_01JD0000000000000000000002', cost: 0.0031, input: 300, output: 50, model: 'openai/gpt-4o' },
      { id: 'gen_01JD0000000000000000000003', cost: 0.5, input: 10, output: 10, model: 'openai/gpt-4o' },
    ];
    for (const g of gens) fake.generations.set(g.id, g);
    fake.dailyRequests = { '2026-11-20': 7 };
    const status = 'pending';
    await insert({
      ...base,
      action_type: 'exact',
      llm_gateway: 'vercel',
      gateway_generation_id: gens[0].id,
      tokens_used: 1200,
      input_tokens: 1000,
      output_tokens: 200,
      estimated_cost_cents: 1.234,
      reconciliation_status: status,
    });
    await insert({
      ...base,
      action_type: 'tokens-off',
      llm_gateway: 'vercel',
      gateway_generation_id: gens[1].id,
      tokens_used: 340,
      input_tokens: 290,
      output_tokens: 50,
      estimated_cost_cents: 0.31,
      reconciliation_status: status,
    });
    await insert({
      ...base,
      action_type: 'cost-off',
      llm_gateway: 'vercel',
      gateway_generation_id: gens[2].id,
      tokens_used: 20,
      estimated_cost_cents: 0.02,
      reconciliation_status: status,
    });
    await insert({
      ...base,
      action_type: 'late',
      llm_gateway: 'vercel',
      gateway_generation_id: 'gen_01JD0000000000000000000009',
      tokens_used: 5,
      reconciliation_status: status,
    });
    // Not this gateway's, not a gateway's: never looked up, never touched.
    await insert({
      ...base,
      action_type: 'openrouter',
      llm_gateway: 'openrouter',
      gateway_generation_id: 'gen-1',
      tokens_used: 5,
      reconciliation_status: status,
    });
    await insert({
      ...base,
      action_type: 'openai',
      openai_request_id: 'chatcmpl-1',
      tokens_used: 5,
      reconciliation_status: status,
    });
  });

  it('matches each row to the cent, writes per batch, and resumes with the rows still pending', async () => {
    const env = { AI_GATEWAY_API_KEY: fake.key };
    const run = await reconcile(
      ['--gateway', 'vercel', '--base-url', fake.base, '--write', '--batch', '2', '--json', 'r.json'],
      env,
    );
    expect(run.err).toContain('[##########----------] 2/4 generations looked up');
    expect(run.err).toContain('4/4 generations looked up');
    expect(run.code).toBe(0);
    expect(await rowsOf()).toEqual([
      {
        action_type: 'exact',
        reconciliation_status: 'matched',
        actual_cost_cents: 1,
        gateway_cost_usd: 0.01234,
        reconciled: true,
      },
      {
        action_type: 'tokens-off',
        reconciliation_status: 'discrepancy',
        actual_cost_cents: 0,
        gateway_cost_usd: 0.0031,
        reconciled: true,
      },
      {
        action_type: 'cost-off',
        reconciliation_status: 'discrepancy',
        actual_cost_cents: 50,
        gateway_cost_usd: 0.5,
        reconciled: true,
      },
      {
        action_type: 'late',
        reconciliation_status: 'pending',
        actual_cost_cents: null,
        gateway_cost_usd: null,
        reconciled: false,
      },
      {
        action_type: 'openrouter',
        reconciliation_status: 'pending',
        actual_cost_cents: null,
        gateway_cost_usd: null,
        reconciled: false,
      },
      {
        action_type: 'openai',
        reconciliation_status: 'pending',
        actual_cost_cents: null,
        gateway_cost_usd: null,
        reconciled: false,
      },
    ]);
    const report = JSON.parse(run.files.get('/app/r.json')!);
    expect(report).toMatchObject({ rows: 4, matched: 1, discrepancy: 2, not_found: 1, written: 3 });
    expect(report.results.find((r: { generation_id: string }) => r.generation_id.endsWith('2')).notes).toEqual([
      'input tokens: recorded 290, gateway 300',
    ]);
    expect(report.results.find((r: { generation_id: string }) => r.generation_id.endsWith('3')).notes).toEqual([
      'cost: estimated 0.02 ¢, gateway 50 ¢',
    ]);
    // The gateway counted 7 requests that day; 4 rows are this gateway's: 3 the app never recorded.
    expect(report.unrecorded).toEqual({ days: [{ day: '2026-11-20', gateway_requests: 7, rows: 4, unrecorded: 3 }] });
    expect(run.out).toContain('Requests the app never recorded: 3');
    expect(fake.hits.filter((h) => h.startsWith('/v1/generation'))).toHaveLength(4);
    // Resumed: only the row still pending is looked up again; once the gateway has it, it is matched.
    fake.generations.set('gen_01JD0000000000000000000009', {
      id: 'gen_01JD0000000000000000000009',
      cost: 0.00004,
      input: 3,
      output: 2,
      model: 'openai/gpt-4o',
    });
    fake.hits.length = 0;
    const again = await reconcile(['--gateway', 'vercel', '--base-url', fake.base, '--write'], env);
    expect(again.code).toBe(0);
    expect(fake.hits.filter((h) => h.startsWith('/v1/generation'))).toEqual([
      '/v1/generation?id=gen_01JD0000000000000000000009',
    ]);
    const last = await rowsOf();
    expect(last[3]).toEqual({
      action_type: 'late',
      reconciliation_status: 'matched',
      actual_cost_cents: 0,
      gateway_cost_usd: 0.00004,
      reconciled: true,
    });
  });

  it('a dry run writes nothing; a refused key is exit 2 with nothing written', async () => {
    const dry = await reconcile(['--gateway', 'vercel', '--base-url', fake.base], { AI_GATEWAY_API_KEY: fake.key });
    expect(dry.code).toBe(0);
    expect(dry.out).toContain('matched      1');
    expect((await rowsOf()).every((r) => r.reconciled === false)).toBe(true);
    const refused = await reconcile(['--gateway', 'vercel', '--base-url', fake.base, '--write'], {
      AI_GATEWAY_API_KEY: 'wrong',
    });
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/401: the gateway refused the API key/);
    expect((await rowsOf()).every((r) => r.reconciled === false)).toBe(true);
  });

  it('bad usage is exit 2, naming the option', async () => {
    expect((await reconcile(['--gateway', 'litellm'], {})).err).toMatch(
      /--gateway: expected vercel or openrouter, got litellm/,
    );
    expect((await reconcile(['--gateway', 'vercel', '--base-url', fake.base], {})).err).toMatch(
      /AI_GATEWAY_API_KEY or VERCEL_OIDC_TOKEN is not set/,
    );
    expect((await reconcile(['--gateway', 'vercel', '--rate', '0'], { AI_GATEWAY_API_KEY: 'k' })).code).toBe(2);
    const help = await reconcile(['--gateway', 'vercel', '--help'], {});
    expect(help.out).toContain('--base-url URL');
  });
});

describe('reconcile --gateway openrouter', () => {
  let fake: Fake;
  beforeAll(async () => {
    fake = await fakeGateway('openrouter');
  });
  afterAll(() => new Promise<void>((r) => fake.server.close(() => r())));

  it('reads the native token counts, retries a 429 after its Retry-After, and says it cannot list unrecorded requests', async () => {
    await freshTable();
    const g = {
      id: 'gen-1732100000-AbCdEfGhIjKlMnOpQrSt',
      cost: 0.000875,
      input: 150,
      output: 40,
      model: 'openai/gpt-4o-mini',
    };
    fake.generations.set(g.id, g);
    fake.fail.set(g.id, [429]);
    await insert({
      ...base,
      action_type: 'or',
      llm_gateway: 'openrouter',
      gateway_generation_id: g.id,
      tokens_used: 190,
      input_tokens: 150,
      output_tokens: 40,
      estimated_cost_cents: 0.0875,
      gateway_cost_usd: 0.000875,
      reconciliation_status: 'pending',
    });
    const run = await reconcile(['--gateway', 'openrouter', '--base-url', fake.base, '--write'], {
      OPENROUTER_API_KEY: fake.key,
    });
    expect(run.code).toBe(0);
    expect(run.sleeps).toContain(2000);
    expect(await rowsOf()).toEqual([
      {
        action_type: 'or',
        reconciliation_status: 'matched',
        actual_cost_cents: 0,
        gateway_cost_usd: 0.000875,
        reconciled: true,
      },
    ]);
    expect(run.out).toContain('Requests the app never recorded: not available. OpenRouter documents no way to list');
  });
});

describe('the gateway app (fixtures/gateway-app-expected) reconciled against OpenRouter', () => {
  let fake: Fake;
  beforeAll(async () => {
    fake = await fakeGateway('openrouter');
  });
  afterAll(() => new Promise<void>((r) => fake.server.close(() => r())));

  it("stores each gateway route's row through the tracker and matches every one to the cent", async () => {
    await freshTable();
    // OpenRouter's prices for the models the routes ask for, USD per token (input, output).
    const price: Record<string, [number, number]> = {
      'openai/gpt-4o': [2.5e-6, 10e-6],
      'openai/gpt-4o-mini': [0.15e-6, 0.6e-6],
    };
    // The seven tracking calls of the six gateway routes, as the migrated app records them.
    const calls: Array<[string, string, number, number]> = [
      ['viva_final_assembly_draft', 'openai/gpt-4o', 2400, 1800],
      ['viva_final_assembly_polish', 'openai/gpt-4o-mini', 1900, 1700],
      ['viva_flip_frequency', 'openai/gpt-4o', 350, 120],
      ['viva_ideal_state', 'openai/gpt-4o', 900, 640],
      ['viva_merge_clarity', 'openai/gpt-4o', 1200, 420],
      ['viva_prompt_suggestions', 'openai/gpt-4o-mini', 260, 310],
      ['viva_refine_category', 'openai/gpt-4o', 700, 800],
    ];
    const tracker = createTracker({
      store: {
        insert: async (row) => (
          await pg.query(insertStatement('token_usage', row).text, insertStatement('token_usage', row).values),
          {}
        ),
        close: async () => {},
      },
      deadLetterFile: null,
    });
    const expected: Array<{ action_type: string; cents: number; usd: number }> = [];
    for (const [i, [action, model, input, output]] of calls.entries()) {
      const id = `gen-17329${i}0000-${'AbCdEfGhIjKlMnOpQrS'.slice(i)}${i}`;
      const usd = Math.round((input * price[model][0] + output * price[model][1]) * 1e9) / 1e9;
      fake.generations.set(id, { id, cost: usd, input, output, model });
      const result = await tracker.trackTokenUsage({
        action_type: action,
        model_used: model,
        tokens_used: input + output,
        input_tokens: input,
        output_tokens: output,
        estimated_cost_cents: usd * 100,
        openai_request_id: null,
        llm_gateway: 'openrouter',
        gateway_generation_id: id,
      });
      expect(result).toEqual({ ok: true });
      expected.push({ action_type: action, cents: Math.round(usd * 100), usd });
    }
    const run = await reconcile(
      ['--gateway', 'openrouter', '--base-url', fake.base, '--write', '--json', 'gateway-app.json'],
      { OPENROUTER_API_KEY: fake.key },
    );
    expect(run.code).toBe(0);
    const report = JSON.parse(run.files.get('/app/gateway-app.json')!);
    expect(report).toMatchObject({ rows: 7, matched: 7, discrepancy: 0, not_found: 0, written: 7 });
    expect(report.estimated_cost_cents).toBeCloseTo(report.gateway_cost_cents, 6);
    expect(
      (await rowsOf()).map((r) => ({
        action_type: r.action_type,
        cents: r.actual_cost_cents,
        usd: r.gateway_cost_usd,
      })),
    ).toEqual(expected);
    expect((await rowsOf()).every((r) => r.reconciliation_status === 'matched' && r.reconciled)).toBe(true);
  });
});

describe('the gateway columns', () => {
  const row = { action_type: 'chat', model_used: 'openai/gpt-4o', tokens_used: 10 };

  it('never take an OpenAI id for a gateway id, nor the reverse', () => {
    const issues = (value: object) =>
      tokenUsageSchema.safeParse({ ...row, ...value }).error?.issues.map((i) => i.message) ?? [];
    expect(issues({ llm_gateway: 'vercel', gateway_generation_id: 'chatcmpl-abc' })[0]).toMatch(
      /an OpenAI id: pass it as openai_request_id/,
    );
    expect(issues({ llm_gateway: 'vercel', gateway_generation_id: 'resp_abc' })).toHaveLength(1);
    expect(issues({ openai_request_id: 'gen-1732100000-abc' })[0]).toMatch(
      /a gateway's generation id: pass it as gateway_generation_id/,
    );
    expect(issues({ openai_request_id: 'gen_01JD00' })).toHaveLength(1);
    expect(issues({ gateway_generation_id: 'gen_01JD00' })[0]).toMatch(/needs llm_gateway/);
    expect(issues({ llm_gateway: 'Vercel AI' })[0]).toMatch(/lower-case gateway name/);
    expect(
      issues({
        llm_gateway: 'vercel',
        gateway_generation_id: 'gen_01JD00',
        gateway_cost_usd: 0.0012,
        openai_request_id: null,
      }),
    ).toEqual([]);
  });

  it('the runtime extractors put a gateway id only in the gateway columns', () => {
    const openrouter = {
      id: 'gen-1732100000-abc',
      object: 'chat.completion',
      created: 1732100000,
      model: 'openai/gpt-4o',
      choices: [],
      usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5, cost: 0.00004 },
    };
    expect(extractReconciliationFields(openrouter)).toEqual({
      openai_request_id: null,
      openai_created: null,
      system_fingerprint: null,
    });
    expect(extractGatewayFields(openrouter, 'openrouter')).toEqual({
      llm_gateway: 'openrouter',
      gateway_generation_id: 'gen-1732100000-abc',
      gateway_cost_usd: 0.00004,
    });
    expect(extractGatewayFields({ ...openrouter, id: 'chatcmpl-1' }, 'openrouter').gateway_generation_id).toBeNull();
    const aiSdk = { text: 'hi', providerMetadata: { gateway: { generationId: 'gen_01JD00', cost: '0.00004' } } };
    expect(extractGatewayFields(aiSdk, 'vercel')).toEqual({
      llm_gateway: 'vercel',
      gateway_generation_id: 'gen_01JD00',
      gateway_cost_usd: null,
    });
    expect(
      extractGatewayFields({ providerMetadata: { openai: { responseId: 'resp_1' } } }, 'vercel').gateway_generation_id,
    ).toBeNull();
  });

  it('the tracker stores a gateway row as pending, and a row with neither id as not_applicable', async () => {
    const stored: TokenUsageRow[] = [];
    const tracker = createTracker({
      store: { insert: async (r) => (stored.push(r), {}), close: async () => {} },
      deadLetterFile: null,
      logger: { error() {} },
    });
    expect(
      await tracker.trackTokenUsage({
        ...row,
        llm_gateway: 'openrouter',
        gateway_generation_id: 'gen-1',
        openai_request_id: null,
      }),
    ).toEqual({ ok: true });
    expect(await tracker.trackTokenUsage(row)).toEqual({ ok: true });
    expect((await tracker.trackTokenUsage({ ...row, openai_request_id: 'gen-1' })).ok).toBe(false);
    expect(stored.map((r) => [r.gateway_generation_id ?? null, r.reconciliation_status])).toEqual([
      ['gen-1', 'pending'],
      [null, 'not_applicable'],
    ]);
  });

  it('the migration backfills a gateway row as pending and indexes the generation id', async () => {
    await pg.exec('DROP TABLE IF EXISTS token_usage CASCADE');
    await pg.exec(createTableSql());
    await insert({ ...row, llm_gateway: 'vercel', gateway_generation_id: 'gen_1' });
    await insert({ ...row });
    await pg.exec(migrationSql());
    expect((await pg.query('SELECT reconciliation_status FROM token_usage ORDER BY id')).rows).toEqual([
      { reconciliation_status: 'pending' },
      { reconciliation_status: 'not_applicable' },
    ]);
    const plan = await pg.query<{ indexdef: string }>(
      "SELECT indexdef FROM pg_indexes WHERE indexname = 'idx_token_usage_gateway_generation_id'",
    );
    expect(plan.rows[0].indexdef).toMatch(
      /\(llm_gateway, gateway_generation_id\) WHERE \(gateway_generation_id IS NOT NULL\)/,
    );
  });
});
