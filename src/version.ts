import { readFileSync } from 'node:fs';

/** This package's version, from its package.json: found by walking up, so it works from src/ (tests) and dist/src/. */
export function packageVersion(): string {
  for (const up of ['../package.json', '../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(up, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'recon-codemod' && pkg.version) return pkg.version;
    } catch {
      /* not here */
    }
  }
  return '0.0.0';
}
