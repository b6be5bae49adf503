/**
 * Reports are renderings of the plan, never a second source of truth: the JSON for tools, the Markdown for reviewers.
 */
import { MANUAL_ACTIONS, type FilePlan, type SchemaPlan } from './engine/index.js';

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
  /** A run over several packages: this file's package (src/report-packages.ts); the JSON puts it on each call. */
  package?: string;
}

export interface Report {
  version: 1;
  /** The directory the report's paths are relative to (absolute, `/`-separated): the working directory of the run. */
  root?: string;
  files: ReportFile[];
  /** `acknowledged`: of the `manual` calls, those marked with a `// recon-codemod:` comment (`--check` accepts them). */
  summary: {
    files: number;
    changed: number;
    calls: number;
    updated: number;
    complete: number;
    manual: number;
    acknowledged: number;
    errors: number;
  };
}

/**
 * Build the report from plans; `relativePath` maps an absolute path to the `/`-separated path the report shows
 * (relative to `root`, when given).
 */
export function buildReport(plans: readonly FilePlan[], relativePath: (path: string) => string, root?: string): Report {
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
    ...(root !== undefined ? { root } : {}),
    files,
    summary: {
      files: plans.length,
      changed: files.filter((f) => f.status === 'changed').length,
      calls: calls.length,
      updated: calls.filter((c) => c.status === 'updated').length,
      complete: calls.filter((c) => c.status === 'complete').length,
      manual: calls.filter((c) => c.status === 'manual').length,
      acknowledged: calls.filter((c) => c.status === 'manual' && c.acknowledged).length,
      errors: files.filter((f) => f.status === 'error').length,
    },
  };
}

/** What a reviewer should do for each kind of manual call (said once, in src/engine/manual-actions.ts). */
export const WHAT_TO_DO: Record<string, string> = Object.fromEntries(
  Object.entries(MANUAL_ACTIONS).map(([code, action]) => [code, action.long]),
);

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

export function renderMarkdown(report: Report, options: { title?: string; wrote: boolean }): string {
  const s = report.summary;
  const lines: string[] = [];
  lines.push(`# ${options.title ?? 'recon-codemod migration report'}`, '');
  if (s.calls === 0) lines.push('**Tracking calls:** none found.', '');
  else {
    const of = (n: number) => `${n}/${s.calls} (${Math.round((n / s.calls) * 100)}%)`;
    const marked = s.acknowledged
      ? ` (${s.acknowledged} of them marked with a \`// recon-codemod:\` comment${options.wrote ? '' : ' once the edits are written'})`
      : '';
    const left = s.manual ? `${s.manual} left for a person${marked}` : 'none left';
    lines.push(
      options.wrote
        ? `**Tracking calls complete:** ${of(s.complete)} before this run, ${of(s.complete + s.updated)} after it (${s.updated} updated); ${left}.`
        : `**Tracking calls complete:** ${of(s.complete)} now${s.updated ? `, ${of(s.complete + s.updated)} once this run's ${s.updated === 1 ? 'edit is' : `${s.updated} edits are`} written (\`--write\`)` : ''}; ${left}.`,
      '',
    );
  }
  lines.push(
    '| files scanned | files changed | calls | updated | already complete | manual | of which acknowledged | errors |',
  );
  lines.push('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  lines.push(
    `| ${s.files} | ${s.changed} | ${s.calls} | ${s.updated} | ${s.complete} | ${s.manual} | ${s.acknowledged} | ${s.errors} |`,
    '',
  );
  if (!options.wrote && s.updated > 0)
    lines.push('_Dry run: nothing was written. Run with `--write` to apply the updates._', '');

  const schemaFiles = report.files.filter((f) => f.schema);
  if (schemaFiles.length) {
    lines.push(
      '## Schema edits',
      '',
      "The tracker's parameter type lacked the fields, so the call sites could not compile with them. Done first:",
      '',
    );
    for (const f of schemaFiles) {
      const sc = f.schema!;
      if (sc.added.length)
        lines.push(
          `- \`${f.path}\`: \`${sc.typeName}\` gains ${sc.added.map((a) => `\`${a}\``).join(', ')} (optional, nullable)`,
        );
      if (sc.passedThrough.length)
        lines.push(
          `- \`${f.path}\`: the tracker's insert row passes ${sc.passedThrough.map((a) => `\`${a}\``).join(', ')} through`,
        );
      if (sc.manual) lines.push(`- \`${f.path}\`: **to do by hand:** ${sc.manual}`);
    }
    lines.push('', 'Apply the matching SQL migration too: `npx recon-codemod sql --out supabase/migrations`.', '');
  }

  const calls = report.files.flatMap((f) => f.calls.map((c) => ({ file: f.path, ...c })));
  if (calls.length) {
    lines.push('## Calls', '', '| call | status | source | fields |', '| --- | --- | --- | --- |');
    for (const c of calls) {
      const fields = c.added
        ? Object.entries(c.added)
            .map(([k, v]) => `\`${k}: ${v}\``)
            .join('<br>')
        : c.status === 'manual'
          ? `see reason (\`${c.reasonCode}\`)`
          : '';
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
      for (const c of group)
        lines.push(
          `- \`${c.file}:${c.line}:${c.column}\` \`${c.callee}(…)\`: ${c.reason}${c.acknowledged ? ' _(marked with a `// recon-codemod:` comment)_' : ''}`,
        );
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
      ...(c.acknowledged ? { acknowledged: true } : {}),
      ...(f.package !== undefined ? { package: f.package } : {}),
    })),
  }));
  return `${JSON.stringify({ version: report.version, ...(report.root !== undefined ? { root: report.root } : {}), files, summary: report.summary }, null, 2)}\n`;
}
