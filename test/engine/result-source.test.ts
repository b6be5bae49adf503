/** The result-source pass (src/engine/sources/result-source.ts): a classified value as the source of a named value. */
import { describe, expect, it } from 'vitest';
import { RESULT_KINDS } from '../../src/engine/result-kinds.js';
import { classifyByType, toClassified } from '../../src/engine/sources/result-source.js';
import { classifyInitializer } from '../../src/engine/sources/values.js';
import { ts } from '../../src/engine/ts.js';
import { passProject } from './pass-project.js';

const p = passProject({
  '/app/route.ts': `import OpenAI from 'openai';
import type { ChatCompletion } from 'openai/resources/chat/completions';
const openai = new OpenAI();
async function run(given: ChatCompletion | undefined) {
  const completion = await openai.chat.completions.create({ model: 'm', messages: [] });
  const res = await fetch('https://api.openai.com/v1/chat/completions', {});
  const body = (await res.json()) as { choices: unknown[]; usage: unknown };
  const unknownBody: unknown = await res.json();
}
`,
});
const ctx = () => p.ctx('/app/route.ts');
const classified = (name: string) => {
  const decl = p.decl('/app/route.ts', name) as ts.VariableDeclaration;
  return toClassified(decl, name, classifyInitializer(decl.initializer!, ctx()), name, ctx());
};

describe('toClassified', () => {
  it('an SDK result is read from its name, no edit', () => {
    expect(classified('completion')).toMatchObject({
      type: 'source',
      base: 'completion',
      kind: RESULT_KINDS.chatCompletion,
      edits: [],
    });
  });

  it('a fetch body cast to an inline type gets the members it lacks (one edit); typed `unknown`, it is refused', () => {
    const body = classified('body');
    expect(body?.type).toBe('source');
    expect(body?.type === 'source' && body.edits.map((e) => e.text)).toEqual([
      expect.stringContaining('id: string; created: number; system_fingerprint?: string'),
    ]);
    expect(classified('unknownBody')).toMatchObject({
      type: 'rejected',
      code: 'no-field-value',
      reason: expect.stringContaining('typed `unknown`'),
    });
  });
});

describe('classifyByType', () => {
  it('a name declared with an SDK result type (or it and undefined) is a source, optional when it may be undefined', () => {
    const given = p.decl('/app/route.ts', 'given') as ts.ParameterDeclaration;
    expect(classifyByType(given, given.type!, 'given')).toMatchObject({
      type: 'source',
      base: 'given',
      kind: RESULT_KINDS.chatCompletion,
      optional: true,
    });
  });
});
