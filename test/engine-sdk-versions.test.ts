import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../src/config.js';
import { analyzeFile } from '../src/engine/analyze.js';
import { createMemoryHost } from '../src/engine/host.js';

const tracking = `export interface TokenUsage { user_id: string; tokens_used: number; success: boolean;
  openai_request_id?: string | null; openai_created?: number | null; system_fingerprint?: string | null }
export async function trackTokenUsage(usage: TokenUsage): Promise<void> { void usage; }
`;

const route = `import OpenAI from 'openai';
import { trackTokenUsage } from './tracking';
const openai = new OpenAI();
export async function transcribe(userId: string, file: File) {
  const transcription = await openai.audio.transcriptions.create({ file, model: 'whisper-1' });
  await trackTokenUsage({ user_id: userId, tokens_used: 0, success: true });
  return transcription.text;
}
`;

function planWith(openaiVersion: string | undefined) {
  const files: Record<string, string> = { '/app/src/route.ts': route, '/app/src/tracking.ts': tracking };
  if (openaiVersion)
    files['/app/node_modules/openai/package.json'] = JSON.stringify({ name: 'openai', version: openaiVersion });
  return analyzeFile({ path: '/app/src/route.ts', text: route }, DEFAULT_CONFIG, createMemoryHost(files)).calls[0];
}

describe('the mapping follows the installed openai version', () => {
  it('openai 4.62+ (and an unknown install) reads `_request_id`', () => {
    expect(planWith('4.62.0').added).toEqual({
      openai_request_id: 'transcription._request_id',
      openai_created: 'null',
      system_fingerprint: 'null',
    });
    expect(planWith(undefined).added?.openai_request_id).toBe('transcription._request_id');
    expect(planWith('6.49.0').added?.openai_request_id).toBe('transcription._request_id');
  });

  it('openai 4 before 4.62 has no `_request_id`: manual, saying how to get the id (never a null that hides it)', () => {
    const call = planWith('4.61.1');
    expect(call.status).toBe('manual');
    expect(call.reasonCode).toBe('no-field-value');
    expect(call.reason).toContain('the installed openai 4.61.1 predates `_request_id` (4.62.0)');
  });
});

const aiRoute = `import { openai } from '@ai-sdk/openai';
import { generateText, streamText } from 'ai';
import { trackTokenUsage } from './tracking';
export async function headline(userId: string, article: string) {
  const result = await generateText({ model: openai.chat('gpt-4o-mini'), prompt: article });
  await trackTokenUsage({ user_id: userId, tokens_used: result.usage.totalTokens, success: true });
  return result.text;
}
export async function chat(userId: string, prompt: string) {
  const result = await streamText({
    model: openai.chat('gpt-4o'),
    prompt,
    onFinish: async ({ usage }) => {
      await trackTokenUsage({ user_id: userId, tokens_used: usage.totalTokens, success: true });
    },
  });
  return result.toDataStreamResponse();
}
`;

function aiPlans(files: Record<string, string>) {
  const all = { '/app/src/route.ts': aiRoute, '/app/src/tracking.ts': tracking, ...files };
  return analyzeFile({ path: '/app/src/route.ts', text: aiRoute }, DEFAULT_CONFIG, createMemoryHost(all)).calls;
}

const installed = (version: string, dir = '/app') => ({
  [`${dir}/node_modules/ai/package.json`]: JSON.stringify({ name: 'ai', version }),
});
const declares = (range: string, dir = '/app') => ({
  [`${dir}/package.json`]: JSON.stringify({ name: 'app', dependencies: { ai: range } }),
});

describe('the mapping follows the installed ai version (ai 3)', () => {
  it('before 3.3.27 results and onFinish events have no `response`: manual, with the upgrade path', () => {
    for (const calls of [aiPlans(installed('3.3.9')), aiPlans(installed('3.3.26'))]) {
      expect(calls.map((c) => c.status)).toEqual(['manual', 'manual']);
      expect(calls.map((c) => c.reasonCode)).toEqual(['no-field-value', 'no-field-value']);
      expect(calls[0].reason).toContain('returns no response id');
      expect(calls[0].reason).toContain('upgrade ai (3.3.27+, or 4+)');
    }
  });

  it('from 3.3.27 on, `response` is there: read as in ai 4', () => {
    const calls = aiPlans(installed('3.3.27'));
    expect(calls.map((c) => c.status)).toEqual(['updated', 'updated']);
    expect(calls[0].added?.openai_request_id).toBe('result.response.id');
    expect(calls[1].added?.openai_request_id).toBe('response.id');
  });

  it('not installed: the lowest version the nearest package.json allows decides', () => {
    const older = aiPlans(declares('^3.3.9'));
    expect(older.map((c) => c.status)).toEqual(['manual', 'manual']);
    expect(older[0].reason).toContain('ai ^3.3.9 (as package.json declares; not installed here)');
    expect(aiPlans(declares('~3.4.0')).map((c) => c.status)).toEqual(['updated', 'updated']);
    // A range this tool does not read says nothing: the current major is assumed, as with no package.json at all.
    expect(aiPlans(declares('latest')).map((c) => c.status)).toEqual(['updated', 'updated']);
  });

  it('an install of the declared major decides over the range; an install of another major (hoisted for something else) does not', () => {
    expect(aiPlans({ ...declares('^3.3.9', '/app/src'), ...installed('3.4.33') }).map((c) => c.status)).toEqual([
      'updated',
      'updated',
    ]);
    expect(aiPlans({ ...declares('^3.3.9', '/app/src'), ...installed('5.0.0') }).map((c) => c.status)).toEqual([
      'manual',
      'manual',
    ]);
    // An install nearer than any package.json that declares it: the install decides.
    expect(aiPlans({ ...installed('3.3.9', '/app/src'), ...declares('^5.0.0') }).map((c) => c.status)).toEqual([
      'manual',
      'manual',
    ]);
  });
});
