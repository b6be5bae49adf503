/**
 * The pass modules of source resolution (src/engine/sources/*.ts) import each other one way only: a lower pass that
 * needs a higher one calls it through `ctx.resolve`. Read from the source text (no compiler run).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from '../helpers.js';

const DIR = join(REPO, 'src', 'engine', 'sources');

function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of readdirSync(DIR).filter((f) => f.endsWith('.ts'))) {
    const text = readFileSync(join(DIR, file), 'utf8');
    const local = [...text.matchAll(/^import [^;]*? from '\.\/([\w-]+)\.js';$/gms)].map((m) => `${m[1]}.ts`);
    graph.set(file, local);
  }
  return graph;
}

/** One cycle, as a path of modules, or undefined. */
function findCycle(graph: Map<string, string[]>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): string[] | undefined => {
    if (state.get(node) === 'done') return undefined;
    if (state.get(node) === 'open') return [...stack.slice(stack.indexOf(node)), node];
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(node, 'done');
    return undefined;
  };
  for (const node of graph.keys()) {
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return undefined;
}

describe('pass modules', () => {
  it('import each other without a cycle, every import naming a module that exists', () => {
    const graph = importGraph();
    expect(graph.size).toBeGreaterThan(10);
    for (const [file, imports] of graph)
      for (const target of imports) expect(graph.has(target), `${file} → ${target}`).toBe(true);
    expect(findCycle(graph)).toBeUndefined();
  });

  it('the cycle finder finds one (so the check above can fail)', () => {
    expect(
      findCycle(
        new Map([
          ['a.ts', ['b.ts']],
          ['b.ts', ['c.ts']],
          ['c.ts', ['a.ts']],
        ]),
      ),
    ).toEqual(['a.ts', 'b.ts', 'c.ts', 'a.ts']);
  });

  it('only declarations.ts (the entry) imports the passes that call back through ctx.resolve', () => {
    const graph = importGraph();
    const importers = (target: string) =>
      [...graph].filter(([, imports]) => imports.includes(target)).map(([file]) => file);
    expect(importers('declarations.ts')).toEqual([]);
    expect(importers('assigned.ts')).toEqual(['declarations.ts']);
  });
});
