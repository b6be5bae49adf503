import { parseSource, ts } from './ts.js';

/**
 * What the engine may know about files other than the one it analyses: their text, by absolute `/`-separated path.
 * The engine never touches the disk; the CLI and the lint rule pass a host that reads it, tests pass an in-memory one.
 */
export type PathAliases = ReadonlyArray<{ pattern: string; targets: string[] }>;

export interface ProjectHost {
  readFile(path: string): string | undefined;
  /**
   * tsconfig `paths`-style aliases: `@/*` → [`/abs/src/*`]. Either one list, or the list that applies to an importing
   * file (in a monorepo each package's tsconfig has its own `@/*`).
   */
  pathAliases?: PathAliases | ((fromFile: string) => PathAliases);
  /**
   * Whether the tsconfig that checks `fromFile` sets `exactOptionalPropertyTypes`: then `prop?: T` does not take an
   * explicit `undefined`, and a value that may be undefined is written `?? null`.
   */
  exactOptionalPropertyTypes?: (fromFile: string) => boolean;
  /**
   * Shares parsed sources among hosts that read the same files (the engine's per-run host over a longer-lived one, as
   * the lint rule's per-project host): a parse is reused only for the very same text. Default: the host itself.
   */
  parseCacheKey?: object;
}

const EXTENSIONS = ['.ts', '.tsx', '.mts', '.cts', '.d.ts', '.js', '.jsx', '.mjs', '.cjs'];

export function dirname(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

export function joinPath(base: string, relative: string): string {
  const parts = (relative.startsWith('/') ? relative : `${base}/${relative}`).split('/');
  const out: string[] = [];
  for (const part of parts) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return `/${out.join('/')}`;
}

/**
 * Sources parsed once per host and text: the engine follows imports to the same few files (tracker, client) many
 * times, and the codemod's schema step and call planning read the same candidates. A file whose text the host now
 * gives differently (the schema step edited it) is parsed again.
 */
type Parsed = { text: string | undefined; sourceFile: ts.SourceFile | undefined };
const parsedByHost = new WeakMap<object, Map<string, Parsed[]>>();

export function readSourceFile(host: ProjectHost, path: string): ts.SourceFile | undefined {
  const key = host.parseCacheKey ?? host;
  let cache = parsedByHost.get(key);
  if (!cache) parsedByHost.set(key, (cache = new Map()));
  const text = host.readFile(path);
  const cached = cache.get(path) ?? [];
  const hit = cached.find((c) => c.text === text);
  if (hit) return hit.sourceFile;
  const sourceFile = text === undefined ? undefined : parseSource(path, text);
  // Two texts per file: as it is, and as the schema step edits it (runs sharing a cache read both, one after the other).
  cache.set(path, [{ text, sourceFile }, ...cached.slice(0, 1)]);
  return sourceFile;
}

function candidatesFor(base: string): string[] {
  // `./x.js` written for NodeNext may stand for `./x.ts`.
  const stripped = base.replace(/\.(c|m)?jsx?$/, '');
  const out = [base];
  for (const ext of EXTENSIONS) out.push(stripped + ext);
  for (const ext of EXTENSIONS) out.push(`${base}/index${ext}`);
  return out;
}

/** Resolve a relative or aliased module specifier to a file the host can read; bare packages resolve to nothing. */
export function resolveModule(host: ProjectHost, specifier: string, fromFile: string): string | undefined {
  const bases: string[] = [];
  if (specifier.startsWith('.') || specifier.startsWith('/')) {
    bases.push(joinPath(dirname(fromFile), specifier));
  } else {
    const aliases = typeof host.pathAliases === 'function' ? host.pathAliases(fromFile) : (host.pathAliases ?? []);
    for (const alias of aliases) {
      const star = alias.pattern.indexOf('*');
      if (star < 0) {
        if (alias.pattern === specifier) bases.push(...alias.targets);
        continue;
      }
      const prefix = alias.pattern.slice(0, star);
      const suffix = alias.pattern.slice(star + 1);
      if (
        specifier.startsWith(prefix) &&
        specifier.endsWith(suffix) &&
        specifier.length >= prefix.length + suffix.length
      ) {
        const matched = specifier.slice(prefix.length, specifier.length - suffix.length);
        bases.push(...alias.targets.map((t) => t.replace('*', matched)));
      }
    }
  }
  for (const base of bases) {
    for (const candidate of candidatesFor(base)) {
      if (host.readFile(candidate) !== undefined) return candidate;
    }
  }
  return undefined;
}

/** A host over a fixed set of files (tests, the jscodeshift adapter, one-file analysis). */
export function createMemoryHost(
  files: Record<string, string> | Map<string, string>,
  pathAliases?: ProjectHost['pathAliases'],
): ProjectHost {
  const map = files instanceof Map ? files : new Map(Object.entries(files));
  return { readFile: (path) => map.get(path), pathAliases };
}

export interface InstalledVersion {
  major: number;
  minor: number;
  patch: number;
  raw: string;
  /**
   * Not installed where the host can see it: the lowest version the nearest `package.json` that depends on the
   * package allows (`^3.3.9` → 3.3.9). A feature that came in a later minor is then not certain to be there.
   */
  declared?: string;
}

function parseVersion(raw: string): InstalledVersion | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(raw);
  return m ? { major: +m[1], minor: +m[2], patch: +m[3], raw } : undefined;
}

