/**
 * The result-kinds table (src/engine/result-kinds.ts) is the one place a result shape is declared: every kind is
 * proved by fixtures that exist, method matching does not depend on table order, the README's mapping table is the
 * one generated from it, and the runtime extractor reads the same paths.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  ALL_RESULT_KINDS,
  CLIENT_METHODS,
  RESULT_KINDS,
  clientMethodOf,
  kindOfSdkType,
  renderRead,
  restKindOf,
  withoutCasts,
} from '../src/engine/result-kinds.js';
import { withMappingTable } from '../src/engine/result-kinds-table.js';
import { OPTIONAL_FIELD_NAMES, RECONCILIATION_FIELD_NAMES } from '../src/schema/fields.js';
import { extractReconciliationFields } from '../src/tracking/extract.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

describe('result kinds', () => {
  it('every kind has a unique id and names at least one fixture, each of which exists with an input file', () => {
    const ids = ALL_RESULT_KINDS.map((k) => k.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const kind of ALL_RESULT_KINDS) {
      expect(kind.fixtures?.length ?? 0, kind.id).toBeGreaterThan(0);
      for (const name of kind.fixtures ?? []) {
        const dir = path.join(repoRoot, 'fixtures', name);
        expect(existsSync(dir), `${kind.id}: fixtures/${name}`).toBe(true);
        expect(
          readdirSync(dir).some((f) => /^input\.[cm]?[jt]sx?$/.test(f)),
          `${kind.id}: fixtures/${name}/input.*`,
        ).toBe(true);
      }
    }
  });

  it('every kind reads the three fields (a reader or null) and every path is a property path', () => {
    for (const kind of ALL_RESULT_KINDS) {
      for (const field of RECONCILIATION_FIELD_NAMES)
        expect(kind.fields[field], `${kind.id}.${field}`).not.toBeUndefined();
      for (const reader of Object.values(kind.fields)) {
        if (reader) expect(reader.path, kind.id).toMatch(/^[A-Za-z_$][\w$]*(\??\.[A-Za-z_$][\w$]*)*$/);
      }
    }
  });

  it('a client method matches the longest path that is its tail, whatever the table order', () => {
    expect(clientMethodOf(['openai', 'chat', 'completions', 'create'])?.kind).toBe(RESULT_KINDS.chatCompletion);
    expect(clientMethodOf(['openai', 'completions', 'create'])?.kind).toBe(RESULT_KINDS.completion);
    expect(clientMethodOf(['openai', 'beta', 'chat', 'completions', 'parse'])?.kind).toBe(RESULT_KINDS.chatCompletion);
    expect(clientMethodOf(['openai', 'chat', 'create'])).toBeUndefined();
    // Every pair where one path is the other's tail: the longer comes first in the list that is searched.
    for (const [i, a] of CLIENT_METHODS.entries()) {
      for (const [j, b] of CLIENT_METHODS.entries()) {
        const isTail =
          b.path.length > a.path.length && a.path.every((p, k) => b.path[b.path.length - a.path.length + k] === p);
        if (isTail) expect(j, `${b.path.join('.')} before ${a.path.join('.')}`).toBeLessThan(i);
      }
    }
  });

  it('REST URLs and SDK type names map to their kinds', () => {
    expect(restKindOf('https://api.openai.com/v1/chat/completions')).toBe(RESULT_KINDS.chatCompletion);
    expect(restKindOf('https://x.openai.azure.com/openai/deployments/d/chat/completions?api-version=1')).toBe(
      RESULT_KINDS.chatCompletion,
    );
    expect(restKindOf('https://api.openai.com/v1/completions')).toBe(RESULT_KINDS.completion);
    expect(restKindOf('https://api.openai.com/v1/responses')).toBe(RESULT_KINDS.response);
    expect(restKindOf('https://api.openai.com/v1/embeddings')).toBeUndefined();
    expect(kindOfSdkType({ name: 'ChatCompletion', module: 'openai' })).toBe(RESULT_KINDS.chatCompletion);
    expect(kindOfSdkType({ name: 'Response', module: 'openai/resources/responses/responses' })).toBe(
      RESULT_KINDS.response,
    );
    expect(kindOfSdkType({ name: 'Response', module: 'openai' })).toBeUndefined();
  });

  it('the engine renders each read from the path', () => {
    const { chatCompletion, aiResponse, chatCompletionV3, chatStreamCaptured } = RESULT_KINDS;
    expect(renderRead(chatCompletion.fields.openai_request_id, 'completion')).toBe('completion.id');
    expect(renderRead(chatCompletion.fields.cached_input_tokens, 'c', true)).toBe(
      'c?.usage?.prompt_tokens_details?.cached_tokens',
    );
    expect(renderRead(aiResponse.fields.openai_created, 'r')).toBe('Math.floor(r.timestamp.getTime() / 1000)');
    expect(renderRead(aiResponse.fields.openai_created, 'r', true)).toBe(
      '(r?.timestamp ? Math.floor(r.timestamp.getTime() / 1000) : undefined)',
    );
    expect(renderRead(chatCompletionV3.fields.system_fingerprint, 'res')).toBe(
      '(res.data as { system_fingerprint?: string }).system_fingerprint',
    );
    expect(renderRead(withoutCasts(chatCompletionV3).fields.system_fingerprint!, 'res', true)).toBe(
      'res?.data.system_fingerprint',
    );
    expect(renderRead(chatStreamCaptured.fields.openai_request_id, '')).toBe('openaiRequestId');
  });

  it("README's mapping table is the one generated from the table (npm run docs:kinds)", () => {
    const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
    const generated = withMappingTable(readme);
    expect(generated, 'README.md has the result-kinds markers').toBeDefined();
    expect(generated === readme, 'README.md mapping table is out of date: run `npm run docs:kinds`').toBe(true);
  });

  it('the runtime extractor reads every kind with body objects along the same paths', () => {
    const samples: Record<string, string | number> = {
      openai_request_id: 'id-1',
      openai_created: 1731763938,
      system_fingerprint: 'fp_1',
      openai_model: 'gpt-x-2025',
      cached_input_tokens: 7,
      service_tier: 'flex',
    };
    const kinds = ALL_RESULT_KINDS.filter((k) => k.recognise?.bodyObjects?.length);
    expect(kinds.length).toBeGreaterThan(0);
    for (const kind of kinds) {
      for (const object of kind.recognise!.bodyObjects!) {
        const body: Record<string, unknown> = { object };
        for (const [field, reader] of Object.entries(kind.fields)) {
          if (!reader) continue;
          const keys = reader.path.split(/\??\./);
          let at = body;
          for (const key of keys.slice(0, -1)) at = (at[key] ??= {}) as Record<string, unknown>;
          at[keys.at(-1)!] = samples[field];
        }
        const expected = Object.fromEntries(
          [...RECONCILIATION_FIELD_NAMES, ...OPTIONAL_FIELD_NAMES].map((f) => [f, kind.fields[f] ? samples[f] : null]),
        );
        expect(extractReconciliationFields(body, { optionalFields: true }), `${kind.id} (${object})`).toEqual(expected);
      }
    }
  });
});
