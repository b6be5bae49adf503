/**
 * The CLI's file-system edge: discovery, safe reads, atomic writes, the dirty-tree guard.
 */
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  closeSync,
  existsSync,
  fsyncSync,
  openSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import ignore from 'ignore';
import { glob } from 'tinyglobby';
import { toPosix } from './paths.js';

export const SOURCE_EXTENSIONS = ['ts', 'tsx', 'mts', 'cts', 'js', 'jsx', 'mjs', 'cjs'];
export const DEFAULT_INCLUDE = [`**/*.{${SOURCE_EXTENSIONS.join(',')}}`];
/** Never sources of the app: dependencies, build output, declaration files. */
export const ALWAYS_EXCLUDE = [
  '**/node_modules/**',
  '**/dist/**',
  '**/build/**',
  '**/.next/**',
  '**/out/**',
  '**/coverage/**',
  '**/.git/**',
  '**/*.d.ts',
  '**/*.d.mts',
  '**/*.d.cts',
];

/** Files over this size are reported, not parsed (minified bundles, generated code). */
export const MAX_FILE_BYTES = 1024 * 1024;

export interface Discovery {
  /** The directory report paths are relative to. */
  root: string;
  files: string[];
}

export class UsageError extends Error {}

/** Expand the CLI's paths into source files, `.gitignore` respected; throws UsageError for a path that does not exist. */
export async function discoverFiles(
  paths: string[],
  cwd: string,
  include: string[],
  exclude: string[],
): Promise<Discovery> {
  const targets = (paths.length ? paths : ['.']).map((p) => resolve(cwd, p));
  for (const [i, target] of targets.entries()) {
    if (!existsSync(target)) throw new UsageError(`path does not exist: ${paths[i] ?? target}`);
  }
  const root = targets.length === 1 && statSync(targets[0]).isDirectory() ? targets[0] : resolve(cwd);
  const realRoot = realpathSync(root);
  const found = new Set<string>();
  for (const target of targets) {
    if (statSync(target).isFile()) {
      found.add(target);
      continue;
    }
    // In a git work tree, git says what is ignored (every .gitignore, .git/info/exclude, the global excludes) in a
    // few milliseconds. Outside git, the tree's own .gitignore files.
    const visible = gitVisibleFiles(target);
    const options = {
      cwd: target,
      absolute: true,
      ignore: [...ALWAYS_EXCLUDE, ...exclude],
      followSymbolicLinks: false,
      onlyFiles: true,
      dot: false,
    };
    const matches = await glob(include, options);
    const ignored = visible ? undefined : await gitignoreFilter(target, resolve(cwd));
    for (const m of matches) {
      const file = resolve(m);
      if (visible ? visible.has(file) : !ignored!(file)) found.add(file);
    }
  }
  // A link that leads outside the target root is never read nor written.
  const files = [...found].filter((f) => isInside(realRoot, realpathSafe(f))).sort();
  return { root, files };
}

/**
 * Outside a git work tree: whether a file is ignored by a `.gitignore` at or below `dir`, or in a directory between
 * `dir` and the working directory `top` (`recon-codemod src` from the app's root reads the root's). Each file's
 * rules apply to the paths under its own directory, as git reads them; the dependencies' are never read.
 */
async function gitignoreFilter(dir: string, top: string): Promise<(file: string) => boolean> {
  const files = await glob(['**/.gitignore'], {
    cwd: dir,
    absolute: true,
    dot: true,
    ignore: ALWAYS_EXCLUDE,
    followSymbolicLinks: false,
  });
  if (isInside(top, dir)) {
    for (let up = dirname(dir); isInside(top, up); up = dirname(up)) {
      if (existsSync(join(up, '.gitignore'))) files.push(join(up, '.gitignore'));
      if (up === top || dirname(up) === up) break;
    }
  }
  const rules = files.map((file) => ({
    base: dirname(resolve(file)),
    matcher: ignore().add(readFileSync(file, 'utf8')),
  }));
  return (file) =>
    rules.some(({ base, matcher }) => {
      const rel = toPosix(relative(base, file));
      return !rel.startsWith('../') && rel !== '..' && !isAbsolute(rel) && matcher.ignores(rel);
    });
}

/** Files under `dir` that git tracks or would track (untracked, not ignored); undefined outside a git work tree. */
function gitVisibleFiles(dir: string): Set<string> | undefined {
  let out: string;
  try {
    out = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z', '--full-name', '.'], {
      cwd: dir,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      maxBuffer: 256 * 1024 * 1024,
    });
  } catch {
    return undefined;
  }
  const top = execFileSync('git', ['rev-parse', '--show-toplevel'], {
    cwd: dir,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  }).trim();
  return new Set(
    out
      .split('\0')
      .filter(Boolean)
      .map((f) => resolve(top, f)),
  );
}

