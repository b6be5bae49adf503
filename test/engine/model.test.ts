/** The model pass (src/engine/sources/model.ts): which provider serves an AI SDK call, from its `model` option. */
import { describe, expect, it } from 'vitest';
import { classifyAiModel } from '../../src/engine/sources/model.js';
import { isCall, passProject } from './pass-project.js';

const p = passProject({
  '/app/route.ts': `import { generateText } from 'ai';
import { openai, createOpenAI } from '@ai-sdk/openai';
import { anthropic } from '@ai-sdk/anthropic';
import { shared } from './models';
const routed = createOpenAI({ baseURL: 'https://openrouter.ai/api/v1' });
const m = n;
const n = m;
function pick(p: string): any { return p === 'a' ? pick('b') : openai('gpt-4o'); }
generateText({ model: openai('gpt-4o') });
generateText({ model: openai.chat('gpt-4o') });
generateText({ model: anthropic('claude-3-5-sonnet') });
generateText({ model: 'openai/gpt-4o' });
generateText({ model: process.env.X ? openai('gpt-4o') : anthropic('claude') });
generateText({ model: routed('gpt-4o') });
generateText({ model: shared });
generateText({ model: m });
generateText({ model: pick('a') });
generateText({ prompt: 'no model' });
`,
  '/app/models.ts': `import { openai } from '@ai-sdk/openai';\nexport const shared = openai.chat('gpt-4o-mini');\n`,
});
const verdict = (call: string) =>
  classifyAiModel(p.node('/app/route.ts', call, isCall).arguments[0], p.ctx('/app/route.ts'));

describe('classifyAiModel', () => {
  it('an @ai-sdk/openai model is known (Responses API noted unless `.chat`), also through an imported const', () => {
    expect(verdict("generateText({ model: openai('gpt-4o') })")).toEqual({
      notes: [expect.stringMatching(/Responses API/)],
      known: true,
    });
    expect(verdict("generateText({ model: openai.chat('gpt-4o') })")).toEqual({ notes: [], known: true });
    expect(verdict('generateText({ model: shared })')).toEqual({ notes: [], known: true });
  });

  it("another provider, the AI Gateway's string ids, a gateway baseURL: not OpenAI", () => {
    expect(verdict("generateText({ model: anthropic('claude-3-5-sonnet') })").rejection).toMatchObject({
      code: 'not-openai',
    });
    expect(verdict("generateText({ model: 'openai/gpt-4o' })").rejection).toMatchObject({
      code: 'not-openai',
      gateway: true,
      gatewayRead: { gateway: 'vercel' },
    });
    expect(verdict("generateText({ model: routed('gpt-4o') })").rejection).toMatchObject({
      code: 'not-openai',
      gateway: true,
    });
  });

  it('a ternary with one branch not OpenAI, no model, a const cycle, a picker calling itself: provider-unknown', () => {
    expect(
      verdict("generateText({ model: process.env.X ? openai('gpt-4o') : anthropic('claude') })").rejection?.reason,
    ).toMatch(/^one branch of/);
    expect(verdict("generateText({ prompt: 'no model' })").rejection).toMatchObject({ code: 'provider-unknown' });
    expect(verdict('generateText({ model: m })').rejection?.reason).toMatch(
      /^could not tell which provider serves `m`/,
    );
    // The picker's call of itself is not followed round: that branch is unknown, so the whole is not certain.
    const picked = verdict("generateText({ model: pick('a') })").rejection;
    expect(picked?.code).toBe('provider-unknown');
    expect(picked?.reason).toMatch(/could not tell which provider every model `pick\('b'\)` returns is/);
  });
});
