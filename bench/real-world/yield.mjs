#!/usr/bin/env node
/**
 * Real-code yield: re-runs the built tool (bin/recon-codemod.js, which imports dist/) over checkouts of the public
 * apps listed in corpus.json and compares every tracking call with its hand classification.
 *
 *   npm run yield -- DIR [--corpus FILE] [--json FILE] [--repo owner/name]...
 *
 * DIR holds one checkout per repo, named `<owner>__<name>` (see README.md in this folder). Each call of the corpus is
 * one of:
 *   correct edit    the tool edited it with the expected value for every field
 *   wrong edit      the tool edited it, but a value differs, or the right outcome was manual
 *   manual-correct  the tool left it manual, and manual is right
 *   manual-missed   the tool left it manual, but the right edit is certain
 *   not found       the tool did not report the call at all
 *   complete        the tool reports it already complete
 * yield = correct edits / calls whose right edit is certain. "openai yield" counts only calls whose certain edit
 * takes values from an OpenAI result (provider "other" — Gemini, Anthropic, Ollama… where the certain value is null —
 * is left out). Exits 1 if any edit is wrong, 2 on bad usage.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..', '..');
const BIN = join(ROOT, 'bin', 'recon-codemod.js');
const FIELDS = ['openai_request_id', 'openai_created', 'system_fingerprint'];
/** How far (in lines) a reported call may be from the corpus line: the tool reports the callee's line, a person may
 * have noted the line of the object or of an `await` above it. */
export const LINE_TOLERANCE = 3;

export const OUTCOMES = ['correct', 'wrong', 'manualCorrect', 'manualMissed', 'notFound', 'complete'];

/** Normalise a field expression for comparison: no whitespace, no trailing semicolon, `?.` read as `.` (the value
 * is the same whenever the result exists, which is when there is an id to record). */
export function normalizeExpr(s) {
  return String(s)
    .replace(/\s+/g, '')
    .replace(/;$/, '')
    .replace(/\?\.(?=[A-Za-z_$])/g, '.');
}

/** Does the tool's value satisfy the expected one? `"null"` in the corpus means "none": null or undefined. */
export function valueMatches(expected, actual) {
  const alternatives = Array.isArray(expected) ? expected : [expected];
  const a = normalizeExpr(actual);
  return alternatives.some((e) => {
    const n = normalizeExpr(e);
    if (n === 'null' || n === 'undefined') return a === 'null' || a === 'undefined';
    return n === a;
  });
}

/**
 * Pair expected calls with reported calls: same file, nearest line within LINE_TOLERANCE, same callee preferred.
 * Each reported call is used once. Returns [{ expected, actual | undefined }] and the reported calls left over.
 */
export function matchCalls(expectedCalls, reportedCalls) {
  const used = new Set();
  const pairs = [];
  const order = expectedCalls.map((e, i) => ({ e, i }));
  // Exact lines first, so a near miss never steals another call's exact match.
  const result = new Array(expectedCalls.length);
  for (const pass of ['exact', 'near']) {
    for (const { e, i } of order) {
      if (result[i]) continue;
      let best;
      let bestScore = Infinity;
      reportedCalls.forEach((r, j) => {
        if (used.has(j) || r.file !== e.file) return;
        const d = Math.abs(r.line - e.line);
        if (pass === 'exact' ? d !== 0 : d > LINE_TOLERANCE) return;
        const score = d * 2 + (r.callee === e.callee ? 0 : 1);
        if (score < bestScore) {
          bestScore = score;
          best = j;
        }
      });
      if (best !== undefined) {
        used.add(best);
        result[i] = { expected: e, actual: reportedCalls[best] };
      }
    }
  }
  for (const { e, i } of order) pairs.push(result[i] ?? { expected: e, actual: undefined });
  const extra = reportedCalls.filter((_, j) => !used.has(j));
  return { pairs, extra };
}

