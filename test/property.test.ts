/**
 * Property tests (fast-check, 100 cases a run, a new seed each run; the seed and the shrunk counterexample are printed on
 * failure; set FC_SEED to replay, FC_RUNS for more cases). Generated files: an OpenAI chat completion in scope and one or two tracking calls with a random
 * subset and order of ordinary fields and of the three reconciliation fields, comments (line and block, leading and
 * trailing), a trailing comma or not, one-line or multi-line literals, nested `metadata` objects (which may hold a
 * property named like a reconciliation field), CRLF or LF, and call forms `await`, `void`, `.catch(() => {})`,
 * `return`, inside `Promise.all([...])`. For every file, the engine (with the CLI's disk host):
 *  - completes every call (none is left manual: the completion is in scope);
 *  - its output parses, keeps every original token in order and every comment, and has each reconciliation field
 *    exactly once at the top level of every call's object literal;
 *  - a second run is a no-op;
 *  - keeps the line endings: a CRLF file has no bare LF, an LF file gains no CR;
 *  - and the lint rule (recon/require-reconciliation-fields, through ESLint's Linter) reports exactly the calls the
 *    codemod did not find complete before it ran, and none after.
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Linter } from 'eslint';
import fc from 'fast-check';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { addReconciliationFields } from '../codemods/add-reconciliation-fields.js';
import recon from '../eslint-plugin/index.js';
import type { FilePlan } from '../src/engine/types.js';
import { createNodeHost, toPosix } from '../src/node-host.js';
import { REPO } from './helpers.js';

const NUM_RUNS = process.env.FC_RUNS ? Number(process.env.FC_RUNS) : 100;
const RECON = ['openai_request_id', 'openai_created', 'system_fingerprint'] as const;
const RECON_VALUE: Record<(typeof RECON)[number], string> = {
  openai_request_id: 'completion.id',
  openai_created: 'completion.created',
  system_fingerprint: 'completion.system_fingerprint',
};
const ORDINARY: Array<[string, string]> = [
  ['user_id', 'userId'],
  ['action_type', "'prop_test'"],
  ['model_used', 'completion.model'],
  ['tokens_used', 'completion.usage?.total_tokens ?? 0'],
  ['input_tokens', 'completion.usage?.prompt_tokens ?? 0'],
  ['output_tokens', 'completion.usage?.completion_tokens ?? 0'],
  ['success', 'SHORTHAND_OR_VALUE'],
  ['metadata', 'NESTED'],
];

// A directory with the tracker's declared type, so the engine and the rule read it from disk as the CLI does.
const dir = mkdtempSync(join(tmpdir(), 'recon-property-'));
cpSync(join(REPO, 'fixtures', 'chat-completion', 'tracking.ts'), join(dir, 'tracking.ts'));
const FILE = join(dir, 'input.ts');
const host = createNodeHost(dir);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Nested = { kind: 'leaf'; text: string } | { kind: 'object'; entries: Array<[string, Nested]> };
const nested: fc.Arbitrary<Nested> = fc.letrec<{ node: Nested }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom<Nested>(
      { kind: 'leaf', text: '1' },
      { kind: 'leaf', text: "'x'" },
      { kind: 'leaf', text: 'completion.choices.length' },
      { kind: 'leaf', text: '[1, 2]' },
    ),
    fc
      .array(
        fc.tuple(
          fc.constantFrom('a', 'count', 'inner', 'openai_request_id', 'system_fingerprint', 'tags'),
          tie('node'),
        ),
        { maxLength: 3 },
      )
      .map((entries): Nested => ({ kind: 'object', entries: dedupe(entries) })),
  ),
})).node;

function dedupe<T>(entries: Array<[string, T]>): Array<[string, T]> {
  const seen = new Set<string>();
  return entries.filter(([k]) => (seen.has(k) ? false : (seen.add(k), true)));
}

function renderNested(n: Nested): string {
  if (n.kind === 'leaf') return n.text;
  return `{ ${n.entries.map(([k, v]) => `${k}: ${renderNested(v)}`).join(', ')} }`;
}

const comment = fc.option(fc.constantFrom('line', 'block'), { nil: undefined });
const property = fc.record({
  leading: comment,
  trailing: comment,
  shorthand: fc.boolean(),
  nested,
});

const call = fc.record({
  ordinary: fc.subarray(ORDINARY.map(([k]) => k)),
  recon: fc.subarray([...RECON]),
  order: fc.array(fc.nat(), { minLength: 11, maxLength: 11 }),
  props: fc.array(property, { minLength: 11, maxLength: 11 }),
  trailingComma: fc.boolean(),
  oneLine: fc.boolean(),
  form: fc.constantFrom('await', 'void', 'catch', 'return', 'promise-all'),
});

const file = fc.record({
  calls: fc.array(call, { minLength: 1, maxLength: 2 }),
  crlf: fc.boolean(),
});

type GenFile = typeof file extends fc.Arbitrary<infer T> ? T : never;

/** Render a generated file; also returns every comment marker it wrote (in order). */
function render(f: GenFile): { text: string; comments: string[] } {
  let n = 0;
  const comments: string[] = [];
  const mark = (kind: 'line' | 'block') => {
    const id = `c${n++}`;
    const text = kind === 'line' ? `// ${id}` : `/* ${id} */`;
    comments.push(text);
    return text;
  };
  const body: string[] = [];
  f.calls.forEach((c, ci) => {
    const keys = [...c.ordinary, ...c.recon];
    // A random permutation, from the generated sort keys.
    const order = keys
      .map((k, i) => ({ k, w: c.order[i] }))
      .sort((a, b) => a.w - b.w)
      .map((x) => x.k);
    const parts = order.map((key, i) => {
      const p = c.props[i];
      let text: string;
      if (key === 'success') text = p.shorthand ? 'success' : 'success: success';
      else if (key === 'metadata')
        text = `metadata: ${renderNested(p.nested.kind === 'object' ? p.nested : { kind: 'object', entries: [['a', p.nested]] })}`;
      else text = `${key}: ${(RECON_VALUE as Record<string, string>)[key] ?? ORDINARY.find(([k]) => k === key)![1]}`;
      // In a one-line literal only block comments keep the code on one line.
      const leadingKind = p.leading && (c.oneLine ? 'block' : p.leading);
      const trailingKind = p.trailing && (c.oneLine ? 'block' : p.trailing);
      const leading = leadingKind ? mark(leadingKind) : undefined;
      const trailing = trailingKind ? mark(trailingKind) : undefined;
      return { leading, leadingKind, text, trailing };
    });
    const comma = (i: number) => (i < parts.length - 1 || c.trailingComma ? ',' : '');
    let literal: string;
    if (parts.length === 0) literal = '{}';
    else if (c.oneLine)
      literal = `{ ${parts.map((p, i) => `${p.leading ? `${p.leading} ` : ''}${p.text}${comma(i)}${p.trailing ? ` ${p.trailing}` : ''}`).join(' ')} }`;
    else {
      const lines = parts.flatMap((p, i) => {
        const line = `${p.text}${comma(i)}${p.trailing ? ` ${p.trailing}` : ''}`;
        if (p.leadingKind === 'line') return [`    ${p.leading}`, `    ${line}`];
        return [`    ${p.leading ? `${p.leading} ` : ''}${line}`];
      });
      literal = `{\n${lines.join('\n')}\n  }`;
    }
    const form = c.form === 'return' && ci !== f.calls.length - 1 ? 'await' : c.form;
    const expr = `trackTokenUsage(${literal})`;
    body.push(
      form === 'await'
        ? `  await ${expr};`
        : form === 'void'
          ? `  void ${expr};`
          : form === 'catch'
            ? `  ${expr}.catch(() => {});`
            : form === 'return'
              ? `  return ${expr};`
              : `  await Promise.all([${expr}, Promise.resolve()]);`,
    );
  });
  const text = [
    `import OpenAI from 'openai';`,
    `import { trackTokenUsage } from './tracking';`,
    ``,
    `const client = new OpenAI({ apiKey: process.env.OPENAI_API_KEY });`,
    ``,
    `export async function handler(userId: string) {`,
    `  const completion = await client.chat.completions.create({`,
    `    model: 'gpt-4o',`,
    `    messages: [{ role: 'user', content: 'hello' }],`,
    `  });`,
    `  const success = completion.choices.length > 0;`,
    ...body,
    `}`,
    ``,
  ].join('\n');
  return { text: f.crlf ? text.replace(/\n/g, '\r\n') : text, comments };
}

