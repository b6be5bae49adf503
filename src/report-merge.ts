/**
 * `recon-codemod report merge`: one view over many repositories' JSON reports (the codemod's `--json`). Pure: it takes
 * the parsed reports and returns the merged model, its JSON and its Markdown; the command reads and writes the files.
 */
import { WHAT_TO_DO } from './report.js';

/** The merged report's own version: bumped on any change a reader of the JSON would notice (a key renamed or removed). */
export const MERGED_SCHEMA_VERSION = 1;
/** The codemod report versions this merge reads. */
export const READABLE_REPORT_VERSIONS = [1];

/** A report that cannot be merged: the command names `file` and writes nothing. */
export class MergeInputError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
  }
}

/** One input: the parsed JSON of a codemod report, the file it came from, and the label given as `name=file`, if any. */
export interface MergeInput {
  file: string;
  label?: string;
  json: unknown;
}

/** Before: calls already complete. After: complete once the report's updates are applied. Left: manual calls. */
export interface Coverage {
  calls: number;
  before: number;
  after: number;
  left: number;
}

export interface MergedRepo extends Coverage {
  label: string;
  /** The report file, as given. */
  report: string;
  /** The directory the report's paths are relative to, when the report says. */
  root?: string;
  files: number;
  changed: number;
  errors: number;
  /** Manual calls marked with a `// recon-codemod:` comment; null when the report does not say. */
  acknowledged: number | null;
  /** Per package (a monorepo run), when the report's calls name their package. */
  packages?: Array<Coverage & { package: string }>;
}

export interface MergedManualCall {
  repo: string;
  package?: string;
  path: string;
  line: number;
  column: number;
  callee: string;
  reason: string;
  acknowledged?: boolean;
}

