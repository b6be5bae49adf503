/**
 * The declaration pass (src/engine/sources/declarations.ts), the entry of source resolution: it routes each kind of
 * declaration to its pass and hands the passes below the resolvers they call back.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../src/config.js';
import { createMemoryHost, readSourceFile } from '../../src/engine/host.js';
import { RESULT_KINDS } from '../../src/engine/result-kinds.js';
import { sdkMapping, type AnalysisContext } from '../../src/engine/sources/context.js';
import { classifyDeclaration } from '../../src/engine/sources/declarations.js';
import { ts } from '../../src/engine/ts.js';

const path = '/app/route.ts';
const text = `import OpenAI from 'openai';
import { generateText } from 'ai';
import { openai as provider } from '@ai-sdk/openai';
const openai = new OpenAI();
async function run() {
  const completion = await openai.chat.completions.create({ model: 'm', messages: [] });
  let held;
  held = completion;
  const { text } = await generateText({ model: provider('gpt-4o'), maxSteps: 2 });
  openai.chat.completions.create({ model: 'm', messages: [] }).then((viaThen) => save(viaThen));
  const self: any = self.steps[0];
}
`;
const host = createMemoryHost({ [path]: text });
const sourceFile = readSourceFile(host, path)!;
/** A plain context, as analyze.ts makes it: no resolvers, no visits. */
const ctx: AnalysisContext = { host, sourceFile, config: DEFAULT_CONFIG, sdk: sdkMapping(host, path) };
function decl(name: string): ts.VariableDeclaration | ts.ParameterDeclaration | ts.BindingElement {
  let found: ts.VariableDeclaration | ts.ParameterDeclaration | ts.BindingElement | undefined;
  const visit = (n: ts.Node): void => {
    if (
      !found &&
      (ts.isVariableDeclaration(n) || ts.isParameter(n) || ts.isBindingElement(n)) &&
      ts.isIdentifier(n.name) &&
      n.name.text === name
    )
      found = n;
    else ts.forEachChild(n, visit);
  };
  visit(sourceFile);
  return found!;
}

describe('classifyDeclaration', () => {
  it('routes a const, a let (through the name it is assigned), a destructured AI SDK result and a `.then` parameter', () => {
    expect(classifyDeclaration(decl('completion'), ctx)).toMatchObject({
      type: 'source',
      base: 'completion',
      kind: RESULT_KINDS.chatCompletion,
    });
    expect(classifyDeclaration(decl('held'), ctx)).toMatchObject({
      type: 'source',
      base: 'held',
      kind: RESULT_KINDS.chatCompletion,
      optional: true,
    });
    expect(classifyDeclaration(decl('text'), ctx)).toMatchObject({
      type: 'source',
      base: 'response',
      kind: RESULT_KINDS.aiResponse,
      notes: [expect.stringContaining('Responses API'), expect.stringContaining('multi-step')],
    });
    expect(classifyDeclaration(decl('viaThen'), ctx)).toMatchObject({
      type: 'source',
      base: 'viaThen',
      kind: RESULT_KINDS.chatCompletion,
    });
  });

  it("a declaration that refers to itself is cut where it comes round; the caller's context keeps the visits it made", () => {
    expect(classifyDeclaration(decl('self'), ctx)).toBeUndefined();
    expect(ctx.visits?.declarations.size).toBe(0);
    expect(ctx.visits?.clients.size).toBe(0);
  });
});
