/** The value pass (src/engine/sources/values.ts): what an initializer or returned expression is. */
import { describe, expect, it } from 'vitest';
import { RESULT_KINDS } from '../../src/engine/result-kinds.js';
import { classifyInitializer, classifyValue } from '../../src/engine/sources/values.js';
import { ts } from '../../src/engine/ts.js';
import { passProject } from './pass-project.js';

const p = passProject({
  '/app/route.ts': `import OpenAI from 'openai';
const openai = new OpenAI();
async function run() {
  const awaited = await openai.chat.completions.create({ model: 'm', messages: [] });
  const pending = openai.chat.completions.create({ model: 'm', messages: [] });
  const withResponse = await openai.chat.completions.create({ model: 'm', messages: [] }).withResponse();
  const cast = (await openai.chat.completions.create({ model: 'm', messages: [] })) as any;
  const plain = await somethingElse();
}
`,
});
const init = (name: string) => (p.decl('/app/route.ts', name) as ts.VariableDeclaration).initializer!;
const ctx = () => p.ctx('/app/route.ts');

describe('classifyValue', () => {
  it('an awaited call is its result; the Promise itself is refused (await it first)', () => {
    expect(classifyValue(init('awaited'), ctx())).toEqual({
      kind: RESULT_KINDS.chatCompletion,
      notes: [],
      needsAwait: true,
    });
    expect(classifyValue(init('pending'), ctx())?.rejection).toMatchObject({
      code: 'no-source',
      reason: expect.stringContaining('Promise'),
    });
  });

  it('`.withResponse()` puts the body under `data`; a call this tool does not know is no answer', () => {
    expect(classifyValue(init('withResponse'), ctx())).toMatchObject({
      kind: RESULT_KINDS.chatCompletion,
      path: 'data',
      needsAwait: false,
    });
    expect(classifyValue(init('plain'), ctx())).toBeUndefined();
  });
});

describe('classifyInitializer', () => {
  it('a value cast to `any` is read from the call, and says so', () => {
    const cast = classifyInitializer(init('cast'), ctx());
    expect(cast?.kind).toBe(RESULT_KINDS.chatCompletion);
    expect(cast?.notes).toEqual([expect.stringContaining('cast to `any`')]);
    expect(classifyInitializer(init('awaited'), ctx())?.notes).toEqual([]);
  });
});
