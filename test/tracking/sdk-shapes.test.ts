import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

// vitest strips types without checking them; this makes "the SDK-shaped objects in extract.test.ts are what the
// installed openai and ai packages declare" part of `npm test`, independent of the rest of the tree's type errors.
it('extract.test.ts type-checks against the installed openai and ai types', async () => {
  const tsc = fileURLToPath(new URL('../../node_modules/typescript/bin/tsc', import.meta.url));
  const project = fileURLToPath(new URL('./tsconfig.sdk-shapes.json', import.meta.url));
  const { stdout } = await promisify(execFile)(process.execPath, [tsc, '--noEmit', '-p', project]).catch(
    (error: { stdout: string }) => error,
  );
  expect(stdout).toBe('');
});
