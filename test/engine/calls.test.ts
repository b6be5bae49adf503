/** The call pass (src/engine/sources/calls.ts): what an LLM call returns once awaited. */
import { describe, expect, it } from 'vitest';
import { RESULT_KINDS } from '../../src/engine/result-kinds.js';
import { classifyCall } from '../../src/engine/sources/calls.js';
import { isCall, passProject } from './pass-project.js';

const p = passProject({
  '/app/route.ts': `import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { generateText, streamText, embed } from 'ai';
import { openai as provider } from '@ai-sdk/openai';
import type { ChatCompletion } from 'openai/resources/chat/completions';
const openai = new OpenAI();
const router = new OpenAI({ baseURL: 'https://openrouter.ai/api/v1' });
const anthropic = new Anthropic();
async function chat(prompt: string): Promise<ChatCompletion> { return openai.chat.completions.create({ model: 'm', messages: [] }); }
openai.chat.completions.create({ model: 'm', messages: [] });
openai.chat.completions.create({ model: 'm', messages: [], stream: true });
openai.chat.completions.create({ model: 'm', messages: [] }, { baseURL: 'https://proxy.example.com' });
router.chat.completions.create({ model: 'm', messages: [] });
anthropic.messages.create({ model: 'c', messages: [] });
generateText({ model: provider('gpt-4o') });
streamText({ model: provider('gpt-4o') });
embed({ model: provider.embedding('e'), value: 'x' });
chat('hi');
`,
});
const call = (text: string) => classifyCall(p.node('/app/route.ts', text, isCall), p.ctx('/app/route.ts'));

describe('classifyCall', () => {
  it('a client method of the openai package: its kind, awaited; a stream or a request baseURL is refused', () => {
    expect(call("openai.chat.completions.create({ model: 'm', messages: [] })")).toEqual({
      kind: RESULT_KINDS.chatCompletion,
      notes: [],
      needsAwait: true,
    });
    expect(call("openai.chat.completions.create({ model: 'm', messages: [], stream: true })")?.rejection?.code).toBe(
      'stream-not-captured',
    );
    expect(
      call("openai.chat.completions.create({ model: 'm', messages: [] }, { baseURL: 'https://proxy.example.com' })")
        ?.rejection,
    ).toMatchObject({ code: 'not-openai', gateway: true });
  });

  it("a known gateway's chat completion keeps where its id is read; another provider's call is not OpenAI", () => {
    expect(call("router.chat.completions.create({ model: 'm', messages: [] })")?.rejection).toMatchObject({
      code: 'not-openai',
      gatewayRead: { gateway: 'openrouter', idPath: 'id' },
    });
    expect(call("anthropic.messages.create({ model: 'c', messages: [] })")?.rejection).toMatchObject({
      code: 'not-openai',
    });
  });

  it('AI SDK functions: generateText reads `response` awaited, streamText is a stream result, embed has no id', () => {
    expect(call("generateText({ model: provider('gpt-4o') })")).toMatchObject({
      kind: RESULT_KINDS.aiResponse,
      path: 'response',
      needsAwait: true,
    });
    expect(call("streamText({ model: provider('gpt-4o') })")).toMatchObject({
      kind: RESULT_KINDS.aiResponse,
      streamResult: true,
      needsAwait: false,
    });
    expect(call("embed({ model: provider.embedding('e'), value: 'x' })")?.rejection?.code).toBe('no-field-value');
  });

  it('an in-house function is read through the wrapper pass (its returns, then its declared type)', () => {
    expect(call("chat('hi')")).toEqual({ kind: RESULT_KINDS.chatCompletion, notes: [], needsAwait: true });
  });
});
