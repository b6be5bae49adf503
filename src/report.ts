/**
 * Reports are renderings of the plan, never a second source of truth: the JSON for tools, the Markdown for reviewers.
 */
import type { FilePlan, SchemaPlan } from './engine/index.js';

export interface ReportCall {
  line: number;
  column: number;
  callee: string;
  status: 'updated' | 'complete' | 'manual';
  source?: string;
  added?: Record<string, string>;
  reason?: string;
  reasonCode?: string;
  notes?: string[];
  /** Values already at the call that are wrong: what is there, what it should be (absent: nothing is certain), why. */
  suspect?: { prop: string; value: string; expected?: string; reason: string }[];
  acknowledged?: boolean;
}

export interface ReportFile {
  path: string;
  status: 'changed' | 'unchanged' | 'error';
  error?: string;
  calls: ReportCall[];
  /** The schema step's change to this file (Markdown only: the JSON keeps its documented shape). */
  schema?: SchemaPlan;
}

export interface Report {
  version: 1;
  files: ReportFile[];
  summary: { files: number; changed: number; calls: number; updated: number; complete: number; manual: number; errors: number };
}

/** Build the report from plans; `relativePath` maps an absolute path to the `/`-separated path under the target root. */
export function buildReport(plans: readonly FilePlan[], relativePath: (path: string) => string): Report {
  const files: ReportFile[] = plans
    .filter((p) => p.calls.length > 0 || p.status !== 'unchanged' || !!p.schema?.manual)
    .map((p) => ({
      path: relativePath(p.path),
      status: p.status,
      ...(p.error ? { error: p.error } : {}),
      ...(p.schema ? { schema: p.schema } : {}),
      calls: p.calls.map((c) => ({
        line: c.line,
        column: c.column,
        callee: c.callee,
        status: c.status,
        ...(c.source ? { source: c.source } : {}),
        ...(c.added ? { added: c.added } : {}),
        ...(c.reason ? { reason: c.reason, reasonCode: c.reasonCode } : {}),
        ...(c.notes?.length ? { notes: c.notes } : {}),
        ...(c.suspect?.length ? { suspect: c.suspect } : {}),
        ...(c.acknowledged ? { acknowledged: true } : {}),
      })),
    }))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const calls = files.flatMap((f) => f.calls);
  return {
    version: 1,
    files,
    summary: {
      files: plans.length,
      changed: files.filter((f) => f.status === 'changed').length,
      calls: calls.length,
      updated: calls.filter((c) => c.status === 'updated').length,
      complete: calls.filter((c) => c.status === 'complete').length,
      manual: calls.filter((c) => c.status === 'manual').length,
      errors: files.filter((f) => f.status === 'error').length,
    },
  };
}

/** What a reviewer should do for each kind of manual call. */
const WHAT_TO_DO: Record<string, string> = {
  'ambiguous-source': 'Pick the completion whose usage this call records and pass its `id`, `created` and `system_fingerprint`.',
  'no-source': 'Pass the values from where the OpenAI result is available, or write `null` if the call has no OpenAI request.',
  'not-openai': 'Not an OpenAI request: set the three fields to `null` (an id from another provider must never go in `openai_request_id`).',
  'positional-arguments': "Extend the tracker's signature with the three values, or switch it to one object argument.",
  'unknown-argument': 'Add the three fields where the usage object is built.',
  'spread-unknown': 'Check whether the spread object already carries the fields; add them where it is built, or here.',
  'stream-not-captured': 'Keep `id`, `created` and `system_fingerprint` from a chunk inside the stream loop (or use `onFinish`) and pass them.',
  'out-of-scope': 'Move the call where the result is in scope, or pass the three values down to it.',
  'no-field-value': "Write the value by hand (null/undefined per the tracker's type), or adjust the tracker's type.",
  'untyped-tracker': "Add the three optional fields to the tracker's parameter type (`recon-codemod` prints them), then run again.",
  'provider-unknown':
    'The model or client may be another provider\'s (picked at run time, or not readable): if it is always OpenAI, add the fields by hand; otherwise record the id only on the OpenAI path and null elsewhere.',
  'suspect-value':
    'A value the call already passes is wrong (a gateway\'s id, a property the result does not have): replace it as the reason says (`--fix-suspect` does where the right value is certain), or write null.',
  'file-not-written': 'The edit was planned but its file was not written (read-only, or the write failed: see the file\'s error): make the file writable, or pass --force for a read-only one, and run again.',
  'edit-does-not-compile': 'The planned edit added the tsc error quoted (so it was not written): fix the type it names (e.g. add `id`/`created` to a cast), or add the fields by hand.',
};

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

