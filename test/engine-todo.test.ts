import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../src/config.js';
import { analyzeFile } from '../src/engine/analyze.js';
import { createMemoryHost } from '../src/engine/host.js';

const tracking = `export async function trackTokenUsage(usage: { tokens_used: number; openai_request_id?: string | null }) { void usage; }\n`;

function run(text: string) {
  const files = { '/app/route.ts': text, '/app/tracking.ts': tracking };
  return analyzeFile({ path: '/app/route.ts', text }, DEFAULT_CONFIG, createMemoryHost(files), { todo: true });
}

// A call with no OpenAI result anywhere near it: manual, so --todo marks it.
const body = (lines: string) =>
  `import { trackTokenUsage } from './tracking';\nexport async function f(n: number) {\n${lines}\n}\n`;

describe('--todo marks', () => {
  it('go above next-line directives, which must stay directly above the call', () => {
    const input = body(
      '  // eslint-disable-next-line no-console\n  // @ts-expect-error: legacy\n  await trackTokenUsage({ tokens_used: n });',
    );
    const plan = run(input);
    expect(plan.calls[0].status).toBe('manual');
    expect(plan.output).toContain(
      "  // recon-codemod: no-source: pass the OpenAI result's id, created, system_fingerprint (null if there is no request)",
    );
    const lines = plan.output!.split('\n');
    const mark = lines.findIndex((l) => l.includes('recon-codemod:'));
    expect(lines.slice(mark + 1, mark + 4)).toEqual([
      '  // eslint-disable-next-line no-console',
      '  // @ts-expect-error: legacy',
      '  await trackTokenUsage({ tokens_used: n });',
    ]);
    // Seen as acknowledged the next time, and nothing more is inserted.
    const again = run(plan.output!);
    expect(again.calls[0].acknowledged).toBe(true);
    expect(again.status).toBe('unchanged');
  });

  it('after an unbraced `if`, is recognised on the next run', () => {
    const plan = run(body('  if (n > 0) await trackTokenUsage({ tokens_used: n });'));
    expect(plan.output).toMatch(/if \(n > 0\) \/\/ recon-codemod: no-source: .*\n {2}await trackTokenUsage/);
    const again = run(plan.output!);
    expect(again.calls[0].acknowledged).toBe(true);
    expect(again.status).toBe('unchanged');
  });
});
