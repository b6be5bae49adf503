/**
 * How the engine decides that a client is OpenAI's when it is not simply `const openai = new OpenAI()`: nullable
 * values, lazy singletons, caches, untyped factories (issue 11, item 4). The fixtures client-nullable-ternary,
 * client-lazy-singleton, client-record-cache-factory-untyped and client-factory-plain-js hold the main shapes; these
 * are the edges where an edit would be wrong.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../src/config.js';
import { analyzeFile } from '../src/engine/analyze.js';
import { createMemoryHost } from '../src/engine/host.js';

const tracking = `export interface TokenUsage { user_id: string; tokens_used: number;
  openai_request_id?: string | null; openai_created?: number | null; system_fingerprint?: string | null }
export async function trackTokenUsage(usage: TokenUsage): Promise<void> { void usage; }
`;

/** One call, made with the client expression `client` after the declarations `setup`. */
function plan(setup: string, client = 'client') {
  const text = `import OpenAI from 'openai';
import Groq from 'groq-sdk';
import { trackTokenUsage } from './tracking';
${setup}
export async function run(userId: string, prompt: string) {
  const completion = await ${client}.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: prompt }] });
  await trackTokenUsage({ user_id: userId, tokens_used: completion.usage?.total_tokens ?? 0 });
}
`;
  const files = { '/app/route.ts': text, '/app/tracking.ts': tracking };
  return analyzeFile({ path: '/app/route.ts', text }, DEFAULT_CONFIG, createMemoryHost(files)).calls[0];
}

describe('clients that are OpenAI on every path', () => {
  it('a ternary or `||` with null, a lazy `??=`, an `if (!c) c = …` singleton, a self-referring `c = c ?? …`', () => {
    for (const [setup, client] of [
      ['const client = process.env.KEY ? new OpenAI() : null;', 'client!'],
      ['const client = process.env.KEY ? null : new OpenAI();', 'client!'],
      ['const client = (process.env.KEY && new OpenAI({ apiKey: process.env.KEY })) || null;', 'client!'],
      ['let c: OpenAI | undefined;\nfunction getClient() { return (c ??= new OpenAI()); }', 'getClient()'],
      ['let c: OpenAI | null = null;\nconst getClient = () => { if (!c) c = new OpenAI(); return c; };', 'getClient()'],
      ['let c: OpenAI | null = null;\nfunction getClient() { c = c ?? new OpenAI(); return c; }', 'getClient()'],
      ['function getClient() { if (!process.env.KEY) return null; return new OpenAI(); }', 'getClient()!'],
      [
        'const g = globalThis as unknown as { client?: OpenAI };\nconst client = g.client ?? new OpenAI();\nif (process.env.DEV) g.client = client;',
        'client',
      ],
      [
        'const cache: Record<string, OpenAI> = {};\nfunction get(k: string) { const hit = cache[k] ?? new OpenAI(); cache[k] = hit; return hit; }',
        "get('k')",
      ],
    ] as const) {
      const call = plan(setup, client);
      expect(call.status, `${setup}\n${call.reason}`).toBe('updated');
      expect(call.added?.openai_request_id).toBe('completion.id');
    }
  });
});

