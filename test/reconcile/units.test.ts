import type { ChatCompletion } from 'openai/resources/chat/completions';
import type { Response } from 'openai/resources/responses/responses';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import { allocateCents, idKind, modelFamily, parseLineItem } from '../../src/reconcile/compute.js';
import { priceTable } from '../../src/reconcile/prices.js';
import { OPTIONAL_FIELD_NAMES, RECONCILIATION_FIELD_NAMES } from '../../src/schema/fields.js';
import { createTableSql, migrationSql } from '../../src/schema/sql.js';
import { tokenUsageSchema } from '../../src/schema/zod.js';
import { extractReconciliationFields } from '../../src/tracking/extract.js';

const at = Date.UTC(2026, 10, 3) / 1000;

describe('prices', () => {
  const prices = priceTable();

  it('counts cached tokens once, inside the input (gpt-4o-mini: $0.15 input, $0.075 cached, $0.60 output per million)', () => {
    const { dollars } = prices.price({
      model: 'gpt-4o-mini-2024-07-18',
      at,
      input_tokens: 1_000_000,
      cached_tokens: 400_000,
      output_tokens: 1_000_000,
    });
    expect(dollars).toBeCloseTo(0.6 * 0.15 + 0.4 * 0.075 + 0.6, 9);
  });

  it('takes output tokens as they come: reasoning tokens are already inside completion_tokens', () => {
    const plain = prices.price({ model: 'gpt-4o-mini', at, input_tokens: 0, output_tokens: 1_000_000 }).dollars!;
    expect(plain).toBeCloseTo(0.6, 9);
  });

  it('batch and flex at half the rate; priority at the standard rate, flagged', () => {
    const base = { model: 'gpt-4o-mini', at, input_tokens: 1_000_000, output_tokens: 0 };
    expect(prices.price({ ...base, batch: true }).dollars).toBeCloseTo(0.075, 9);
    expect(prices.price({ ...base, service_tier: 'flex' }).dollars).toBeCloseTo(0.075, 9);
    expect(prices.price({ ...base, service_tier: 'priority' })).toEqual({
      dollars: expect.closeTo(0.15, 9),
      note: 'priority-rate-unknown',
    });
    expect(prices.price({ ...base, service_tier: 'default' })).toEqual({ dollars: expect.closeTo(0.15, 9) });
  });

  it('Whisper per second of audio ($0.006 a minute)', () => {
    expect(prices.price({ model: 'whisper-1', at, audio_seconds: 90 }).dollars).toBeCloseTo(0.009, 9);
  });

  it('an unknown model has no price (null, not 0)', () => {
    expect(prices.price({ model: 'my-finetune-xyz', at, input_tokens: 10 }).dollars).toBeNull();
  });
});

describe('helpers', () => {
  it('allocateCents: integer cents that add up, in proportion', () => {
    expect(allocateCents(10, [1, 1, 1])).toEqual([4, 3, 3]);
    expect(allocateCents(7, [0.5, 0.25, 0.25])).toEqual([3, 2, 2]); // 3.5, 1.75, 1.75: the largest remainders get the two cents left
    expect(allocateCents(5, [0, 0])).toEqual([3, 2]);
    expect(allocateCents(0, [1, 2])).toEqual([0, 0]);
  });

  it('idKind: OpenAI ids, none, synthetic (AI SDK, gateways)', () => {
    expect(
      ['chatcmpl-1', 'resp_1', 'req_1', null, '', 'aitxt-abc', 'aiobj-abc', 'gen_01J', 'gen-123'].map((id) =>
        idKind(id),
      ),
    ).toEqual(['openai', 'openai', 'openai', 'none', 'none', 'synthetic', 'synthetic', 'synthetic', 'synthetic']);
  });

  it('modelFamily strips the snapshot date only', () => {
    expect(modelFamily('gpt-4o-mini-2024-07-18')).toBe('gpt-4o-mini');
    expect(modelFamily('gpt-4o-mini')).toBe('gpt-4o-mini');
    expect(modelFamily('whisper-1')).toBe('whisper-1');
  });

  it('parseLineItem: "<model>, <kind>" where it can, null otherwise (kept visible)', () => {
    expect(parseLineItem('gpt-4o-2024-08-06, input')).toEqual({ model: 'gpt-4o-2024-08-06', kind: 'input' });
    expect(parseLineItem('gpt-4o-mini-2024-07-18, cached input')).toEqual({
      model: 'gpt-4o-mini-2024-07-18',
      kind: 'cached input',
    });
    expect(parseLineItem('whisper-1')).toEqual({ model: 'whisper-1', kind: null });
    expect(parseLineItem('Fine-tuning training hours')).toBeNull();
    expect(parseLineItem('web search tool calls')).toBeNull();
    expect(parseLineItem(null)).toBeNull();
  });
});

