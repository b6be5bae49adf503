/**
 * The engine's view of the disk, for the CLI and the lint rule: cached reads, and tsconfig `paths` aliases from the
 * nearest tsconfig.json (following `extends` to local files). The engine itself never reads files.
 */
import { readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { ProjectHost } from './engine/host.js';
import { ts } from './engine/ts.js';

/** Files larger than this are not read for cross-file lookups (a generated bundle is never a tracker). */
const MAX_READ_BYTES = 2 * 1024 * 1024;

export function toPosix(path: string): string {
  return path.replace(/\\/g, '/');
}

export function createNodeHost(root: string): ProjectHost {
  const cache = new Map<string, string | undefined>();
  const readFile = (path: string): string | undefined => {
    if (cache.has(path)) return cache.get(path);
    let text: string | undefined;
    try {
      const stat = statSync(path);
      if (stat.isFile() && stat.size <= MAX_READ_BYTES) text = readFileSync(path, 'utf8');
    } catch {
      text = undefined;
    }
    cache.set(path, text);
    return text;
  };
  return { readFile, pathAliases: readPathAliases(root) };
}

/** `compilerOptions.paths` of the tsconfig.json at or above `start`, as absolute targets. */
export function readPathAliases(start: string): ProjectHost['pathAliases'] {
  for (let dir = resolve(start); ; dir = dirname(dir)) {
    const file = join(dir, 'tsconfig.json');
    const aliases = aliasesOf(file, 0);
    if (aliases) return aliases;
    if (dirname(dir) === dir) return [];
  }
}

function aliasesOf(file: string, depth: number): Array<{ pattern: string; targets: string[] }> | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const parsed = ts.parseConfigFileTextToJson(file, text).config as
    | { extends?: string | string[]; compilerOptions?: { baseUrl?: string; paths?: Record<string, string[]> } }
    | undefined;
  if (!parsed) return [];
  const options = parsed.compilerOptions ?? {};
  if (options.paths) {
    const base = resolve(dirname(file), options.baseUrl ?? '.');
    return Object.entries(options.paths).map(([pattern, targets]) => ({
      pattern,
      targets: targets.map((t) => toPosix(resolve(base, t))),
    }));
  }
  const parents = typeof parsed.extends === 'string' ? [parsed.extends] : (parsed.extends ?? []);
  for (const parent of parents) {
    if (depth > 4 || !parent.startsWith('.')) continue;
    const target = resolve(dirname(file), parent.endsWith('.json') ? parent : `${parent}.json`);
    const inherited = aliasesOf(target, depth + 1);
    if (inherited) return inherited;
  }
  return [];
}