/** Outcome of one expected call given the reported call (or undefined). */
export function classifyCall(expected, actual) {
  const wantsEdit = expected.expected !== 'manual';
  if (!actual) return { outcome: 'notFound' };
  if (actual.status === 'complete') return { outcome: 'complete' };
  if (actual.status === 'manual') {
    const reason = actual.reasonCode ?? String(actual.reason ?? '').split(':')[0];
    return { outcome: wantsEdit ? 'manualMissed' : 'manualCorrect', reason };
  }
  if (actual.status === 'updated') {
    if (!wantsEdit) return { outcome: 'wrong', detail: 'edited, but the right outcome is manual' };
    const added = actual.added ?? {};
    const diffs = [];
    for (const f of FIELDS) {
      if (!(f in added)) continue; // a field already present at the call is not the tool's doing
      if (!valueMatches(expected.expected[f], added[f]))
        diffs.push(`${f}: ${added[f]} (expected ${expected.expected[f]})`);
    }
    if (Object.keys(added).filter((k) => FIELDS.includes(k)).length === 0) diffs.push('no field added');
    return diffs.length ? { outcome: 'wrong', detail: diffs.join('; ') } : { outcome: 'correct' };
  }
  return { outcome: 'notFound', detail: `unknown status ${actual.status}` };
}

/** Flatten a recon-codemod JSON report into [{ file, line, callee, status, added, reason, reasonCode }]. */
export function reportedCallsOf(report) {
  const calls = [];
  const errors = [];
  for (const f of report.files ?? []) {
    if (f.status === 'error') errors.push({ file: f.path, error: f.error });
    for (const c of f.calls ?? []) calls.push({ file: f.path, ...c });
  }
  return { calls, errors };
}

/** Classify every call of one corpus repo against one report. */
export function classifyRepo(repoEntry, report) {
  const { calls, errors } = reportedCallsOf(report);
  const { pairs, extra } = matchCalls(repoEntry.calls, calls);
  const counts = Object.fromEntries(OUTCOMES.map((o) => [o, 0]));
  let certain = 0;
  let certainOpenai = 0;
  let correctOpenai = 0;
  const rows = pairs.map(({ expected, actual }) => {
    const c = classifyCall(expected, actual);
    counts[c.outcome]++;
    const wantsEdit = expected.expected !== 'manual';
    const openai = wantsEdit && expected.provider !== 'other';
    if (wantsEdit) certain++;
    if (openai) certainOpenai++;
    if (openai && c.outcome === 'correct') correctOpenai++;
    return { file: expected.file, line: expected.line, shape: expected.shape, ...c };
  });
  return {
    repo: repoEntry.repo,
    calls: repoEntry.calls.length,
    ...counts,
    certain,
    certainOpenai,
    correctOpenai,
    rows,
    extra: extra.map((e) => ({ file: e.file, line: e.line, callee: e.callee, status: e.status })),
    errors,
  };
}

/** Sum per-repo results into a total row. */
export function total(results) {
  const t = { repo: 'TOTAL', calls: 0, certain: 0, certainOpenai: 0, correctOpenai: 0 };
  for (const o of OUTCOMES) t[o] = 0;
  for (const r of results) for (const k of Object.keys(t)) if (k !== 'repo') t[k] += r[k];
  return t;
}

const pct = (a, b) => (b === 0 ? '—' : `${((100 * a) / b).toFixed(0)} %`);

