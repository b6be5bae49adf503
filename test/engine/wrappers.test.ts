/**
 * The wrapper pass (src/engine/sources/wrappers.ts): what a call of an in-house function returns. The returned values
 * are classified by the value pass above it, reached through `ctx.resolve` (the real one here).
 */
import { describe, expect, it } from 'vitest';
import { RESULT_KINDS } from '../../src/engine/result-kinds.js';
import { classifyWrapperCall } from '../../src/engine/sources/wrappers.js';
import { ts } from '../../src/engine/ts.js';
import { isCall, passProject } from './pass-project.js';

const p = passProject({
  '/app/route.ts': `import OpenAI from 'openai';
import type { ChatCompletion } from 'openai/resources/chat/completions';
const openai = new OpenAI();
const router = new OpenAI({ baseURL: 'https://gateway.example.com/v1' });
async function direct(): Promise<ChatCompletion> { return openai.chat.completions.create({ model: 'm', messages: [] }); }
async function viaGateway(): Promise<ChatCompletion> { return router.chat.completions.create({ model: 'm', messages: [] }); }
async function ping(): Promise<ChatCompletion> { return pong(); }
async function pong(): Promise<ChatCompletion> { return ping(); }
async function retry<T>(fn: () => Promise<T>): Promise<T> { return await fn(); }
async function mine(): Promise<{ requestId: string; openai_request_id: string }> { return { requestId: '', openai_request_id: '' }; }
direct();
viaGateway();
ping();
retry(async () => openai.chat.completions.create({ model: 'm', messages: [] }));
mine();
`,
});
function wrapperCall(text: string) {
  const call = p.node('/app/route.ts', text, isCall);
  const name = (call.expression as ts.Identifier).text;
  const fn = p.node(
    '/app/route.ts',
    name,
    (n): n is ts.Identifier => ts.isIdentifier(n) && ts.isFunctionDeclaration(n.parent),
  ).parent as ts.FunctionDeclaration;
  const sourceFile = call.getSourceFile();
  return classifyWrapperCall(call, { node: fn, sourceFile }, p.ctx('/app/route.ts'));
}

describe('classifyWrapperCall', () => {
  it('a wrapper returning an OpenAI call is that call; one returning a gateway client is refused', () => {
    expect(wrapperCall('direct()')).toEqual({ kind: RESULT_KINDS.chatCompletion, notes: [], needsAwait: true });
    expect(wrapperCall('viaGateway()')?.rejection).toMatchObject({ code: 'not-openai', gateway: true });
  });

  it('wrappers calling each other are a cycle, named in the reason', () => {
    expect(wrapperCall('ping()')?.rejection).toMatchObject({
      code: 'no-source',
      reason: expect.stringContaining('`ping` → `pong` → `ping`'),
    });
  });

  it("a pass-through of a callback is what the callback returns; a return type of the app's own carries its fields", () => {
    expect(
      wrapperCall("retry(async () => openai.chat.completions.create({ model: 'm', messages: [] }))"),
    ).toMatchObject({ kind: RESULT_KINDS.chatCompletion, needsAwait: true });
    const own = wrapperCall('mine()');
    expect(own?.kind?.id).toBe('wrapper');
    expect(own?.kind?.fields.openai_request_id).toMatchObject({ path: 'openai_request_id' });
  });
});