function realpathSafe(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

export function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

export type ReadResult = { ok: true; text: string } | { ok: false; error: string };

/** Read a source file as UTF-8 text, refusing binary, non-UTF-8 and oversized files with a reason. */
export function readSource(path: string): ReadResult {
  let buffer: Buffer;
  try {
    const stat = statSync(path);
    if (stat.size > MAX_FILE_BYTES)
      return { ok: false, error: `file is ${stat.size} bytes, over the ${MAX_FILE_BYTES}-byte limit` };
    buffer = readFileSync(path);
  } catch (error) {
    return { ok: false, error: `cannot read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` };
  }
  if (buffer.includes(0)) return { ok: false, error: 'binary file (contains NUL bytes)' };
  try {
    return { ok: true, text: new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(buffer) };
  } catch {
    return { ok: false, error: 'not valid UTF-8' };
  }
}

/** The temp files `writeAtomic` names: `.<name>.recon-<pid>-<ms>.tmp`. */
const TEMP_FILE = /^\.(.+)\.recon-(\d+)-\d+\.tmp$/;

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Remove the temp files a killed earlier run left beside `path` (their process is gone). Returns how many: a run
 * killed mid-write leaves every file old or new, but its temp file stays until this.
 */
export function removeStaleTempFiles(path: string): number {
  let removed = 0;
  const dir = dirname(path);
  for (const entry of readdirSync(dir)) {
    const match = TEMP_FILE.exec(entry);
    if (!match || match[1] !== basename(path) || Number(match[2]) === process.pid || processAlive(Number(match[2])))
      continue;
    try {
      unlinkSync(join(dir, entry));
      removed++;
    } catch {
      /* gone already, or not ours to remove */
    }
  }
  return removed;
}

/**
 * Write a file atomically: a temp file in the same directory, flushed, given the old file's mode, then renamed over
 * it. A crash leaves either the old text or the new, never a mix.
 */
export function writeAtomic(path: string, text: string): void {
  const mode = statSync(path).mode & 0o7777;
  const temp = join(dirname(path), `.${basename(path)}.recon-${process.pid}-${Date.now()}.tmp`);
  const fd = openSync(temp, 'wx', mode);
  try {
    writeSync(fd, text, null, 'utf8');
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    unlinkSync(temp);
    throw error;
  }
  closeSync(fd);
  try {
    chmodSync(temp, mode);
    renameSync(temp, path);
  } catch (error) {
    try {
      unlinkSync(temp);
    } catch {
      /* already gone */
    }
    throw error;
  }
}

/**
 * Files among `paths` that git reports as modified, added or untracked: uncommitted work that `--write` would mix
 * with its edits. Undefined when `root` is not in a git work tree (then there is nothing to protect against).
 */
export function dirtyFiles(root: string, paths: string[]): string[] | undefined {
  if (paths.length === 0) return [];
  let top: string;
  try {
    top = execFileSync('git', ['rev-parse', '--show-toplevel'], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return undefined;
  }
  const out = execFileSync(
    'git',
    ['status', '--porcelain=v1', '-z', '--untracked-files=all', '--', ...paths.map((p) => relative(top, p))],
    {
      cwd: top,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  const dirty = new Set<string>();
  for (const entry of out.split('\0')) {
    if (entry.length < 4) continue;
    dirty.add(toPosix(resolve(top, entry.slice(3))));
  }
  return paths.filter((p) => dirty.has(toPosix(realpathSafe(p))) || dirty.has(toPosix(p)));
}

/**
 * For a run over a monorepo: each file's package, the nearest directory from the file's own up to `root` that holds a
 * package.json or a tsconfig.json (where `--write`'s type check stops looking for the file's tsconfig), else `root`.
 * Keys are the files as given; directories are looked at once.
 */
export function packageDirectories(root: string, files: readonly string[]): Map<string, string> {
  const top = resolve(root);
  const byDir = new Map<string, string>();
  const packageOf = (dir: string): string => {
    let found = byDir.get(dir);
    if (found !== undefined) return found;
    if (dir === top || dirname(dir) === dir || !isInside(top, dir)) found = top;
    else if (existsSync(join(dir, 'package.json')) || existsSync(join(dir, 'tsconfig.json'))) found = dir;
    else found = packageOf(dirname(dir));
    byDir.set(dir, found);
    return found;
  };
  return new Map(files.map((f) => [f, packageOf(dirname(resolve(f)))]));
}