function plan(text: string): FilePlan {
  return addReconciliationFields([{ path: toPosix(FILE), text }], {
    readFile: host.readFile,
    pathAliases: host.pathAliases,
  }).files[0];
}

function parseErrors(text: string): string[] {
  const sf = ts.createSourceFile(FILE, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  return ((sf as unknown as { parseDiagnostics?: ts.Diagnostic[] }).parseDiagnostics ?? []).map((d) =>
    ts.flattenDiagnosticMessageText(d.messageText, '\n'),
  );
}

/** Non-trivia tokens and comments, in order, by TypeScript's scanner. */
function scan(text: string): { tokens: string[]; comments: string[] } {
  const scanner = ts.createScanner(ts.ScriptTarget.Latest, false, ts.LanguageVariant.Standard, text);
  const tokens: string[] = [];
  const comments: string[] = [];
  for (let kind = scanner.scan(); kind !== ts.SyntaxKind.EndOfFileToken; kind = scanner.scan()) {
    if (kind === ts.SyntaxKind.SingleLineCommentTrivia || kind === ts.SyntaxKind.MultiLineCommentTrivia)
      comments.push(scanner.getTokenText());
    else if (kind !== ts.SyntaxKind.WhitespaceTrivia && kind !== ts.SyntaxKind.NewLineTrivia)
      tokens.push(scanner.getTokenText());
  }
  return { tokens, comments };
}

function isSubsequence(small: string[], big: string[]): boolean {
  let i = 0;
  for (const t of big) if (i < small.length && t === small[i]) i++;
  return i === small.length;
}

/** Top-level property names of every trackTokenUsage(...) object literal, in call order. */
function callProperties(text: string): string[][] {
  const sf = ts.createSourceFile(FILE, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const out: string[][] = [];
  const visit = (node: ts.Node) => {
    if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'trackTokenUsage') {
      const arg = node.arguments[0];
      out.push(
        arg && ts.isObjectLiteralExpression(arg)
          ? arg.properties.map((p) => (p.name && ts.isIdentifier(p.name) ? p.name.text : '?'))
          : [],
      );
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

const linter = new Linter({ configType: 'flat', cwd: dir });
const lintConfig = [{ ...(recon.configs.recommended as Linter.Config), files: ['**/*.ts'] }];
function lintReports(text: string): Array<{ line: number; column: number }> {
  return linter
    .verify(text, lintConfig, { filename: FILE })
    .filter((m) => m.ruleId === 'recon/require-reconciliation-fields')
    .map((m) => ({ line: m.line, column: m.column }));
}

describe('property: generated tracking calls', () => {
  it(`${NUM_RUNS} generated files: complete, parseable, lossless, idempotent, line endings kept, lint agrees`, () => {
    const seed = process.env.FC_SEED ? Number(process.env.FC_SEED) : undefined;
    fc.assert(
      fc.property(file, (f) => {
        const { text, comments } = render(f);
        const before = scan(text);
        // The generator is valid TypeScript and wrote every comment it meant to.
        expect(parseErrors(text), text).toEqual([]);
        expect(before.comments).toEqual(comments);

        const first = plan(text);
        const where = `${text}\n---\n${JSON.stringify(
          first.calls.map((c) => ({ line: c.line, status: c.status, reason: c.reason })),
          null,
          1,
        )}`;
        expect(first.status, where).not.toBe('error');
        expect(
          first.calls.map((c) => c.status),
          where,
        ).toEqual(f.calls.map((c) => (c.recon.length === 3 ? 'complete' : 'updated')));
        const output = first.output ?? text;
        expect(first.output === undefined, where).toBe(f.calls.every((c) => c.recon.length === 3));

        // Parses; nothing lost: every original token in order, every comment, exactly once each.
        expect(parseErrors(output), output).toEqual([]);
        const after = scan(output);
        expect(isSubsequence(before.tokens, after.tokens), output).toBe(true);
        expect(after.comments, output).toEqual(before.comments);
        for (const props of callProperties(output)) {
          for (const field of RECON) expect(props.filter((p) => p === field).length, output).toBe(1);
        }
        expect(callProperties(output).map((p) => p.length)).toEqual(f.calls.map((c) => c.ordinary.length + 3));

        // Line endings.
        if (f.crlf) expect(/(?<!\r)\n/.test(output), output).toBe(false);
        else expect(output.includes('\r'), output).toBe(false);

        // A second run is a no-op.
        const second = plan(output);
        expect(second.status, output).toBe('unchanged');
        expect(
          second.calls.every((c) => c.status === 'complete'),
          output,
        ).toBe(true);

        // The lint rule reports exactly the calls the codemod did not find complete; none after it ran.
        expect(lintReports(text)).toEqual(
          first.calls.filter((c) => c.status !== 'complete').map((c) => ({ line: c.line, column: c.column })),
        );
        expect(lintReports(output), output).toEqual([]);
      }),
      { numRuns: NUM_RUNS, seed },
    );
  });
});
