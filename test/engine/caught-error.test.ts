/** The caught error pass (src/engine/sources/caught-error.ts): a `catch` variable narrowed to OpenAI's `APIError`. */
import { describe, expect, it } from 'vitest';
import { RESULT_KINDS } from '../../src/engine/result-kinds.js';
import { classifyCaughtError } from '../../src/engine/sources/caught-error.js';
import { ts } from '../../src/engine/ts.js';
import { passProject } from './pass-project.js';

const p = passProject({
  '/app/route.ts': `import OpenAI from 'openai';
async function run() {
  try { await work(); } catch (error) {
    if (error instanceof OpenAI.APIError) { inside(); }
    outside();
  }
  try { await work(); } catch (err) {
    if (!(err instanceof OpenAI.APIError)) throw err;
    afterGuard();
  }
}
`,
});
const at = (call: string, name: string) =>
  classifyCaughtError(
    p.decl('/app/route.ts', name) as ts.VariableDeclaration,
    p.ctx(
      '/app/route.ts',
      p.node('/app/route.ts', call, (n): n is ts.CallExpression => ts.isCallExpression(n)),
    ),
  );

describe('classifyCaughtError', () => {
  it('inside `if (error instanceof OpenAI.APIError)`, or after a guard that throws otherwise: its request id', () => {
    expect(at('inside()', 'error')).toMatchObject({
      type: 'source',
      base: 'error',
      kind: RESULT_KINDS.apiError,
      name: 'error (OpenAI.APIError)',
    });
    expect(at('afterGuard()', 'err')).toMatchObject({ type: 'source', base: 'err', kind: RESULT_KINDS.apiError });
  });

  it('not narrowed at the call: the error may be anything, not a source', () => {
    expect(at('outside()', 'error')).toBeUndefined();
  });
});
