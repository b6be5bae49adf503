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
  if (openaiVersion) files['/app/node_modules/openai/package.json'] = JSON.stringify({ name: 'openai', version: openaiVersion });
  return analyzeFile({ path: '/app/src/route.ts', text: route }, DEFAULT_CONFIG, createMemoryHost(files)).calls[0];
}

describe('the mapping follows the installed openai version', () => {
  it('openai 4.62+ (and an unknown install) reads `_request_id`', () => {
    expect(planWith('4.62.0').added).toEqual({ openai_request_id: 'transcription._request_id', openai_created: 'null', system_fingerprint: 'null' });
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
