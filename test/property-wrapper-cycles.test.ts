/**
 * Property test (fast-check, 300 cases a run; the seed and the shrunk counterexample are printed on failure; set
 * FC_SEED to replay) over generated graphs of in-house wrappers: N functions (1-6) spread over 1-3 modules, each
 * declared `Promise<ChatCompletion>` (a function declaration or a const arrow), each returning, on one branch or
 * another, calls of the others or of itself (also across modules, so imports are cyclic too), a real
 * `openai.chat.completions.create(…)`, or the same call on a client whose baseURL is a gateway's. The tracking call
 * records the result of one of them. For every graph:
 *  - the engine never throws, and no file is an `error` (no exception was caught on the way);
 *  - the call is updated exactly when the wrappers reachable from the tracked one form no cycle and reach no gateway:
 *    an acyclic, certain path to OpenAI completions. Then it reads the completion (`completion.id`). Otherwise it is
 *    manual with no edit, and the file is left unchanged; a cycle without a gateway is `no-source` naming the cycle.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addReconciliationFields } from '../codemods/add-reconciliation-fields.js';

const NUM_RUNS = 300;
const DIR = '/prop-cycles';
const MODULES = ['input', 'm1', 'm2'];

type Returned = { kind: 'call'; to: number; awaited: boolean } | { kind: 'openai' } | { kind: 'gateway' };
interface Wrapper {
  module: number;
  arrow: boolean;
  returns: Returned[];
}
interface Graph {
  wrappers: Wrapper[];
  tracked: number;
}

const graph: fc.Arbitrary<Graph> = fc
  .record({ n: fc.integer({ min: 1, max: 6 }), modules: fc.integer({ min: 1, max: 3 }) })
  .chain(({ n, modules }) => {
    const returned: fc.Arbitrary<Returned> = fc.oneof(
      {
        weight: 5,
        arbitrary: fc.record({ kind: fc.constant('call' as const), to: fc.nat(n - 1), awaited: fc.boolean() }),
      },
      { weight: 3, arbitrary: fc.constant({ kind: 'openai' as const }) },
      { weight: 1, arbitrary: fc.constant({ kind: 'gateway' as const }) },
    );
    const wrapper = fc.record({
      module: fc.nat(modules - 1),
      arrow: fc.boolean(),
      returns: fc.array(returned, { minLength: 1, maxLength: 3 }),
    });
    return fc.record({ wrappers: fc.array(wrapper, { minLength: n, maxLength: n }), tracked: fc.nat(n - 1) });
  });

const name = (i: number) => `f${i}`;
const path = (module: number) => `${DIR}/${MODULES[module]}.ts`;

function renderReturn(r: Returned): string {
  if (r.kind === 'call') return `${r.awaited ? 'await ' : ''}${name(r.to)}(attempt + 1)`;
  const client = r.kind === 'openai' ? 'openai' : 'gateway';
  return `${client}.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })`;
}

function renderWrapper(w: Wrapper, i: number): string {
  const body = w.returns
    .map((r, k) =>
      k < w.returns.length - 1 ? `  if (attempt === ${k}) return ${renderReturn(r)};` : `  return ${renderReturn(r)};`,
    )
    .join('\n');
  return w.arrow
    ? `export const ${name(i)} = async (attempt: number): Promise<ChatCompletion> => {\n${body}\n};\n`
    : `export async function ${name(i)}(attempt: number): Promise<ChatCompletion> {\n${body}\n}\n`;
}

/** Every module of the graph: its wrappers, imports of the wrappers they call from other modules, and in `input` the call. */
function render(g: Graph): Map<string, string> {
  const files = new Map<string, string>();
  for (let m = 0; m < MODULES.length; m++) {
    const own = g.wrappers.map((w, i) => ({ w, i })).filter(({ w }) => w.module === m);
    const needed = new Set<number>();
    for (const { w } of own) for (const r of w.returns) if (r.kind === 'call') needed.add(r.to);
    if (m === 0) needed.add(g.tracked);
    if (own.length === 0 && m !== 0) continue;
    const imports = new Map<number, number[]>();
    for (const i of [...needed].sort((a, b) => a - b)) {
      const from = g.wrappers[i].module;
      if (from !== m) imports.set(from, [...(imports.get(from) ?? []), i]);
    }
    const lines = [
      `import OpenAI from 'openai';`,
      `import type { ChatCompletion } from 'openai/resources/chat/completions';`,
    ];
    for (const [from, names] of imports)
      lines.push(`import { ${names.map(name).join(', ')} } from './${MODULES[from]}';`);
    if (m === 0) lines.push(`import { trackTokenUsage } from './tracking';`);
    lines.push(
      '',
      'const openai = new OpenAI();',
      "const gateway = new OpenAI({ baseURL: 'https://openrouter.ai/api/v1' });",
      '',
    );
    for (const { w, i } of own) lines.push(renderWrapper(w, i));
    if (m === 0) {
      lines.push(
        'export async function run(userId: string): Promise<void> {',
        `  const completion = await ${name(g.tracked)}(0);`,
        '  await trackTokenUsage({',
        '    user_id: userId,',
        "    action_type: 'prop',",
        '    model_used: completion.model,',
        '    tokens_used: completion.usage?.total_tokens ?? 0,',
        '    success: true,',
        '  });',
        '}',
        '',
      );
    }
    files.set(path(m), lines.join('\n'));
  }
  return files;
}

