/** The callback pass (src/engine/sources/callbacks.ts): an AI SDK end event, read through the callback's parameter. */
import { describe, expect, it } from 'vitest';
import { RESULT_KINDS } from '../../src/engine/result-kinds.js';
import { aiCallbackOwner, classifyAiCallback } from '../../src/engine/sources/callbacks.js';
import { ts } from '../../src/engine/ts.js';
import { passProject } from './pass-project.js';

const p = passProject({
  '/app/route.ts': `import { streamText } from 'ai';
import { openai } from '@ai-sdk/openai';
import { anthropic } from '@ai-sdk/anthropic';
streamText({ model: openai('gpt-4o'), onFinish: (event) => save(event) });
streamText({ model: openai('gpt-4o'), onFinish: ({ text }) => save(text) });
streamText({ model: anthropic('claude'), onFinish: (other) => save(other) });
someOther({ onFinish: (notAi) => save(notAi) });
`,
});
const callback = (param: string) => p.decl('/app/route.ts', param).parent as ts.ArrowFunction;
const ctx = () => p.ctx('/app/route.ts');

describe('classifyAiCallback', () => {
  it("reads the event's response through a named parameter", () => {
    expect(classifyAiCallback(callback('event'), ctx())).toMatchObject({
      type: 'source',
      base: 'event.response',
      kind: RESULT_KINDS.aiResponse,
      name: 'streamText onFinish event',
    });
  });

  it('adds `response` to a destructured parameter (one edit)', () => {
    const destructured = p.node('/app/route.ts', '({ text }) => save(text)', (n): n is ts.ArrowFunction =>
      ts.isArrowFunction(n),
    );
    const source = classifyAiCallback(destructured, ctx());
    expect(source).toMatchObject({ type: 'source', base: 'response' });
    expect(source?.type === 'source' && source.edits.map((e) => e.text)).toEqual([expect.stringContaining('response')]);
  });

  it("another provider's model is refused; a callback of something else is not an AI SDK end event", () => {
    expect(classifyAiCallback(callback('other'), ctx())).toMatchObject({ type: 'rejected', code: 'not-openai' });
    expect(aiCallbackOwner(callback('notAi'))).toBeUndefined();
    expect(classifyAiCallback(callback('notAi'), ctx())).toBeUndefined();
  });
});
