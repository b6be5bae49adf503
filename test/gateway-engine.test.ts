/**
 * The engine behind a gateway: the gateway-shaped app (fixtures/gateway-app: the demo app with 6 of its 12 routes on
 * OpenRouter) migrates to its hand-checked expected tree (fixtures/gateway-app-expected, type-checked with tsc when it
 * was made: see README) with no manual call; a gateway the config names by base URL (a LiteLLM proxy) is known, any
 * other base URL stays manual.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { addReconciliationFields } from '../codemods/add-reconciliation-fields.js';
import { resolveConfig } from '../src/config.js';
import { readPathAliases } from '../src/node-host.js';
import { Linter } from 'eslint';
import tsParser from '@typescript-eslint/parser';
import recon from '../eslint-plugin/index.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const appRoot = path.join(repoRoot, 'fixtures', 'gateway-app');
const expectedRoot = path.join(repoRoot, 'fixtures', 'gateway-app-expected');
const toPosix = (p: string) => p.split(path.sep).join('/');

function listTs(root: string, dir = ''): string[] {
  return readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = dir ? `${dir}/${e.name}` : e.name;
    return e.isDirectory() ? listTs(root, rel) : /\.ts$/.test(e.name) && !/\.d\.ts$/.test(e.name) ? [rel] : [];
  });
}

describe('fixtures/gateway-app', () => {
  const rels = listTs(appRoot, 'src');
  const inputs = rels.map((rel) => ({
    path: toPosix(path.join(appRoot, rel)),
    text: readFileSync(path.join(appRoot, rel), 'utf8'),
  }));
  const { files } = addReconciliationFields(inputs, {
    readFile: (p) => {
      try {
        return readFileSync(p, 'utf8');
      } catch {
        return undefined;
      }
    },
    pathAliases: readPathAliases(appRoot),
  });

  it('migrates to the expected tree, every gateway call with its generation id and no manual call', () => {
    for (const [i, rel] of rels.entries()) {
      const file = files[i];
      expect(file.output ?? inputs[i].text, rel).toBe(readFileSync(path.join(expectedRoot, rel), 'utf8'));
    }
    const calls = files.flatMap((f) => f.calls.map((c) => ({ file: f.path, ...c })));
    expect(calls.filter((c) => c.status === 'manual')).toEqual([]);
    const gateway = calls.filter((c) => c.added?.llm_gateway);
    expect(
      gateway.map((c) => [
        path.basename(path.dirname(c.file)),
        c.added!.llm_gateway,
        c.added!.gateway_generation_id,
        c.added!.openai_request_id,
      ]),
    ).toEqual([
      ['final-assembly', "'openrouter'", 'draftCompletion.id', 'null'],
      ['final-assembly', "'openrouter'", 'polishCompletion.id', 'null'],
      ['flip-frequency', "'openrouter'", 'completion.id', 'null'],
      ['ideal-state', "'openrouter'", 'completion.id', 'null'],
      ['merge-clarity', "'openrouter'", 'response.id', 'null'],
      ['prompt-suggestions', "'openrouter'", 'completion.id', 'null'],
      ['refine-category', "'openrouter'", 'completion.id', 'null'],
    ]);
    // No OpenAI id on a gateway call, no gateway field on an OpenAI call.
    for (const c of calls.filter((c) => !c.added?.llm_gateway))
      expect(Object.keys(c.added ?? {})).not.toContain('gateway_generation_id');
  });
});

describe('gateways by base URL', () => {
  const tracking = `export interface TokenUsage {
  action_type: string;
  tokens_used: number;
  openai_request_id?: string | null;
  openai_created?: number | null;
  system_fingerprint?: string | null;
  llm_gateway?: string | null;
  gateway_generation_id?: string | null;
}
export async function trackTokenUsage(usage: TokenUsage): Promise<void> {
  void usage;
}
`;
  const route = (baseURL: string) => `import OpenAI from 'openai';
import { trackTokenUsage } from './tracking';

const client = new OpenAI({ baseURL: '${baseURL}' });

export async function ask(prompt: string) {
  const completion = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: prompt }] });
  await trackTokenUsage({ action_type: 'ask', tokens_used: completion.usage?.total_tokens ?? 0 });
}
`;
  const plan = (baseURL: string, config?: unknown) => {
    const all = new Map([
      ['/app/route.ts', route(baseURL)],
      ['/app/tracking.ts', tracking],
    ]);
    return addReconciliationFields([{ path: '/app/route.ts', text: all.get('/app/route.ts')! }], {
      readFile: (p) => all.get(p),
      config: resolveConfig(config),
    }).files[0].calls[0];
  };

  it('a proxy the config names gets its name and the body id; the same URL unnamed stays manual', () => {
    const config = { gateways: [{ name: 'litellm', baseURL: 'http://litellm.internal:4000/v1/' }] };
    expect(plan('http://litellm.internal:4000/v1', config).added).toEqual({
      openai_request_id: 'null',
      openai_created: 'null',
      system_fingerprint: 'null',
      llm_gateway: "'litellm'",
      gateway_generation_id: 'completion.id',
    });
    expect(plan('http://litellm.internal:4000/v1')).toMatchObject({ status: 'manual', reasonCode: 'not-openai' });
  });

  it("the Vercel AI Gateway's OpenAI-compatible API documents no generation id in the body: manual", () => {
    expect(plan('https://ai-gateway.vercel.sh/v1')).toMatchObject({ status: 'manual', reasonCode: 'not-openai' });
  });

  it('a stream through OpenRouter is not read (its chunks are not followed here): manual', () => {
    const all = new Map([
      [
        '/app/route.ts',
        route('https://openrouter.ai/api/v1').replace(
          "messages: [{ role: 'user', content: prompt }] }",
          "messages: [{ role: 'user', content: prompt }], stream: true }",
        ),
      ],
      ['/app/tracking.ts', tracking],
    ]);
    const call = addReconciliationFields([{ path: '/app/route.ts', text: all.get('/app/route.ts')! }], {
      readFile: (p) => all.get(p),
    }).files[0].calls[0];
    expect(call.status).toBe('manual');
  });

  it('a body the code does not write out (a const, a spread) may hold `stream: true`: manual, never `.id` of a stream', () => {
    const run = (text: string) => {
      const all = new Map([
        ['/app/route.ts', text],
        ['/app/tracking.ts', tracking],
      ]);
      return addReconciliationFields([{ path: '/app/route.ts', text }], { readFile: (p) => all.get(p) }).files[0];
    };
    const base = route('https://openrouter.ai/api/v1');
    const viaConst = base
      .replace(
        'export async function ask',
        "const params = { model: 'gpt-4o', messages: [], stream: true as const };\nexport async function ask",
      )
      .replace("create({ model: 'gpt-4o', messages: [{ role: 'user', content: prompt }] })", 'create(params)');
    const viaSpread = base
      .replace('export async function ask', 'const extra = { stream: true as const };\nexport async function ask')
      .replace(
        "messages: [{ role: 'user', content: prompt }] })",
        "messages: [{ role: 'user', content: prompt }], ...extra })",
      );
    for (const text of [viaConst, viaSpread]) {
      expect(text).not.toBe(base);
      const file = run(text);
      expect(file.calls[0]).toMatchObject({ status: 'manual', reasonCode: 'not-openai' });
      expect(file.output ?? text).toBe(text);
    }
  });

  it('`.withResponse()` through OpenRouter (the body is under `data`, `request_id` is not an OpenAI id): manual, no `.id` of the wrapper', () => {
    const base = route('https://openrouter.ai/api/v1');
    const text = base.replace('content: prompt }] });', 'content: prompt }] }).withResponse();');
    expect(text).not.toBe(base);
    const all = new Map([
      ['/app/route.ts', text],
      ['/app/tracking.ts', tracking],
    ]);
    const file = addReconciliationFields([{ path: '/app/route.ts', text }], { readFile: (p) => all.get(p) }).files[0];
    expect(file.calls[0]).toMatchObject({ status: 'manual', reasonCode: 'not-openai' });
    expect(file.output ?? text).toBe(text);
  });

  it("a string model is the gateway's only where no AI_SDK_DEFAULT_PROVIDER is set (ai 5+ sends it to that provider first)", () => {
    const app = (defaultProvider: string) => `import { generateText } from 'ai';
import { openai } from '@ai-sdk/openai';
import { trackTokenUsage } from './tracking';
${defaultProvider}
export async function ask(prompt: string) {
  const result = await generateText({ model: 'openai/gpt-4o', prompt });
  await trackTokenUsage({ action_type: 'ask', tokens_used: result.usage.totalTokens ?? 0 });
}
`;
    const run = (text: string) => {
      const all = new Map([
        ['/app/route.ts', text],
        ['/app/tracking.ts', tracking],
      ]);
      return addReconciliationFields([{ path: '/app/route.ts', text }], { readFile: (p) => all.get(p) }).files[0];
    };
    expect(run(app('void openai;')).calls[0]).toMatchObject({ status: 'updated', added: { llm_gateway: "'vercel'" } });
    const text = app('globalThis.AI_SDK_DEFAULT_PROVIDER = openai;');
    const file = run(text);
    expect(file.calls[0]).toMatchObject({ status: 'manual', reasonCode: 'provider-unknown' });
    expect(file.calls[0].reason).toContain('AI_SDK_DEFAULT_PROVIDER');
    expect(file.output ?? text).toBe(text);
  });

  it("gateway fields are written only where the tracker's declared types take them (no null into a string, no other gateway's name)", () => {
    const run = (text: string, tracker: string, config?: unknown) => {
      const all = new Map([
        ['/app/route.ts', text],
        ['/app/tracking.ts', tracker],
      ]);
      return addReconciliationFields([{ path: '/app/route.ts', text }], {
        readFile: (p) => all.get(p),
        config: resolveConfig(config),
      }).files[0];
    };
    const vercel = `import { generateText } from 'ai';
import { trackTokenUsage } from './tracking';
export async function ask(prompt: string) {
  const result = await generateText({ model: 'openai/gpt-4o', prompt });
  await trackTokenUsage({ action_type: 'ask', tokens_used: result.usage.totalTokens ?? 0 });
}
`;
    const noNull = tracking.replace('gateway_generation_id?: string | null;', 'gateway_generation_id?: string;');
    const union = tracking.replace('llm_gateway?: string | null;', "llm_gateway?: 'vercel' | 'openrouter' | null;");
    const proxy = route('http://litellm.internal:4000/v1');
    const config = { gateways: [{ name: 'litellm', baseURL: 'http://litellm.internal:4000/v1' }] };
    expect(run(vercel, tracking).calls[0].status).toBe('updated');
    expect(run(proxy, tracking, config).calls[0].status).toBe('updated');
    for (const [text, tracker, declared] of [
      [vercel, noNull, 'declares `gateway_generation_id: string`'],
      [proxy, union, "declares `llm_gateway: 'vercel' | 'openrouter' | null`"],
    ] as const) {
      const file = run(text, tracker, config);
      expect(file.calls[0]).toMatchObject({ status: 'manual', reasonCode: 'not-openai' });
      expect(file.calls[0].reason).toContain(declared);
      expect(file.output ?? text).toBe(text);
    }
    // The literal type that names this very gateway takes it.
    expect(
      run(proxy, tracking.replace('llm_gateway?: string | null;', "llm_gateway?: 'litellm' | null;"), config).calls[0]
        .status,
    ).toBe('updated');
  });

  it('an OpenRouter id already in openai_request_id is reported with the edit that moves it, never one that drops it', () => {
    const text = route('https://openrouter.ai/api/v1').replace(
      "await trackTokenUsage({ action_type: 'ask', tokens_used: completion.usage?.total_tokens ?? 0 });",
      "await trackTokenUsage({ action_type: 'ask', tokens_used: completion.usage?.total_tokens ?? 0, openai_request_id: completion.id, openai_created: null, system_fingerprint: null });",
    );
    const run = (tracker: string, fixSuspect: boolean) => {
      const all = new Map([
        ['/app/route.ts', text],
        ['/app/tracking.ts', tracker],
      ]);
      return addReconciliationFields([{ path: '/app/route.ts', text }], { readFile: (p) => all.get(p), fixSuspect })
        .files[0];
    };
    const reported = run(tracking, false).calls[0];
    expect(reported).toMatchObject({ status: 'manual', reasonCode: 'suspect-value' });
    expect(reported.reason).toContain(
      "it belongs in `gateway_generation_id` (`llm_gateway: 'openrouter'`, `gateway_generation_id: completion.id`)",
    );
    expect(reported.suspectFix).toBeDefined();
    const fixed = run(tracking, true);
    expect(fixed.calls[0].status).toBe('updated');
    expect(fixed.output).toContain(
      "openai_request_id: null, openai_created: null, system_fingerprint: null, llm_gateway: 'openrouter', gateway_generation_id: completion.id });",
    );
    // No gateway columns in the tracker's type: the id has nowhere to go, so no fix is offered (it would drop the id).
    const noColumns = tracking.replace(
      '  llm_gateway?: string | null;\n  gateway_generation_id?: string | null;\n',
      '',
    );
    const kept = run(noColumns, true);
    expect(kept.calls[0]).toMatchObject({ status: 'manual', reasonCode: 'suspect-value' });
    expect(kept.output ?? text).toBe(text);
  });

  it("an OpenAI result's id in gateway_generation_id is a suspect value, not complete", () => {
    const text = route('https://api.openai.com/v1').replace(
      'tokens_used: completion.usage?.total_tokens ?? 0 });',
      "tokens_used: completion.usage?.total_tokens ?? 0, openai_request_id: null, openai_created: null, system_fingerprint: null, llm_gateway: 'openrouter', gateway_generation_id: completion.id });",
    );
    const all = new Map([
      ['/app/route.ts', text],
      ['/app/tracking.ts', tracking],
    ]);
    const [file] = addReconciliationFields([{ path: '/app/route.ts', text }], {
      readFile: (p) => all.get(p),
      fixSuspect: true,
    }).files;
    expect(file.calls[0]).toMatchObject({ status: 'manual', reasonCode: 'suspect-value' });
    expect(file.calls[0].reason).toContain(
      '`gateway_generation_id: completion.id` reads `completion`, an OpenAI result',
    );
    expect(file.output ?? text).toBe(text);
  });

  it('a gateway call that records null for OpenAI but no generation id is not complete: the lint rule reports it', () => {
    const text = route('https://openrouter.ai/api/v1').replace(
      'tokens_used: completion.usage?.total_tokens ?? 0 });',
      'tokens_used: completion.usage?.total_tokens ?? 0, openai_request_id: null, openai_created: null, system_fingerprint: null });',
    );
    const all = new Map([
      ['/app/route.ts', text],
      ['/app/tracking.ts', tracking],
    ]);
    const [file] = addReconciliationFields([{ path: '/app/route.ts', text }], { readFile: (p) => all.get(p) }).files;
    expect(file.calls[0]).toMatchObject({
      status: 'updated',
      added: { llm_gateway: "'openrouter'", gateway_generation_id: 'completion.id' },
    });
    const again = addReconciliationFields([{ path: '/app/route.ts', text: file.output! }], {
      readFile: (p) => (p === '/app/route.ts' ? file.output : all.get(p)),
    }).files[0];
    expect(again.calls[0].status).toBe('complete');
  });

  it('bad gateway config is refused, naming the key', () => {
    expect(() => resolveConfig({ gateways: [{ name: 'LiteLLM', baseURL: 'x' }] })).toThrow(
      /"gateways" must be an array of/,
    );
  });
});

describe('the lint rule follows', () => {
  const route = `import OpenAI from 'openai';
import { trackTokenUsage } from '@/lib/tokens/tracking';

const proxy = new OpenAI({ baseURL: 'http://litellm.internal:4000/v1' });

export async function POST() {
  const completion = await proxy.chat.completions.create({ model: 'gpt-4o', messages: [] });
  await trackTokenUsage({ user_id: 'u', action_type: 'a', model_used: 'gpt-4o', tokens_used: 1, input_tokens: 1, output_tokens: 0, success: true });
}
`;
  const lint = (options: object) =>
    new Linter({ configType: 'flat' }).verify(
      route,
      [
        {
          files: ['**/*.ts'],
          languageOptions: { parser: tsParser },
          plugins: { recon },
          rules: { 'recon/require-reconciliation-fields': ['error', options] },
        },
      ] as never,
      { filename: path.join(appRoot, 'src/app/api/lint-case/route.ts') },
    );

  it("a configured gateway's call is incomplete until it has the gateway fields, and the suggestion adds them", () => {
    const [message] = lint({ gateways: [{ name: 'litellm', baseURL: 'http://litellm.internal:4000/v1' }] });
    expect(message.messageId).toBe('missingFields');
    expect(message.suggestions?.[0].fix.text).toContain("llm_gateway: 'litellm'");
    expect(message.suggestions?.[0].fix.text).toContain('gateway_generation_id: completion.id');
    const [unknown] = lint({});
    expect(unknown.messageId).toBe('manual');
    expect(unknown.message).toContain('http://litellm.internal:4000/v1');
  });
});
