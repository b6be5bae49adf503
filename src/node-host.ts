/**
 * The engine's view of the disk, for the CLI and the lint rule: cached reads, and tsconfig `paths` aliases from the
 * nearest tsconfig.json (following `extends` to local files). The engine itself never reads files.
 */
import { readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ts, type PathAliases, type ProjectHost } from './engine/index.js';
import { nearestTsconfig, toPosix } from './paths.js';

/** Files larger than this are not read for cross-file lookups (a generated bundle is never a tracker). */
const MAX_READ_BYTES = 2 * 1024 * 1024;

export { toPosix } from './paths.js';

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
  // The aliases of the tsconfig nearest to each importing file, found once per directory.
  const byDir = new Map<string, PathAliases>();
  const pathAliases = (fromFile: string): PathAliases => {
    const dir = dirname(fromFile);
    let aliases = byDir.get(dir);
    if (!aliases) byDir.set(dir, (aliases = readPathAliases(dir, root)));
    return aliases;
  };
  const exactByDir = new Map<string, boolean>();
  const exactOptionalPropertyTypes = (fromFile: string): boolean => {
    const dir = dirname(fromFile);
    let exact = exactByDir.get(dir);
    if (exact === undefined) exactByDir.set(dir, (exact = readExactOptionalPropertyTypes(dir)));
    return exact;
  };
  return { readFile, pathAliases, exactOptionalPropertyTypes };
}

/**
 * Whether the tsconfig that checks the files of `start` (the one `--write`'s type check uses: nearestTsconfig) sets
 * `exactOptionalPropertyTypes`, through `extends` (local or a package such as `@tsconfig/strictest`) as TypeScript
 * reads it; a solution-style tsconfig (`references`) counts when one of the projects it references sets it. Unreadable
 * or none: false.
 */
export function readExactOptionalPropertyTypes(start: string): boolean {
  const file = nearestTsconfig(resolve(start));
  return file ? exactOptionalIn(file, 0) : false;
}

function exactOptionalIn(file: string, depth: number): boolean {
  const read = ts.readConfigFile(file, ts.sys.readFile);
  if (read.error || !read.config) return false;
  // No file listing: only the options are wanted (walking `include` of a large app costs seconds).
  const parsed = ts.parseJsonConfigFileContent(
    read.config,
    { ...ts.sys, readDirectory: () => [] },
    dirname(file),
    undefined,
    file,
  );
  if (parsed.options.exactOptionalPropertyTypes) return true;
  if (depth > 2) return false;
  return (parsed.projectReferences ?? []).some((reference) => {
    const target = reference.path.endsWith('.json') ? reference.path : join(reference.path, 'tsconfig.json');
    return exactOptionalIn(target, depth + 1);
  });
}

/**
 * `compilerOptions.paths` of the nearest tsconfig.json at or above `start`, as absolute targets. Below `root` the
 * nearest one wins even without `paths` (a package's tsconfig that declares none has none); above it, only one that
 * declares `paths` counts.
 */
export function readPathAliases(start: string, root = start): PathAliases {
  const top = resolve(root);
  for (let dir = resolve(start); ; dir = dirname(dir)) {
    const aliases = aliasesOf(join(dir, 'tsconfig.json'), 0);
    if (aliases && (aliases.length || dir.length > top.length)) return aliases;
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
    | {
        extends?: string | string[];
        references?: Array<{ path?: string }>;
        compilerOptions?: { baseUrl?: string; paths?: Record<string, string[]> };
      }
    | undefined;
  if (!parsed) return [];
  const options = parsed.compilerOptions ?? {};
  if (options.paths) {
    const base = resolve(dirname(file), options.baseUrl ?? '.');
    return Object.entries(options.paths).map(([pattern, targets]) => ({
      pattern,
      // tsc wants an array; a lone string (a common slip) is read as one target rather than failing every file.
      targets: (Array.isArray(targets) ? targets : typeof targets === 'string' ? [targets] : [])
        .filter((t): t is string => typeof t === 'string')
        .map((t) => toPosix(resolve(base, t))),
    }));
  }
  const parents = typeof parsed.extends === 'string' ? [parsed.extends] : (parsed.extends ?? []);
  for (const parent of parents) {
    if (depth > 4 || !parent.startsWith('.')) continue;
    const target = resolve(dirname(file), parent.endsWith('.json') ? parent : `${parent}.json`);
    const inherited = aliasesOf(target, depth + 1);
    if (inherited?.length) return inherited;
  }
  // A solution-style tsconfig (`files: []` and `references`, as Vite and Next templates write) keeps `paths` in the
  // referenced projects (`tsconfig.app.json`): take the first that declares some.
  for (const reference of parsed.references ?? []) {
    if (depth > 4 || !reference.path) continue;
    const target = resolve(dirname(file), reference.path);
    const referenced = aliasesOf(target.endsWith('.json') ? target : join(target, 'tsconfig.json'), depth + 1);
    if (referenced?.length) return referenced;
  }
  return [];
}