/** What the wrappers reachable from the tracked one hold: a cycle, a gateway's request. */
function reachable(g: Graph): { cycle: boolean; gateway: boolean } {
  const state = new Map<number, 'open' | 'done'>();
  let cycle = false;
  let gateway = false;
  const visit = (i: number) => {
    state.set(i, 'open');
    for (const r of g.wrappers[i].returns) {
      if (r.kind === 'gateway') gateway = true;
      if (r.kind !== 'call') continue;
      if (state.get(r.to) === 'open') cycle = true;
      else if (!state.has(r.to)) visit(r.to);
    }
    state.set(i, 'done');
  };
  visit(g.tracked);
  return { cycle, gateway };
}

const TRACKING = `export interface TokenUsage {
  user_id: string;
  action_type: string;
  model_used: string;
  tokens_used: number;
  success: boolean;
  openai_request_id?: string | null;
  openai_created?: number | null;
  system_fingerprint?: string | null;
}

export async function trackTokenUsage(usage: TokenUsage): Promise<void> {
  void usage;
}
`;

describe('property: generated graphs of wrappers, with cycles', () => {
  it(`never throws, and edits only when the path to the completion is acyclic and certain (${NUM_RUNS} graphs)`, () => {
    fc.assert(
      fc.property(graph, (g) => {
        const files = render(g);
        files.set(`${DIR}/tracking.ts`, TRACKING);
        const input = path(0);
        const { files: plans } = addReconciliationFields([{ path: input, text: files.get(input)! }], {
          readFile: (p) => files.get(p),
        });
        const plan = plans.find((p) => p.path === input)!;
        const where = `${[...files].map(([p, t]) => `// ${p}\n${t}`).join('\n')}\n=> ${JSON.stringify(plan.calls.map((c) => [c.status, c.reasonCode, c.reason]))}`;
        expect(
          plans.every((p) => p.status !== 'error'),
          where,
        ).toBe(true);
        expect(plan.calls, where).toHaveLength(1);
        const [call] = plan.calls;
        const { cycle, gateway } = reachable(g);
        if (!cycle && !gateway) {
          expect(call.status, where).toBe('updated');
          expect(call.added?.openai_request_id, where).toBe('completion.id');
          expect(plan.status, where).toBe('changed');
          return;
        }
        expect(call.status, where).toBe('manual');
        expect(call.edits, where).toEqual([]);
        expect(plan.status, where).toBe('unchanged');
        expect(plan.output, where).toBeUndefined();
        if (!gateway) {
          expect(call.reasonCode, where).toBe('no-source');
          expect(call.reason, where).toMatch(/calls itself \(`f\d` → (`f\d` → )*`f\d`\)/);
        }
      }),
      { numRuns: NUM_RUNS, seed: process.env.FC_SEED ? Number(process.env.FC_SEED) : undefined },
    );
  });
});
