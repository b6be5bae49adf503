/**
 * A raw `fetch` to the OpenAI REST API: its JSON body is `any` unless the code types it, and `data.id` on a type
 * without `id` does not compile (issue 11: TS2339 in a real app). fixtures/fetch-json-cast-to-type-without-id holds
 * the main shapes; these are the edges.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../src/config.js';
import { analyzeFile } from '../src/engine/analyze.js';
import { createMemoryHost } from '../src/engine/host.js';

const tracking = (
  idField = 'openai_request_id?: string | null',
) => `export interface TokenUsage { user_id: string; tokens_used: number;
  ${idField}; openai_created?: number | null; system_fingerprint?: string | null }
export async function trackTokenUsage(usage: TokenUsage): Promise<void> { void usage; }
`;

/** One call whose body is declared by `declaration` (which names it `data`, or destructures it). */
function plan(declaration: string, tokens = 'data.usage.total_tokens', idField?: string, topLevel = '') {
  const text = `import type OpenAI from 'openai';
import { trackTokenUsage } from './tracking';
${topLevel}
export async function run(userId: string, prompt: string) {
  const res = await fetch('https://api.openai.com/v1/chat/completions', { method: 'POST', body: prompt });
  ${declaration}
  await trackTokenUsage({ user_id: userId, tokens_used: ${tokens} });
}
`;
  const files = { '/app/route.ts': text, '/app/tracking.ts': tracking(idField) };
  const file = analyzeFile({ path: '/app/route.ts', text }, DEFAULT_CONFIG, createMemoryHost(files));
  return { call: file.calls[0], output: file.output };
}

describe('the type a raw fetch body is given', () => {
  it("the SDK's own body type, `any`, `Record<string, any>`: read as they are, no edit to the type", () => {
    for (const declaration of [
      'const data = (await res.json()) as OpenAI.Chat.Completions.ChatCompletion;',
      'const data: any = await res.json();',
      'const data = (await res.json()) as Record<string, any>;',
    ]) {
      const { call, output } = plan(declaration, 'data.usage?.total_tokens ?? 0');
      expect(call.status, `${declaration}\n${call.reason}`).toBe('updated');
      expect(call.added).toEqual({
        openai_request_id: 'data.id',
        openai_created: 'data.created',
        system_fingerprint: 'data.system_fingerprint',
      });
      expect(output).toContain(declaration);
    }
  });

  it('an inline type literal gains only the members it lacks; one it has is read as it declares it', () => {
    const { call, output } = plan(
      'const data = (await res.json()) as { id?: string; usage: { total_tokens: number } };',
      undefined,
      'openai_request_id: string | null',
    );
    expect(call.status).toBe('updated');
    expect(output).toContain(
      'as { id?: string; usage: { total_tokens: number }; created: number; system_fingerprint?: string }',
    );
    // `id?: string` may be undefined; the tracker's field accepts null only.
    expect(call.added?.openai_request_id).toBe('data.id ?? null');
  });

  it('a destructured body: the pattern and the inline type both gain the fields', () => {
    const { call, output } = plan(
      'const { usage } = (await res.json()) as { usage: { total_tokens: number } };',
      'usage.total_tokens',
    );
    expect(call.status).toBe('updated');
    expect(output).toContain(
      'const { usage, id, created, system_fingerprint } = (await res.json()) as { usage: { total_tokens: number }; id: string; created: number; system_fingerprint?: string };',
    );
  });

  it('a named type of the app, `unknown`, a member of another type: manual, saying what to add', () => {
    const named = plan(
      'const data = (await res.json()) as ChatBody;',
      undefined,
      undefined,
      'interface ChatBody { usage: { total_tokens: number } }',
    );
    expect([named.call.status, named.call.reasonCode]).toEqual(['manual', 'no-field-value']);
    expect(named.call.reason).toContain('add `id: string; created: number; system_fingerprint?: string` to it');
    expect(named.output).toBeUndefined();
    const unknown = plan('const data = (await res.json()) as unknown;', '0');
    expect(unknown.call.status).toBe('manual');
    const wrong = plan('const data = (await res.json()) as { id: number; usage: { total_tokens: number } };');
    expect([wrong.call.status, wrong.call.reasonCode]).toEqual(['manual', 'no-field-value']);
    expect(wrong.call.reason).toContain('declares `id` as `number`');
  });
});