describe('clients that are not certainly OpenAI', () => {
  it('another provider on one path: ambiguous, never null (that would say there was no OpenAI request)', () => {
    for (const [setup, client] of [
      ['const client = process.env.USE_GROQ ? new Groq() : new OpenAI();', 'client'],
      ["function make(p: string) { if (p === 'groq') return new Groq(); return new OpenAI(); }", "make('x')"],
      [
        "const cache: Record<string, OpenAI | Groq> = {};\nfunction get(k: string) { cache[k] ??= k === 'g' ? new Groq() : new OpenAI(); return cache[k]; }",
        "(get('k') as OpenAI)",
      ],
    ] as const) {
      const call = plan(setup, client);
      expect(call.status, setup).toBe('manual');
      expect(call.reasonCode, `${setup}\n${call.reason}`).toBe('ambiguous-source');
    }
  });

  it('a gateway baseURL, or options it cannot read, anywhere in a factory or cache', () => {
    const gateway = plan(
      "let c: OpenAI | null = null;\nfunction getClient() { if (!c) c = new OpenAI({ baseURL: 'https://openrouter.ai/api/v1' }); return c; }",
      'getClient()',
    );
    expect([gateway.status, gateway.reasonCode]).toEqual(['manual', 'not-openai']);
    const unread = plan(
      'function getClient(baseURL: string): OpenAI { return new OpenAI({ baseURL }); }',
      'getClient(process.env.URL!)',
    );
    expect([unread.status, unread.reasonCode]).toEqual(['manual', 'provider-unknown']);
    expect(unread.reason).toContain('baseURL');
    const cached = plan(
      "const cache = new Map<string, OpenAI>();\ncache.set('a', new OpenAI());\ncache.set('b', new OpenAI({ baseURL: 'https://gateway.example.com/v1' }));",
      "cache.get('a')!",
    );
    expect([cached.status, cached.reasonCode]).toEqual(['manual', 'not-openai']);
  });

  it('a `let` given a gateway client after its initializer', () => {
    const call = plan(
      "let client = new OpenAI();\nif (process.env.ROUTER) client = new OpenAI({ baseURL: 'https://openrouter.ai/api/v1' });",
    );
    expect([call.status, call.reasonCode]).toEqual(['manual', 'not-openai']);
  });

  it('a cache whose writes cannot all be seen: exported, passed on, or written through a property name', () => {
    for (const setup of [
      'export const cache: Record<string, OpenAI> = {};\nfunction get(k: string) { cache[k] ??= new OpenAI(); return cache[k]; }',
      'const cache: Record<string, OpenAI> = {};\nregister(cache);\nfunction get(k: string) { cache[k] ??= new OpenAI(); return cache[k]; }\ndeclare function register(c: object): void;',
      'const cache: Record<string, OpenAI> = {};\nObject.assign(cache, { k: new OpenAI() });\nfunction get(k: string) { return cache[k]; }',
    ]) {
      const call = plan(setup, "get('k')");
      expect(call.status, `${setup}\n${call.reason}`).toBe('manual');
    }
  });

  it('a globalThis holder given a gateway client in this file', () => {
    const call = plan(
      "const g = globalThis as unknown as { client?: OpenAI };\nconst client = g.client ?? new OpenAI();\ng.client ??= new OpenAI({ baseURL: 'https://openrouter.ai/api/v1' });",
    );
    expect([call.status, call.reasonCode]).toEqual(['manual', 'not-openai']);
  });

  it('a getter that only ever returns null', () => {
    const call = plan('function getClient(): OpenAI | null { return null; }', 'getClient()!');
    expect(call.status).toBe('manual');
  });
});

describe('another provider behind a local module or a dynamic import', () => {
  const run = (files: Record<string, string>) =>
    analyzeFile(
      { path: '/app/route.ts', text: files['/app/route.ts'] },
      DEFAULT_CONFIG,
      createMemoryHost({ '/app/tracking.ts': tracking, ...files }),
    ).calls[0];

  it('`export const ai = new GoogleGenAI()` imported from a local module: its usage is not an OpenAI request (null)', () => {
    const call = run({
      '/app/lib/gemini.ts':
        "import { GoogleGenAI } from '@google/genai';\nexport const ai = new GoogleGenAI({ apiKey: process.env.KEY });\n",
      '/app/route.ts': `import { ai } from './lib/gemini';
import { trackTokenUsage } from './tracking';
export async function run(userId: string, prompt: string) {
  const result = await ai.models.generateContent({ model: 'gemini-2.5-flash', contents: prompt });
  await trackTokenUsage({ user_id: userId, tokens_used: result.usageMetadata?.totalTokenCount ?? 0 });
}
`,
    });
    expect(call.status, call.reason).toBe('updated');
    expect(call.added).toEqual({ openai_request_id: 'null', openai_created: 'null', system_fingerprint: 'null' });
  });

  it('a client built from `(await import("@anthropic-ai/sdk")).default`', () => {
    const call = run({
      '/app/route.ts': `import { trackTokenUsage } from './tracking';
export async function run(userId: string, prompt: string) {
  const Anthropic = (await import('@anthropic-ai/sdk')).default;
  const client = new Anthropic();
  const stream = client.messages.stream({ model: 'claude-sonnet-4-5', max_tokens: 1024, messages: [{ role: 'user', content: prompt }] });
  const message = await stream.finalMessage();
  await trackTokenUsage({ user_id: userId, tokens_used: message.usage.input_tokens + message.usage.output_tokens });
}
`,
    });
    expect(call.status, call.reason).toBe('updated');
    expect(call.added?.openai_request_id).toBe('null');
  });
});
