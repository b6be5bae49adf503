/** The other-provider pass (src/engine/sources/provider.ts): whether a callee comes from another provider's SDK. */
import { describe, expect, it } from 'vitest';
import { otherProviderOrigin } from '../../src/engine/sources/provider.js';
import { isCall, passProject } from './pass-project.js';

const p = passProject({
  '/app/route.ts': `import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { genai } from './clients';
const anthropic = new Anthropic();
const openai = new OpenAI();
let a: any = b;
let b: any = a;
let either = new Anthropic();
either = new OpenAI();
anthropic.messages.create({});
genai.models.generateContent({});
openai.chat.completions.create({});
a.messages.create({});
either.messages.create({});
`,
  '/app/clients.ts': `import { GoogleGenAI } from '@google/genai';\nexport const genai = new GoogleGenAI({});\n`,
});
const origin = (call: string) =>
  otherProviderOrigin(p.node('/app/route.ts', call, isCall).expression, '/app/route.ts', p.ctx('/app/route.ts'));

describe('otherProviderOrigin', () => {
  it('names the provider a client was built from, here or in a local module it is imported from', () => {
    expect(origin('anthropic.messages.create({})')).toBe('@anthropic-ai/sdk');
    expect(origin('genai.models.generateContent({})')).toBe('@google/genai');
  });

  it('OpenAI, a cycle of lets, a let given two providers: none (only one provider on every path is an answer)', () => {
    expect(origin('openai.chat.completions.create({})')).toBeUndefined();
    expect(origin('a.messages.create({})')).toBeUndefined();
    expect(origin('either.messages.create({})')).toBeUndefined();
  });
});
