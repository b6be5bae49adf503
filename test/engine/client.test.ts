/** The client pass (src/engine/sources/client.ts): which client an expression is, and what baseURL its options set. */
import { describe, expect, it } from 'vitest';
import { classifyClient, readBaseUrl } from '../../src/engine/sources/client.js';
import { isCall, isExpression, passProject } from './pass-project.js';

const consts = Array.from({ length: 12 }, (_, i) => `const c${i + 1} = c${i};`).join('\n');
const p = passProject({
  '/app/a.ts': `import OpenAI from 'openai';
import Groq from 'groq-sdk';
import { imported } from './b';
const plain = new OpenAI();
const routed = new OpenAI({ baseURL: 'https://openrouter.ai/api/v1' });
const other = new Groq();
const mixed = process.env.G ? new Groq() : new OpenAI();
const a = b;
const b = a;
const c0 = new OpenAI();
${consts}
const spreadA = { ...spreadB };
const spreadB = { ...spreadA };
const url = 'https://gateway.example.com/v1';
const viaConst = { baseURL: url };
use(plain, routed, other, mixed, a, c12, imported, spreadA, viaConst, options);
`,
  '/app/b.ts': `import { again } from './c';\nexport const imported = again;\n`,
  '/app/c.ts': `import { imported } from './b';\nexport const again = imported;\n`,
});
const use = p.node(
  '/app/a.ts',
  'use(plain, routed, other, mixed, a, c12, imported, spreadA, viaConst, options)',
  isCall,
);
const arg = (i: number) => use.arguments[i];
const client = (i: number) => classifyClient(arg(i), p.ctx('/app/a.ts'));

describe('classifyClient', () => {
  it('an OpenAI construction is a client; another provider, a gateway baseURL or a mix of both is not', () => {
    expect(client(0)).toEqual({ openai: true, notes: [] });
    expect(client(1)).toMatchObject({ openai: false, code: 'not-openai', gateway: true, gatewayName: 'openrouter' });
    expect(client(2)).toMatchObject({ openai: false, code: 'not-openai' });
    expect(client(3)).toMatchObject({ openai: false, code: 'ambiguous-source' });
  });

  it('a cycle of consts, in one file or across two modules, is cut where it comes round: no source, no overflow', () => {
    expect(client(4)).toEqual({
      openai: false,
      code: 'no-source',
      reason: expect.stringMatching(/^could not tell what client `[ab]` is$/),
    });
    expect(client(6)).toMatchObject({
      openai: false,
      code: 'no-source',
      reason: expect.stringMatching(/^could not tell what client/),
    });
  });

  it('a long acyclic chain of consts is followed to its end (no depth bound)', () => {
    expect(client(5)).toEqual({ openai: true, notes: [] });
  });
});

describe('classifyClient, a value stored back where it was read', () => {
  it('`g.client ?? new OpenAI()` stored back into `g.client` is read again under the names being read: an OpenAI client', () => {
    const q = passProject({
      '/app/a.ts': `import OpenAI from 'openai';
const g = globalThis as unknown as { client?: OpenAI };
export const held = g.client ?? new OpenAI();
if (process.env.DEV) g.client = held;
use(held);
`,
    });
    const held = q.node('/app/a.ts', 'use(held)', isCall).arguments[0];
    expect(classifyClient(held, q.ctx('/app/a.ts'))).toEqual({ openai: true, notes: [] });
  });
});

describe('readBaseUrl', () => {
  const ctx = () => p.ctx('/app/a.ts');
  it('reads a const options object and a const URL; a spread cycle sets nothing; a name it cannot read is unknown', () => {
    expect(readBaseUrl(arg(8), ctx())).toEqual({ kind: 'gateway', url: 'https://gateway.example.com/v1' });
    expect(readBaseUrl(arg(7), ctx())).toEqual({ kind: 'none' });
    expect(readBaseUrl(arg(9), ctx())).toEqual({ kind: 'unknown', text: 'options' });
    expect(readBaseUrl(undefined, ctx())).toEqual({ kind: 'none' });
  });

  it('reads another key when asked (openai v3 `basePath`, request options `defaultBaseURL`)', () => {
    const literal = p.node('/app/a.ts', '{ baseURL: url }', isExpression);
    expect(readBaseUrl(literal, ctx(), 'defaultBaseURL')).toEqual({ kind: 'none' });
  });
});
