/**
 * `--fix-suspect` (issue 11, item 3): a suspect value is replaced only where the right value is certain, and the JSON
 * report carries each call's `notes` and `suspect` values.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { addReconciliationFields } from '../codemods/add-reconciliation-fields.js';
import { buildReport, renderJson } from '../src/report.js';
import { REPO } from './helpers.js';

const fixture = (name: string) => {
  const dir = path.join(REPO, 'fixtures', name);
  const inputPath = path.join(dir, 'input.ts').split(path.sep).join('/');
  const read = (p: string) => {
    try {
      return readFileSync(p, 'utf8');
    } catch {
      return undefined;
    }
  };
  const run = (text: string, fixSuspect: boolean) =>
    addReconciliationFields([{ path: inputPath, text }], { readFile: read, fixSuspect, schemaStep: false }).files[0];
  return { dir, input: read(inputPath)!, run };
};

describe('--fix-suspect', () => {
  it('replaces a transcription body id by its _request_id, and only that initializer', () => {
    const { dir, input, run } = fixture('existing-transcription-body-id-is-suspect');
    const plan = run(input, true);
    expect(plan.status).toBe('changed');
    expect(plan.output).toBe(readFileSync(path.join(dir, 'output-fix-suspect.ts'), 'utf8'));
    expect(plan.calls[0]).toMatchObject({
      status: 'updated',
      added: { openai_request_id: 'transcription._request_id' },
      suspect: [{ prop: 'openai_request_id', value: '(transcription as any).id', expected: 'transcription._request_id' }],
    });
    // Once fixed, the value is right: a second run (with or without the flag) finds the call complete.
    for (const fix of [true, false]) {
      const again = run(plan.output!, fix);
      expect(again.status).toBe('unchanged');
      expect(again.calls.map((c) => c.status)).toEqual(['complete', 'complete']);
    }
  });

  it('without the flag, the call is manual and the fix is only offered (for the lint suggestion)', () => {
    const { input, run } = fixture('existing-transcription-body-id-is-suspect');
    const plan = run(input, false);
    expect(plan.status).toBe('unchanged');
    expect(plan.calls[0].status).toBe('manual');
    expect(plan.calls[0].edits).toEqual([]);
    expect(plan.calls[0].suspectFix).toHaveLength(1);
  });

  it('never replaces a value behind a gateway: nothing is certain there', () => {
    const { input, run } = fixture('existing-id-behind-gateway-is-suspect');
    const plan = run(input, true);
    expect(plan.status).toBe('unchanged');
    expect(plan.calls.map((c) => c.reasonCode)).toEqual(['suspect-value', 'suspect-value', undefined]);
    for (const call of plan.calls.slice(0, 2)) {
      expect(call.suspect?.map((s) => s.prop)).toEqual(['openai_request_id']);
      expect(call.suspect?.[0].expected).toBeUndefined();
      expect(call.suspectFix).toBeUndefined();
    }
  });
});

describe('the JSON report', () => {
  it('carries notes and suspect values per call', () => {
    const suspect = fixture('existing-transcription-body-id-is-suspect');
    const noted = fixture('ai-sdk-model-other-provider-const-or-ternary');
    const plans = [suspect.run(suspect.input, false), noted.run(noted.input, false)];
    const json = JSON.parse(renderJson(buildReport(plans, (p) => path.relative(REPO, p))));
    const calls = json.files.flatMap((f: { calls: unknown[] }) => f.calls);
    const manual = calls.find((c: { reason?: string }) => c.reason?.startsWith('suspect-value: '));
    expect(manual.suspect).toEqual([
      {
        prop: 'openai_request_id',
        value: '(transcription as any).id',
        expected: 'transcription._request_id',
        reason: expect.stringContaining('always undefined'),
      },
    ]);
    const updated = calls.find((c: { notes?: string[] }) => c.notes?.length);
    expect(updated.status).toBe('updated');
    expect(updated.notes.join(' ')).toContain('@ai-sdk/anthropic');
  });
});
