/**
 * `--fix-suspect` (issue 11, item 3): a suspect value is replaced only where the right value is certain, and the JSON
 * report carries each call's `notes` and `suspect` values.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { addReconciliationFields } from '../codemods/add-reconciliation-fields.js';
import { DEFAULT_CONFIG } from '../src/config.js';
import { analyzeFile } from '../src/engine/analyze.js';
import { createMemoryHost } from '../src/engine/host.js';
import { buildReport, renderJson } from '../src/report.js';
import { REPO } from './helpers.js';

const fixture = (name: string) => {
  const dir = path.join(REPO, 'fixtures', name);
  const inputPath = path.join(dir, 'input.ts').split(path.sep).join('/');
  const read = (p: string) => {
    try {
      return readFileSync(p, 'utf8');
    } catch {
      return undefined;
    }
  };
  const run = (text: string, fixSuspect: boolean) =>
    addReconciliationFields([{ path: inputPath, text }], { readFile: read, fixSuspect, schemaStep: false }).files[0];
  return { dir, input: read(inputPath)!, run };
};

describe('--fix-suspect', () => {
  it('replaces a transcription body id by its _request_id, and only that initializer', () => {
    const { dir, input, run } = fixture('existing-transcription-body-id-is-suspect');
    const plan = run(input, true);
    expect(plan.status).toBe('changed');
    expect(plan.output).toBe(readFileSync(path.join(dir, 'output-fix-suspect.ts'), 'utf8'));
    expect(plan.calls[0]).toMatchObject({
      status: 'updated',
      source: 'transcription',
      added: { openai_request_id: 'transcription._request_id' },
      suspect: [
        { prop: 'openai_request_id', value: '(transcription as any).id', expected: 'transcription._request_id' },
      ],
    });
    // Once fixed, the value is right: a second run (with or without the flag) finds the call complete.
    for (const fix of [true, false]) {
      const again = run(plan.output!, fix);
      expect(again.status).toBe('unchanged');
      expect(again.calls.map((c) => c.status)).toEqual(['complete', 'complete']);
    }
  });

  it('without the flag, the call is manual and the fix is only offered (for the lint suggestion)', () => {
    const { input, run } = fixture('existing-transcription-body-id-is-suspect');
    const plan = run(input, false);
    expect(plan.status).toBe('unchanged');
    expect(plan.calls[0].status).toBe('manual');
    expect(plan.calls[0].edits).toEqual([]);
    expect(plan.calls[0].suspectFix).toHaveLength(1);
  });

  it('never replaces a value behind a gateway: nothing is certain there', () => {
    const { input, run } = fixture('existing-id-behind-gateway-is-suspect');
    const plan = run(input, true);
    expect(plan.status).toBe('unchanged');
    expect(plan.calls.map((c) => c.reasonCode)).toEqual(['suspect-value', 'suspect-value', undefined]);
    for (const call of plan.calls.slice(0, 2)) {
      expect(call.suspect?.map((s) => s.prop)).toEqual(['openai_request_id']);
      expect(call.suspect?.[0].expected).toBeUndefined();
      expect(call.suspectFix).toBeUndefined();
    }
  });
});

describe('the JSON report', () => {
  it('carries notes and suspect values per call', () => {
    const suspect = fixture('existing-transcription-body-id-is-suspect');
    const noted = fixture('ai-sdk-model-other-provider-const-or-ternary');
    const plans = [suspect.run(suspect.input, false), noted.run(noted.input, false)];
    const json = JSON.parse(renderJson(buildReport(plans, (p) => path.relative(REPO, p))));
    const calls = json.files.flatMap((f: { calls: unknown[] }) => f.calls);
    const manual = calls.find((c: { reason?: string }) => c.reason?.startsWith('suspect-value: '));
    expect(manual.suspect).toEqual([
      {
        prop: 'openai_request_id',
        value: '(transcription as any).id',
        expected: 'transcription._request_id',
        reason: expect.stringContaining('always undefined'),
      },
    ]);
    const updated = calls.find((c: { notes?: string[] }) => c.notes?.length);
    expect(updated.status).toBe('updated');
    expect(updated.notes.join(' ')).toContain('@ai-sdk/anthropic');
  });
});

const TRACKING = `export interface TokenUsage {
  tokens_used: number;
  openai_request_id?: string | null;
  openai_created?: number | null;
  system_fingerprint?: string | null;
}
export async function trackTokenUsage(usage: TokenUsage): Promise<void> {
  void usage;
}
`;

/** One file calling the tracker after `setup`, with `fields` in the object literal. */
function plan(imports: string, setup: string, fields: string, options: { fixSuspect?: boolean } = {}) {
  const text = `${imports}
import { trackTokenUsage } from './tracking';

export async function run(): Promise<void> {
${setup}
  await trackTokenUsage({
${fields.includes('tokens_used') ? '' : '    tokens_used: 1,\n'}${fields}
  });
}
`;
  const host = createMemoryHost({ '/app/input.ts': text, '/app/tracking.ts': TRACKING });
  return analyzeFile({ path: '/app/input.ts', text }, DEFAULT_CONFIG, host, options);
}