/** The lowest version a simple range allows (`^3.3.9`, `~3.3`, `3.3.9`, `3.x`); undefined for anything wider. */
function rangeMinimum(range: string): InstalledVersion | undefined {
  const m = /^[\^~=]?v?(\d+)(?:\.(\d+|x|\*))?(?:\.(\d+|x|\*))?$/.exec(range.trim());
  if (!m) return undefined;
  const part = (p: string | undefined) => (p === undefined || p === 'x' || p === '*' ? 0 : +p);
  return {
    major: +m[1],
    minor: part(m[2]),
    patch: part(m[3]),
    raw: `${m[1]}.${part(m[2])}.${part(m[3])}`,
    declared: range.trim(),
  };
}

function declaredRange(text: string, pkg: string): string | undefined {
  try {
    const manifest = JSON.parse(text) as Record<string, unknown>;
    for (const key of ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies']) {
      const deps = manifest[key];
      if (deps && typeof deps === 'object' && typeof (deps as Record<string, unknown>)[pkg] === 'string')
        return (deps as Record<string, string>)[pkg];
    }
  } catch {
    return undefined;
  }
  return undefined;
}

/**
 * The version of a package installed where a file would import it from (`node_modules/<pkg>/package.json` in the
 * file's directory or above), or undefined when the host cannot see one: then the engine assumes the current major.
 * When the nearest `package.json` that depends on it names another major than the install found (or none is
 * installed, as in a fresh checkout), that range decides (see `declared`).
 */
export function installedVersion(host: ProjectHost, fromFile: string, pkg: string): InstalledVersion | undefined {
  let range: InstalledVersion | undefined;
  let installed: InstalledVersion | undefined;
  for (let dir = dirname(fromFile); ; dir = dirname(dir)) {
    const prefix = dir === '/' ? '' : dir;
    const text = host.readFile(`${prefix}/node_modules/${pkg}/package.json`);
    if (text !== undefined) {
      try {
        installed = parseVersion(String((JSON.parse(text) as { version?: unknown }).version ?? ''));
      } catch {
        installed = undefined;
      }
      if (!range) return installed;
      break;
    }
    if (!range) {
      const manifest = host.readFile(`${prefix}/package.json`);
      const declared = manifest === undefined ? undefined : declaredRange(manifest, pkg);
      // A range this tool does not read (`latest`, `workspace:*`, `>=3 <5`) says nothing: the install decides.
      if (declared !== undefined) range = rangeMinimum(declared);
    }
    if (dir === '/') break;
  }
  if (range && installed && installed.major === range.major) return installed;
  return range;
}