export interface MergedReport {
  schemaVersion: typeof MERGED_SCHEMA_VERSION;
  kind: 'recon-codemod-merged-report';
  repos: MergedRepo[];
  /** Manual calls by reason code, the most frequent first. */
  manual: Array<{ reasonCode: string; calls: number; repos: string[]; items: MergedManualCall[] }>;
  errors: Array<{ repo: string; path: string; error: string }>;
  totals: Coverage & { repos: number; files: number; changed: number; errors: number; acknowledged: number };
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;
const CALL_STATUSES = ['updated', 'complete', 'manual'];

interface ReadCall {
  path: string;
  line: number;
  column: number;
  callee: string;
  status: string;
  reasonCode?: string;
  reason?: string;
  package?: string;
  acknowledged?: boolean;
}

/** Check one parsed report and read what the merge needs; throws MergeInputError naming the file and the problem. */
function readReport(input: MergeInput) {
  const { file, json } = input;
  const fail = (message: string): never => {
    throw new MergeInputError(file, message);
  };
  if (!isObject(json))
    return fail('not a recon-codemod report (expected a JSON object with "version", "files" and "summary")');
  if ('schemaVersion' in json && 'repos' in json)
    return fail("a merged report, not a codemod report: merge the repositories' own --json reports");
  if (!('version' in json) || !('files' in json) || !('summary' in json)) {
    return fail(
      'not a recon-codemod report (expected a JSON object with "version", "files" and "summary", as `recon-codemod --json FILE` writes)',
    );
  }
  if (!READABLE_REPORT_VERSIONS.includes(json.version as number)) {
    return fail(
      `report version ${JSON.stringify(json.version)}: this recon-codemod reads version ${READABLE_REPORT_VERSIONS.join(', ')} (use the recon-codemod that wrote it, or a newer one)`,
    );
  }
  const summary = json.summary;
  if (!isObject(summary) || !isCount(summary.files)) return fail('"summary.files" is missing or not a count');
  if (!Array.isArray(json.files)) return fail('"files" is not an array');
  const calls: ReadCall[] = [];
  const errors: Array<{ path: string; error: string }> = [];
  let changed = 0;
  let flagged = false;
  for (const [i, f] of json.files.entries()) {
    const at = `files[${i}]`;
    if (!isObject(f) || typeof f.path !== 'string' || typeof f.status !== 'string' || !Array.isArray(f.calls)) {
      return fail(`${at} is not a file entry ({ "path", "status", "calls" })`);
    }
    if (f.status === 'changed') changed++;
    if (f.status === 'error') errors.push({ path: f.path, error: typeof f.error === 'string' ? f.error : 'error' });
    for (const [j, c] of f.calls.entries()) {
      const here = `${at}.calls[${j}] (${f.path})`;
      if (
        !isObject(c) ||
        !isCount(c.line) ||
        !isCount(c.column) ||
        typeof c.callee !== 'string' ||
        typeof c.status !== 'string'
      ) {
        return fail(`${here} is not a call entry ({ "line", "column", "callee", "status" })`);
      }
      if (!CALL_STATUSES.includes(c.status))
        return fail(`${here} has status ${JSON.stringify(c.status)} (expected ${CALL_STATUSES.join(', ')})`);
      const call: ReadCall = { path: f.path, line: c.line, column: c.column, callee: c.callee, status: c.status };
      // The code is `reasonCode` when the report has one, else the stable prefix of `reason` (`no-source: …`).
      if (typeof c.reason === 'string') {
        const prefixed = /^([a-z][a-z0-9-]*): ([\s\S]*)$/.exec(c.reason);
        call.reasonCode = typeof c.reasonCode === 'string' ? c.reasonCode : prefixed?.[1];
        call.reason =
          prefixed && (typeof c.reasonCode !== 'string' || c.reasonCode === prefixed[1]) ? prefixed[2] : c.reason;
      }
      if (typeof c.package === 'string') call.package = c.package;
      if ('acknowledged' in c) flagged = true;
      if (c.acknowledged === true) call.acknowledged = true;
      calls.push(call);
    }
  }
  const acknowledged = isCount(summary.acknowledged)
    ? summary.acknowledged
    : flagged
      ? calls.filter((c) => c.acknowledged).length
      : null;
  return {
    root: typeof json.root === 'string' ? json.root : undefined,
    files: summary.files,
    changed,
    calls,
    errors,
    acknowledged,
  };
}

function coverage(calls: readonly ReadCall[]): Coverage {
  const complete = calls.filter((c) => c.status === 'complete').length;
  const updated = calls.filter((c) => c.status === 'updated').length;
  return { calls: calls.length, before: complete, after: complete + updated, left: calls.length - complete - updated };
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The label a file gets without `name=`: its name without `.json`. */
export function defaultLabel(file: string): string {
  return file
    .replace(/\\/g, '/')
    .split('/')
    .pop()!
    .replace(/\.json$/i, '');
}

/**
 * Merge parsed reports. Labels are `name=` when given, else the file's name without `.json`; two reports with one
 * label are an error (never two repositories silently counted as one). Repositories are sorted by label, so the
 * output does not depend on the order of the arguments.
 */
export function mergeReports(inputs: readonly MergeInput[]): MergedReport {
  if (inputs.length === 0) throw new MergeInputError('report merge', 'no reports given');
  const read = inputs.map((input) => ({
    input,
    label: input.label ?? defaultLabel(input.file),
    report: readReport(input),
  }));
  const byLabel = new Map<string, string>();
  for (const r of read) {
    if (!r.label) throw new MergeInputError(r.input.file, 'empty label: give one as name=FILE');
    const other = byLabel.get(r.label);
    if (other !== undefined) {
      throw new MergeInputError(
        r.input.file,
        `labelled \`${r.label}\` like ${other}: name each repository (e.g. ${r.label}-2=${r.input.file})`,
      );
    }
    byLabel.set(r.label, r.input.file);
  }
  read.sort((a, b) => compare(a.label, b.label));

  const repos: MergedRepo[] = read.map(({ input, label, report }) => {
    const packageNames = [...new Set(report.calls.flatMap((c) => (c.package === undefined ? [] : [c.package])))].sort(
      compare,
    );
    return {
      label,
      report: input.file,
      ...(report.root !== undefined ? { root: report.root } : {}),
      files: report.files,
      changed: report.changed,
      errors: report.errors.length,
      ...coverage(report.calls),
      acknowledged: report.acknowledged,
      ...(packageNames.length
        ? {
            packages: packageNames.map((p) => ({
              package: p,
              ...coverage(report.calls.filter((c) => c.package === p)),
            })),
          }
        : {}),
    };
  });

  const groups = new Map<string, MergedManualCall[]>();
  for (const { label, report } of read) {
    for (const c of report.calls) {
      if (c.status !== 'manual') continue;
      const code = c.reasonCode ?? 'other';
      const item: MergedManualCall = {
        repo: label,
        ...(c.package !== undefined ? { package: c.package } : {}),
        path: c.path,
        line: c.line,
        column: c.column,
        callee: c.callee,
        reason: c.reason ?? '',
        ...(c.acknowledged ? { acknowledged: true } : {}),
      };
      groups.set(code, [...(groups.get(code) ?? []), item]);
    }
  }
  const manual = [...groups]
    .map(([reasonCode, items]) => ({
      reasonCode,
      calls: items.length,
      repos: [...new Set(items.map((i) => i.repo))],
      items,
    }))
    .sort((a, b) => b.calls - a.calls || compare(a.reasonCode, b.reasonCode));

  const sum = (key: 'files' | 'changed' | 'errors' | 'calls' | 'before' | 'after' | 'left') =>
    repos.reduce((n, r) => n + r[key], 0);
  return {
    schemaVersion: MERGED_SCHEMA_VERSION,
    kind: 'recon-codemod-merged-report',
    repos,
    manual,
    errors: read.flatMap(({ label, report }) => report.errors.map((e) => ({ repo: label, ...e }))),
    totals: {
      repos: repos.length,
      files: sum('files'),
      changed: sum('changed'),
      errors: sum('errors'),
      calls: sum('calls'),
      before: sum('before'),
      after: sum('after'),
      left: sum('left'),
      acknowledged: repos.reduce((n, r) => n + (r.acknowledged ?? 0), 0),
    },
  };
}

export function renderMergedJson(merged: MergedReport): string {
  return `${JSON.stringify(merged, null, 2)}\n`;
}

const percent = (n: number, of: number) => (of === 0 ? '' : ` (${Math.round((n / of) * 100)}%)`);
const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;
const repositories = (n: number) => `${n} ${n === 1 ? 'repository' : 'repositories'}`;

export function renderMergedMarkdown(merged: MergedReport, options: { title?: string } = {}): string {
  const t = merged.totals;
  const lines: string[] = [];
  lines.push(`# ${options.title ?? `recon-codemod: the migration across ${repositories(t.repos)}`}`, '');
  lines.push(
    `**${plural(t.calls, 'tracking call')}** in ${repositories(t.repos)}: ` +
      `${t.before} complete before${percent(t.before, t.calls)}, ${t.after} once the edits are applied${percent(t.after, t.calls)}, ` +
      `**${t.left} left for a person**${t.acknowledged ? ` (${t.acknowledged} marked with a \`// recon-codemod:\` comment)` : ''}` +
      `${t.errors ? `; ${plural(t.errors, 'file')} not processed` : ''}.`,
    '',
  );
  lines.push(
    '"After" counts the calls complete once each report\'s updates are applied: already applied for a report written by `--write`, planned for a dry run.',
    '',
  );

  lines.push('## Coverage per repository', '');
  lines.push('| repository | files scanned | files changed | calls | before | after | left | files with errors |');
  lines.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of merged.repos) {
    const left = `${r.left}${r.acknowledged ? ` (${r.acknowledged} marked)` : ''}`;
    lines.push(
      `| \`${cell(r.label)}\` | ${r.files} | ${r.changed} | ${r.calls} | ${r.before}${percent(r.before, r.calls)} | ${r.after}${percent(r.after, r.calls)} | ${left} | ${r.errors} |`,
    );
    for (const p of r.packages ?? []) {
      lines.push(
        `| \`${cell(r.label)}\` › \`${cell(p.package)}\` |  |  | ${p.calls} | ${p.before}${percent(p.before, p.calls)} | ${p.after}${percent(p.after, p.calls)} | ${p.left} |  |`,
      );
    }
  }
  lines.push(
    `| **total** | ${t.files} | ${t.changed} | ${t.calls} | ${t.before}${percent(t.before, t.calls)} | ${t.after}${percent(t.after, t.calls)} | ${t.left} | ${t.errors} |`,
    '',
  );

  if (merged.manual.length) {
    lines.push(`## Left for a person, by reason (${t.left})`, '');
    lines.push('| reason | calls | repositories |', '| --- | ---: | --- |');
    for (const g of merged.manual)
      lines.push(`| \`${g.reasonCode}\` | ${g.calls} | ${g.repos.map((r) => `\`${cell(r)}\``).join(', ')} |`);
    lines.push('');
    for (const g of merged.manual) {
      lines.push(`### \`${g.reasonCode}\` (${g.calls} in ${repositories(g.repos.length)})`, '');
      if (WHAT_TO_DO[g.reasonCode]) lines.push(`What to do: ${WHAT_TO_DO[g.reasonCode]}`, '');
      const items = [...g.items].sort(
        (a, b) => compare(a.repo, b.repo) || compare(a.path, b.path) || a.line - b.line || a.column - b.column,
      );
      for (const c of items) {
        lines.push(
          `- \`${c.repo}\` \`${c.path}:${c.line}:${c.column}\` \`${c.callee}(…)\`: ${cell(c.reason)}${c.acknowledged ? ' _(marked with a `// recon-codemod:` comment)_' : ''}`,
        );
      }
      lines.push('');
    }
  }

  if (merged.errors.length) {
    lines.push(
      `## Files not processed (${merged.errors.length})`,
      '',
      "Each was left byte-identical; see the repository's own report.",
      '',
    );
    for (const e of merged.errors) lines.push(`- \`${e.repo}\` \`${e.path}\`: ${cell(e.error)}`);
    lines.push('');
  }
  return lines.join('\n');
}