export function renderMarkdown(report: Report, options: { title?: string; wrote: boolean }): string {
  const s = report.summary;
  const completeAfter = s.complete + (options.wrote ? s.updated : 0);
  const coverage = s.calls === 0 ? 'n/a' : `${completeAfter}/${s.calls} (${Math.round((completeAfter / s.calls) * 100)}%)`;
  const lines: string[] = [];
  lines.push(`# ${options.title ?? 'recon-codemod migration report'}`, '');
  lines.push(
    `**Coverage:** ${coverage} tracking calls complete ${options.wrote ? 'after this run' : 'once the planned edits are applied: ' + `${s.complete + s.updated}/${s.calls}`}.`,
    '',
  );
  lines.push('| files scanned | files changed | calls | updated | already complete | manual | errors |');
  lines.push('| ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  lines.push(`| ${s.files} | ${s.changed} | ${s.calls} | ${s.updated} | ${s.complete} | ${s.manual} | ${s.errors} |`, '');
  if (!options.wrote && s.updated > 0) lines.push('_Dry run: nothing was written. Run with `--write` to apply the updates._', '');

  const schemaFiles = report.files.filter((f) => f.schema);
  if (schemaFiles.length) {
    lines.push('## Schema edits', '', "The tracker's parameter type lacked the fields, so the call sites could not compile with them. Done first:", '');
    for (const f of schemaFiles) {
      const sc = f.schema!;
      if (sc.added.length) lines.push(`- \`${f.path}\`: \`${sc.typeName}\` gains ${sc.added.map((a) => `\`${a}\``).join(', ')} (optional, nullable)`);
      if (sc.passedThrough.length) lines.push(`- \`${f.path}\`: the tracker's insert row passes ${sc.passedThrough.map((a) => `\`${a}\``).join(', ')} through`);
      if (sc.manual) lines.push(`- \`${f.path}\`: **to do by hand:** ${sc.manual}`);
    }
    lines.push('', 'Apply the matching SQL migration too: `npx recon-codemod sql --out supabase/migrations`.', '');
  }

  const calls = report.files.flatMap((f) => f.calls.map((c) => ({ file: f.path, ...c })));
  if (calls.length) {
    lines.push('## Calls', '', '| call | status | source | fields |', '| --- | --- | --- | --- |');
    for (const c of calls) {
      const fields = c.added ? Object.entries(c.added).map(([k, v]) => `\`${k}: ${v}\``).join('<br>') : c.status === 'manual' ? `see reason (\`${c.reasonCode}\`)` : '';
      lines.push(`| \`${c.file}:${c.line}\` | ${c.status} | ${c.source ? `\`${c.source}\`` : ''} | ${cell(fields)} |`);
    }
    lines.push('');
  }

  const manual = calls.filter((c) => c.status === 'manual');
  if (manual.length) {
    lines.push(`## Left for a person (${manual.length})`, '');
    const byCode = new Map<string, typeof manual>();
    for (const c of manual) byCode.set(c.reasonCode ?? 'other', [...(byCode.get(c.reasonCode ?? 'other') ?? []), c]);
    for (const [code, group] of [...byCode].sort()) {
      lines.push(`### \`${code}\` (${group.length})`, '');
      if (WHAT_TO_DO[code]) lines.push(`What to do: ${WHAT_TO_DO[code]}`, '');
      for (const c of group) lines.push(`- \`${c.file}:${c.line}:${c.column}\` \`${c.callee}(…)\`: ${c.reason}${c.acknowledged ? ' _(marked with a `// recon-codemod:` comment)_' : ''}`);
      lines.push('');
    }
  }

  const noted = calls.filter((c) => c.notes?.length);
  if (noted.length) {
    lines.push('## Notes for review', '');
    for (const c of noted) for (const n of c.notes!) lines.push(`- \`${c.file}:${c.line}\`: ${n}`);
    lines.push('');
  }

  const errors = report.files.filter((f) => f.status === 'error');
  if (errors.length) {
    lines.push(`## Files not processed (${errors.length})`, '', 'Each was left byte-identical.', '');
    for (const f of errors) lines.push(`- \`${f.path}\`: ${f.error}`);
    lines.push('');
  }
  return lines.join('\n');
}

/**
 * The JSON report in its documented shape: `reason` carries the stable code as its prefix (`ambiguous-source: …`) so
 * tools can group by it without extra keys; `notes` (what a reviewer must read, also on updated calls) and `suspect`
 * (wrong values already at the call) are there when the call has any.
 */
export function renderJson(report: Report): string {
  const files = report.files.map((f) => ({
    path: f.path,
    status: f.status,
    ...(f.error !== undefined ? { error: f.error } : {}),
    calls: f.calls.map((c) => ({
      line: c.line,
      column: c.column,
      callee: c.callee,
      status: c.status,
      ...(c.source !== undefined ? { source: c.source } : {}),
      ...(c.added !== undefined ? { added: c.added } : {}),
      ...(c.reason !== undefined ? { reason: c.reasonCode ? `${c.reasonCode}: ${c.reason}` : c.reason } : {}),
      ...(c.notes?.length ? { notes: c.notes } : {}),
      ...(c.suspect?.length ? { suspect: c.suspect } : {}),
    })),
  }));
  return `${JSON.stringify({ version: report.version, files, summary: report.summary }, null, 2)}\n`;
}