const OPENAI = `import OpenAI from 'openai';
const openai = new OpenAI();`;

describe('existing values are judged tolerantly', () => {
  it('the right base in any form is accepted: optional chaining, non-null, casts, a null fallback', () => {
    const result = plan(
      OPENAI,
      "  const completion = await openai.chat.completions.create({ model: 'gpt-4o', messages: [] });",
      `    openai_request_id: (completion as any).id,
    openai_created: completion?.created,
    system_fingerprint: completion!.system_fingerprint ?? null,`,
    );
    expect(result.calls.map((c) => c.status)).toEqual(['complete']);
  });

  it('values it cannot judge (a local, a computation, an alternative id) are accepted', () => {
    const result = plan(
      OPENAI,
      `  const completion = await openai.chat.completions.create({ model: 'gpt-4o', messages: [] });
  const requestId = completion.id;`,
      `    openai_request_id: requestId,
    openai_created: Math.floor(Date.now() / 1000),
    system_fingerprint: completion._request_id,`,
    );
    expect(result.calls.map((c) => c.status)).toEqual(['complete']);
  });

  it('a property the result does not have is suspect, with the certain right value (Responses API `created`)', () => {
    const setup = "  const response = await openai.responses.create({ model: 'gpt-4o', input: 'hi' });";
    const fields = `    openai_request_id: response.id,
    openai_created: response.created,
    system_fingerprint: null,`;
    const manual = plan(OPENAI, setup, fields);
    expect(manual.calls[0]).toMatchObject({ status: 'manual', reasonCode: 'suspect-value' });
    expect(manual.calls[0].suspect).toEqual([
      {
        prop: 'openai_created',
        value: 'response.created',
        expected: 'response.created_at',
        reason: expect.stringContaining('does not have'),
      },
    ]);
    const fixed = plan(OPENAI, setup, fields, { fixSuspect: true });
    expect(fixed.status).toBe('changed');
    expect(fixed.output).toContain('    openai_created: response.created_at,\n');
  });

  it("another provider's id is suspect, and null is the certain right value when the call's usage is that result's", () => {
    const setup = `  const message = await anthropic.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 10, messages: [] });
  const tokens = message.usage.input_tokens;`;
    const imports = `import Anthropic from '@anthropic-ai/sdk';
const anthropic = new Anthropic();`;
    const fields = `    openai_request_id: message.id,
    openai_created: null,
    system_fingerprint: null,
    tokens_used: tokens,`;
    const result = plan(imports, setup, fields, { fixSuspect: true });
    expect(result.calls[0].suspect).toEqual([
      {
        prop: 'openai_request_id',
        value: 'message.id',
        expected: 'null',
        reason: expect.stringContaining('not an OpenAI result'),
      },
    ]);
    expect(result.output).toContain('    openai_request_id: null,\n');
  });
});

describe('an AI SDK result read past its response', () => {
  it('`(result as any).id` is always undefined: suspect, and the right value is `result.response.id`', () => {
    const result = plan(
      `import { createOpenAI } from '@ai-sdk/openai';
import { generateText } from 'ai';
const openai = createOpenAI({ apiKey: 'k' });`,
      "  const result = await generateText({ model: openai.chat('gpt-4o'), prompt: 'hi' });",
      `    tokens_used: result.usage.totalTokens ?? 0,
    openai_request_id: (result as any).id,
    openai_created: Math.floor(result.response.timestamp.getTime() / 1000),
    system_fingerprint: null,`,
    );
    expect(result.calls[0].suspect).toEqual([
      {
        prop: 'openai_request_id',
        value: '(result as any).id',
        expected: 'result.response.id',
        reason: expect.stringContaining('under `result.response`'),
      },
    ]);
  });
});