export function formatTable(results) {
  const head = [
    'repo',
    'calls',
    'correct',
    'wrong',
    'manual ok',
    'manual missed',
    'not found',
    'complete',
    'yield',
    'openai yield',
  ];
  const line = (r) =>
    [
      r.repo,
      r.calls,
      r.correct,
      r.wrong,
      r.manualCorrect,
      r.manualMissed,
      r.notFound,
      r.complete,
      `${pct(r.correct, r.certain)} (${r.correct}/${r.certain})`,
      `${pct(r.correctOpenai, r.certainOpenai)} (${r.correctOpenai}/${r.certainOpenai})`,
    ].map(String);
  const rows = [head, ...results.map(line), line(total(results))];
  const widths = head.map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const fmt = (r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [
    fmt(head),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...rows.slice(1, -1).map(fmt),
    widths.map((w) => '-'.repeat(w)).join('  '),
    fmt(rows.at(-1)),
  ].join('\n');
}

/** The commit a checkout is at: its git HEAD, or the `.corpus-commit` file the README's checkout command writes. */
function checkoutCommit(dir) {
  const marker = join(dir, '.corpus-commit');
  if (existsSync(marker)) return readFileSync(marker, 'utf8').trim();
  const git = spawnSync('git', ['-C', dir, 'rev-parse', 'HEAD'], { encoding: 'utf8' });
  return git.status === 0 ? git.stdout.trim() : undefined;
}

function runTool(dir, config) {
  const tmp = mkdtempSync(join(tmpdir(), 'recon-yield-'));
  try {
    const cfg = join(tmp, 'config.json');
    const out = join(tmp, 'report.json');
    writeFileSync(cfg, JSON.stringify(config));
    // Run in the checkout: the report's paths are relative to the working directory, as the corpus's are to the checkout.
    const r = spawnSync(process.execPath, [BIN, '.', '--json', out, '--config', cfg, '--quiet', '--no-color'], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1', CI: '1' },
      maxBuffer: 64 * 1024 * 1024,
    });
    if (!existsSync(out))
      throw new Error(`recon-codemod exited ${r.status} without a report: ${r.stderr.trim().slice(0, 500)}`);
    return JSON.parse(readFileSync(out, 'utf8'));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

function parseArgs(argv) {
  const opts = { corpus: join(HERE, 'corpus.json'), repos: [], json: undefined, dir: undefined, verbose: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--corpus') opts.corpus = argv[++i];
    else if (a === '--json') opts.json = argv[++i];
    else if (a === '--repo') opts.repos.push(argv[++i]);
    else if (a === '--verbose' || a === '-v') opts.verbose = true;
    else if (a === '-h' || a === '--help') opts.help = true;
    else if (a.startsWith('-')) throw new Error(`unknown option ${a}`);
    else if (!opts.dir) opts.dir = a;
    else throw new Error(`unexpected argument ${a}`);
  }
  return opts;
}

function main() {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(String(e.message));
    return 2;
  }
  if (opts.help || !opts.dir) {
    console.error('usage: npm run yield -- DIR [--corpus FILE] [--json FILE] [--repo owner/name]... [--verbose]');
    return opts.help ? 0 : 2;
  }
  if (!existsSync(join(ROOT, 'dist'))) {
    console.error('dist/ is missing: run `npm run build` first');
    return 2;
  }
  const corpus = JSON.parse(readFileSync(opts.corpus, 'utf8'));
  const results = [];
  for (const entry of corpus.repos) {
    if (opts.repos.length && !opts.repos.includes(entry.repo)) continue;
    const dir = join(resolve(opts.dir), entry.repo.replace('/', '__'));
    if (!existsSync(dir)) {
      console.warn(`warning: ${entry.repo}: no checkout at ${dir} (skipped)`);
      continue;
    }
    const at = checkoutCommit(dir);
    if (!at) console.warn(`warning: ${entry.repo}: cannot tell the checkout's commit (expected ${entry.commit})`);
    else if (at !== entry.commit)
      console.warn(`warning: ${entry.repo}: checkout is at ${at}, the corpus at ${entry.commit}`);
    const report = runTool(dir, entry.config);
    const r = classifyRepo(entry, report);
    results.push(r);
    for (const e of r.errors) console.warn(`warning: ${entry.repo}: ${e.file}: ${e.error}`);
    for (const x of r.extra)
      console.warn(
        `warning: ${entry.repo}: the tool reports a call the corpus does not list: ${x.file}:${x.line} (${x.status})`,
      );
  }
  if (results.length === 0) {
    console.error('no checkout found: nothing measured');
    return 2;
  }
  console.log(formatTable(results));
  const details = results.flatMap((r) =>
    r.rows
      .filter((row) => opts.verbose || !['correct', 'manualCorrect'].includes(row.outcome))
      .map((row) => ({ repo: r.repo, ...row })),
  );
  if (details.length) {
    console.log('');
    for (const d of details)
      console.log(
        `${d.outcome.padEnd(13)} ${d.repo} ${d.file}:${d.line} [${d.shape ?? ''}]${d.reason ? ` ${d.reason}` : ''}${d.detail ? ` — ${d.detail}` : ''}`,
      );
  }
  if (opts.json) writeFileSync(opts.json, JSON.stringify({ results, total: total(results) }, null, 2) + '\n');
  return results.some((r) => r.wrong > 0) ? 1 : 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) process.exitCode = main();
