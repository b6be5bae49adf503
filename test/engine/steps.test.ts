/**
 * The step pass (src/engine/sources/steps.ts): one step of an AI SDK multi-step run. The run a `steps` comes from is
 * classified by the declaration pass, reached through `ctx.resolve` (the real one here).
 */
import { describe, expect, it } from 'vitest';
import { RESULT_KINDS } from '../../src/engine/result-kinds.js';
import { classifyFinishStepPart, classifyStep } from '../../src/engine/sources/steps.js';
import { ts } from '../../src/engine/ts.js';
import { passProject } from './pass-project.js';

const p = passProject({
  '/app/route.ts': `import { generateText, streamText } from 'ai';
import { openai } from '@ai-sdk/openai';
import { anthropic } from '@ai-sdk/anthropic';
async function run() {
  const result = await generateText({ model: openai('gpt-4o'), maxSteps: 3 });
  for (const step of result.steps) save(step);
  result.steps.forEach((each) => save(each));
  const last = result.steps[0];
  const other = await generateText({ model: anthropic('claude') });
  for (const otherStep of other.steps) save(otherStep);
  streamText({ model: openai('gpt-4o'), experimental_transform: () => new TransformStream({ transform(part, controller) { if (part.type === 'finish-step') { track(part); } controller.enqueue(part); } }) });
}
`,
});
const ctx = (call?: ts.CallExpression) => p.ctx('/app/route.ts', call);
const step = (name: string) =>
  classifyStep(p.decl('/app/route.ts', name) as ts.VariableDeclaration | ts.ParameterDeclaration, ctx());

describe('classifyStep', () => {
  it('a step of an OpenAI run, by for-of, forEach or index, is read from its own response', () => {
    for (const name of ['step', 'each', 'last']) {
      expect(step(name), name).toMatchObject({
        type: 'source',
        base: `${name}.response`,
        kind: RESULT_KINDS.aiResponse,
      });
    }
  });

  it("a step of another provider's run is refused as the run is", () => {
    expect(step('otherStep')).toMatchObject({ type: 'rejected', code: 'not-openai' });
  });
});

describe('classifyFinishStepPart', () => {
  it("the `part` of experimental_transform is a step's source only at a call under `part.type === 'finish-step'`", () => {
    const part = p.decl('/app/route.ts', 'part') as ts.ParameterDeclaration;
    const track = p.node('/app/route.ts', 'track(part)', (n): n is ts.CallExpression => ts.isCallExpression(n));
    const enqueue = p.node('/app/route.ts', 'controller.enqueue(part)', (n): n is ts.CallExpression =>
      ts.isCallExpression(n),
    );
    expect(classifyFinishStepPart(part, ctx(track))).toMatchObject({ type: 'source', base: 'part.response' });
    expect(classifyFinishStepPart(part, ctx(enqueue))).toBeUndefined();
  });
});
