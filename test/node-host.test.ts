import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readPathAliases, toPosix } from '../src/node-host.js';
import { tempDir } from './helpers.js';

describe('tsconfig paths', () => {
  it('a target written as a lone string (not an array) is read as one target, not a crash of every file', () => {
    const dir = tempDir('recon-paths-');
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { baseUrl: '.', paths: { '@/*': './src/*', '~/*': ['./lib/*'], 'bad/*': 3 } },
      }),
    );
    expect(readPathAliases(dir)).toEqual([
      { pattern: '@/*', targets: [toPosix(join(dir, 'src/*'))] },
      { pattern: '~/*', targets: [toPosix(join(dir, 'lib/*'))] },
      { pattern: 'bad/*', targets: [] },
    ]);
  });
});
