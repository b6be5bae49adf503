import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Backslashes to `/`: the engine and the reports speak POSIX paths on every platform. */
export function toPosix(path: string): string {
  return path.replace(/\\/g, '/');
}

/**
 * The tsconfig.json that checks the files of `dir`: the nearest at or above it, up to the project's root (a directory
 * with package.json or .git). `--write`'s type check and the engine's reading of compiler options use the same one.
 */
export function nearestTsconfig(dir: string): string | undefined {
  for (; ; dir = dirname(dir)) {
    const candidate = join(dir, 'tsconfig.json');
    if (existsSync(candidate)) return toPosix(candidate);
    if (existsSync(join(dir, 'package.json')) || existsSync(join(dir, '.git')) || dirname(dir) === dir)
      return undefined;
  }
}
