/**
 * The `let` pass (src/engine/sources/assigned.ts): what a `let` holds, from every value it is given. A name it is
 * assigned is classified by the declaration pass, reached through `ctx.resolve` (the real one here).
 */
import { describe, expect, it } from 'vitest';
import { RESULT_KINDS } from '../../src/engine/result-kinds.js';
import { classifyAssigned } from '../../src/engine/sources/assigned.js';
import { ts } from '../../src/engine/ts.js';
import { passProject } from './pass-project.js';

const p = passProject({
  '/app/route.ts': `import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
const openai = new OpenAI();
const anthropic = new Anthropic();
async function run(items: string[]) {
  let once;
  try { once = await openai.chat.completions.create({ model: 'm', messages: [] }); } catch {}
  let mixed = await openai.chat.completions.create({ model: 'm', messages: [] });
  if (items.length) mixed = await anthropic.messages.create({ model: 'c', messages: [] });
  let looped;
  for (const item of items) looped = await openai.chat.completions.create({ model: item, messages: [] });
  let a: any = b;
  let b: any = a;
  track();
}
`,
});
const track = p.node('/app/route.ts', 'track()', (n): n is ts.CallExpression => ts.isCallExpression(n));
const assigned = (name: string) =>
  classifyAssigned(p.decl('/app/route.ts', name) as ts.VariableDeclaration, p.ctx('/app/route.ts', track));

describe('classifyAssigned', () => {
  it('one result, assigned in a try: a source read with optional chaining', () => {
    expect(assigned('once')).toMatchObject({
      type: 'source',
      base: 'once',
      kind: RESULT_KINDS.chatCompletion,
      optional: true,
    });
  });

  it('OpenAI on one path and another provider on the other, or assigned on every pass of a loop before the call: ambiguous', () => {
    expect(assigned('mixed')).toMatchObject({ type: 'rejected', code: 'ambiguous-source' });
    expect(assigned('looped')).toMatchObject({
      type: 'rejected',
      code: 'ambiguous-source',
      reason: expect.stringContaining('loop'),
    });
  });

  it('two lets assigned from each other: the cycle is cut, nothing known', () => {
    expect(assigned('a')).toBeUndefined();
  });
});
