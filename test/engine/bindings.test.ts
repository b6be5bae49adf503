/** The binding pass (src/engine/sources/bindings.ts): destructured results and `Promise.all` elements. */
import { describe, expect, it } from 'vitest';
import { RESULT_KINDS } from '../../src/engine/result-kinds.js';
import {
  classifyDestructuredAiResult,
  classifyDestructuredResult,
  promiseAllElement,
  promiseAllSettledElement,
} from '../../src/engine/sources/bindings.js';
import { classifyInitializer } from '../../src/engine/sources/values.js';
import { ts } from '../../src/engine/ts.js';
import { passProject } from './pass-project.js';

const p = passProject({
  '/app/route.ts': `import OpenAI from 'openai';
import { generateText } from 'ai';
import { openai as provider } from '@ai-sdk/openai';
const openai = new OpenAI();
async function run() {
  const { choices, usage } = await openai.chat.completions.create({ model: 'm', messages: [] });
  const { text } = await generateText({ model: provider('gpt-4o') });
  const [first, second] = await Promise.all([openai.chat.completions.create({ model: 'm', messages: [] }), other()]);
  const [settled] = await Promise.allSettled([openai.chat.completions.create({ model: 'm', messages: [] })]);
}
`,
});
const ctx = () => p.ctx('/app/route.ts');
const owner = (element: string) => p.decl('/app/route.ts', element).parent.parent as ts.VariableDeclaration;

describe('classifyDestructuredResult', () => {
  it('the fields join the destructuring: `id` and `created` are bound, `usage` is read on from its binding', () => {
    const decl = owner('choices');
    const source = classifyDestructuredResult(decl, classifyInitializer(decl.initializer!, ctx())!, ctx());
    expect(source?.type).toBe('source');
    if (source?.type !== 'source') return;
    expect(source.base).toBe('');
    expect(source.kind.fields.openai_request_id).toMatchObject({ path: 'id' });
    expect(source.edits.map((e) => e.text).join('|')).toMatch(/id/);
  });
});

describe('classifyDestructuredAiResult', () => {
  it("an AI SDK result's `response` is added to the pattern", () => {
    const decl = owner('text');
    const source = classifyDestructuredAiResult(decl, classifyInitializer(decl.initializer!, ctx())!, ctx());
    expect(source).toMatchObject({ type: 'source', base: 'response', kind: RESULT_KINDS.aiResponse });
  });
});

describe('Promise.all elements', () => {
  it('an element of `Promise.all` is its own call, awaited; `allSettled` needs the fulfilled narrowing at the call', () => {
    const element = promiseAllElement(p.decl('/app/route.ts', 'first') as ts.BindingElement);
    expect(element && ts.isAwaitExpression(element) && element.expression.getText()).toBe(
      "openai.chat.completions.create({ model: 'm', messages: [] })",
    );
    expect(promiseAllElement(p.decl('/app/route.ts', 'settled') as ts.BindingElement)).toBeUndefined();
    const call = p.node('/app/route.ts', 'other()', (n): n is ts.CallExpression => ts.isCallExpression(n));
    expect(
      promiseAllSettledElement(p.decl('/app/route.ts', 'settled') as ts.BindingElement, p.ctx('/app/route.ts', call)),
    ).toMatchObject({
      type: 'rejected',
      code: 'no-source',
      reason: expect.stringContaining("settled.status === 'fulfilled'"),
    });
  });
});
