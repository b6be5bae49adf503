/**
 * OpenAI chat streams whose usage is recorded after the `for await` loop (fixtures openai-stream-tracked-in-finally,
 * openai-stream-tracked-after-loop): the edges where keeping the chunk values would be wrong or would not compile.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../src/config.js';
import { analyzeFile } from '../src/engine/analyze.js';
import { createMemoryHost } from '../src/engine/host.js';

const tracking = `export interface TokenUsage { user_id: string; tokens_used: number;
  openai_request_id?: string | null; openai_created?: number | null; system_fingerprint?: string | null }
export async function trackTokenUsage(usage: TokenUsage): Promise<void> { void usage; }
`;

function plan(body: string) {
  const text = `import OpenAI from 'openai';
import { trackTokenUsage } from './tracking';
const openai = new OpenAI();
export async function run(userId: string, prompt: string) {
${body}
}
`;
  const files = { '/app/route.ts': text, '/app/tracking.ts': tracking };
  return analyzeFile({ path: '/app/route.ts', text }, DEFAULT_CONFIG, createMemoryHost(files));
}

const create =
  "await openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: prompt }], stream: true, stream_options: { include_usage: true } })";

describe('streams tracked after the loop', () => {
  it('chunks typed by a cast of the stream: manual, in the loop and after it (chunk.id may not compile)', () => {
    for (const body of [
      `  const stream = ${create};\n  let tokens = 0;\n  for await (const chunk of stream as AsyncIterable<{ usage?: { total_tokens: number } }>) {\n    tokens = chunk.usage?.total_tokens ?? tokens;\n  }\n  await trackTokenUsage({ user_id: userId, tokens_used: tokens });`,
      `  const stream = ${create};\n  for await (const chunk of stream as AsyncIterable<{ usage?: { total_tokens: number } }>) {\n    if (chunk.usage) await trackTokenUsage({ user_id: userId, tokens_used: chunk.usage.total_tokens });\n  }`,
    ]) {
      const file = plan(body);
      expect(file.calls[0].status, file.calls[0].reason).toBe('manual');
      expect(file.output).toBeUndefined();
    }
  });

  it('a loop inside an outer loop, the call after both: manual (the values would be the first request of many)', () => {
    const file = plan(
      `  let tokens = 0;\n  for (const part of [prompt, prompt]) {\n    const stream = ${create.replace('content: prompt', 'content: part')};\n    for await (const chunk of stream) tokens = tokens + (chunk.usage?.total_tokens ?? 0);\n  }\n  await trackTokenUsage({ user_id: userId, tokens_used: tokens });`,
    );
    expect(file.calls[0].status).toBe('manual');
    expect(file.output).toBeUndefined();
  });

  it('the call in a `finally` of the try that holds the loop: the values are declared before the try', () => {
    const file = plan(
      `  let tokens = 0;\n  try {\n    const stream = ${create};\n    for await (const chunk of stream) {\n      tokens = chunk.usage?.total_tokens ?? tokens;\n    }\n  } finally {\n    await trackTokenUsage({ user_id: userId, tokens_used: tokens });\n  }`,
    );
    expect(file.calls[0].status).toBe('updated');
    expect(file.output).toContain(
      '  let tokens = 0;\n  let openaiRequestId: string | undefined;\n  let openaiCreated: number | undefined;\n  let systemFingerprint: string | undefined;\n  try {',
    );
    expect(file.output).toContain('for await (const chunk of stream) {\n      openaiRequestId ??= chunk.id;');
  });
});