describe('the optional columns', () => {
  it("are in the migration and CREATE TABLE, not among the codemod's default fields", () => {
    expect(OPTIONAL_FIELD_NAMES).toEqual(['openai_model', 'cached_input_tokens', 'service_tier']);
    for (const name of OPTIONAL_FIELD_NAMES) expect(RECONCILIATION_FIELD_NAMES).not.toContain(name);
    expect(migrationSql()).toMatch(
      /ADD COLUMN IF NOT EXISTS openai_model TEXT,\n {2}ADD COLUMN IF NOT EXISTS cached_input_tokens INTEGER,\n {2}ADD COLUMN IF NOT EXISTS service_tier TEXT/,
    );
    expect(createTableSql()).toMatch(
      /\n {2}openai_model TEXT,\n {2}cached_input_tokens INTEGER,\n {2}service_tier TEXT,/,
    );
  });

  it('are validated by the zod schema', () => {
    const base = { action_type: 'a', model_used: 'gpt-4o-mini', tokens_used: 1 };
    expect(
      tokenUsageSchema.parse({
        ...base,
        openai_model: 'gpt-4o-mini-2024-07-18',
        cached_input_tokens: 3,
        service_tier: 'default',
      }),
    ).toMatchObject({
      openai_model: 'gpt-4o-mini-2024-07-18',
      cached_input_tokens: 3,
      service_tier: 'default',
    });
    expect(tokenUsageSchema.safeParse({ ...base, cached_input_tokens: -1 }).success).toBe(false);
    expect(tokenUsageSchema.safeParse({ ...base, openai_model: '' }).success).toBe(false);
  });

  it("extractReconciliationFields fills them when asked, from the SDK's own shapes", () => {
    const completion: ChatCompletion = {
      id: 'chatcmpl-1',
      object: 'chat.completion',
      created: 1741570283,
      model: 'gpt-4o-mini-2024-07-18',
      service_tier: 'default',
      choices: [],
      usage: {
        prompt_tokens: 2006,
        completion_tokens: 300,
        total_tokens: 2306,
        prompt_tokens_details: { cached_tokens: 1920 },
      },
    };
    expect(extractReconciliationFields(completion)).toEqual({
      openai_request_id: 'chatcmpl-1',
      openai_created: 1741570283,
      system_fingerprint: null,
    });
    expect(extractReconciliationFields(completion, { optionalFields: true })).toEqual({
      openai_request_id: 'chatcmpl-1',
      openai_created: 1741570283,
      system_fingerprint: null,
      openai_model: 'gpt-4o-mini-2024-07-18',
      cached_input_tokens: 1920,
      service_tier: 'default',
    });
    const response = {
      id: 'resp_1',
      object: 'response',
      created_at: 1741476542,
      model: 'gpt-4.1-2025-04-14',
      service_tier: 'flex',
      usage: {
        input_tokens: 100,
        output_tokens: 10,
        total_tokens: 110,
        input_tokens_details: { cached_tokens: 64, cache_write_tokens: 0 },
        output_tokens_details: { reasoning_tokens: 0 },
      },
    } satisfies Partial<Response>;
    expect(extractReconciliationFields(response, { optionalFields: true })).toMatchObject({
      openai_model: 'gpt-4.1-2025-04-14',
      cached_input_tokens: 64,
      service_tier: 'flex',
    });
    const aiSdk = {
      response: { id: 'chatcmpl-2', timestamp: new Date(1741570283000), modelId: 'gpt-4o-2024-08-06' },
      usage: { cachedInputTokens: 12 },
    };
    expect(extractReconciliationFields(aiSdk, { optionalFields: true })).toMatchObject({
      openai_model: 'gpt-4o-2024-08-06',
      cached_input_tokens: 12,
      service_tier: null,
    });
    expect(extractReconciliationFields(undefined, { optionalFields: true })).toEqual({
      openai_request_id: null,
      openai_created: null,
      system_fingerprint: null,
      openai_model: null,
      cached_input_tokens: null,
      service_tier: null,
    });
  });
});

describe('the CLI route', () => {
  it('recon-codemod reconcile --help', async () => {
    let out = '';
    const code = await main(['reconcile', '--help'], {
      cwd: '/',
      stdout: (t) => void (out += t),
      stderr: () => {},
      stdoutIsTTY: false,
      stderrIsTTY: false,
      env: {},
    });
    expect(code).toBe(0);
    expect(out).toMatch(/^Usage: recon-codemod reconcile --since DATE --until DATE/);
  });

  it('bad usage exits 2', async () => {
    let err = '';
    const io = {
      cwd: '/',
      stdout: () => {},
      stderr: (t: string) => void (err += t),
      stdoutIsTTY: false,
      stderrIsTTY: false,
      env: {},
    };
    expect(await main(['reconcile', '--since', '2026-11-02', '--until', '2026-11-09', '--bucket', '5m'], io)).toBe(2);
    expect(err).toMatch(/--bucket: expected 1m, 1h or 1d/);
    // Option errors in the same words as the codemod's, not parseArgs's text.
    err = '';
    expect(await main(['reconcile', '--sinse', '2026-11-02'], io)).toBe(2);
    expect(err).toBe(
      'recon-codemod reconcile: unknown option --sinse (did you mean --since?)\nRun recon-codemod reconcile --help for usage.\n',
    );
    err = '';
    expect(await main(['reconcile', '--until'], io)).toBe(2);
    expect(err).toMatch(/^recon-codemod reconcile: --until needs a value\n/);
  });
});
