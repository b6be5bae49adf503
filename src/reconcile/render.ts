/**
 * The report for people: a compact terminal table, and one self-contained HTML page with inline SVG charts (no
 * script, no stylesheet or font from anywhere else). Pure: report in, text out.
 */
import type { BucketReport, Report } from './compute.js';

const pct = (rate: number | null): string => (rate === null ? 'n/a' : `${(rate * 100).toFixed(1)}%`);
const usd = (value: number | null): string =>
  value === null ? '—' : `$${value.toFixed(value !== 0 && Math.abs(value) < 1 ? 4 : 2)}`;
const count = (value: number | null): string => (value === null ? '—' : value.toLocaleString('en-US'));

const STATUS_ORDER = { discrepancy: 0, unattributed: 1, unverifiable: 2, matched: 3 } as const;
/** Discrepancies first, then what OpenAI billed that the app did not track, then the rest; by time within each. */
export function bucketsForReview(buckets: readonly BucketReport[]): BucketReport[] {
  return [...buckets].sort(
    (a, b) =>
      STATUS_ORDER[a.status] - STATUS_ORDER[b.status] ||
      a.start.localeCompare(b.start) ||
      a.model.localeCompare(b.model),
  );
}

export function headline(report: Report): string {
  const { requests, dollars } = report.capture;
  return (
    `Capture rate: ${pct(requests.rate)} of OpenAI's ${count(requests.openai)} requests and ${pct(dollars.rate)} of ${usd(dollars.billed)} billed ` +
    `are accounted for by the app's rows.`
  );
}

/** The terminal table: at most `limit` buckets, the ones to look at first. */
export function renderTerminal(report: Report, { limit = 40 } = {}): string {
  const lines: string[] = [];
  const { window: w, status_counts: counts } = report;
  lines.push(`recon-codemod reconcile ${w.since} → ${w.until}, ${w.bucket} buckets, ${scope(report)}`);
  lines.push(headline(report));
  lines.push(
    `Buckets: ${counts.matched} matched, ${counts.discrepancy} discrepancy, ${counts.unattributed} unattributed, ${counts.unverifiable} unverifiable ` +
      `(tolerance ${(report.tolerance * 100).toFixed(1)}%). Rows: ${report.rows.in_window} in the window, ${report.rows.unverifiable} unverifiable.`,
  );
  const header = [
    'bucket',
    'model',
    'status',
    'requests app/oai',
    'input app/oai',
    'cached app/oai',
    'output app/oai',
    'est. $ app',
    'billed $',
    'notes',
  ];
  const shown = bucketsForReview(report.buckets).slice(0, limit);
  const table = shown.map((b) => [
    b.start.replace('T00:00:00Z', '').replace(':00Z', 'Z'),
    b.model,
    b.status,
    `${count(b.app.requests)}/${count(b.openai.requests)}`,
    `${count(b.app.input_tokens)}/${count(b.openai.input_tokens)}`,
    `${count(b.app.cached_tokens)}/${count(b.openai.cached_tokens)}`,
    `${count(b.app.output_tokens)}/${count(b.openai.output_tokens)}`,
    usd(b.app.estimated_dollars),
    `${usd(b.openai.billed_dollars)}${b.openai.billed_is_allocation ? '*' : ''}`,
    b.notes.join(','),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((r) => r[i].length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  lines.push('', line(header), ...table.map(line));
  if (report.buckets.length > shown.length)
    lines.push(`… ${report.buckets.length - shown.length} more buckets (matched ones last): see --json or --html`);
  if (report.buckets.some((b) => b.openai.billed_is_allocation))
    lines.push("* a share of a day's billed dollars (the Costs API reports whole UTC days)");
  if (report.rows.duplicates > 0) lines.push(duplicatesLine(report));
  if (report.costs.partial_days.length > 0) lines.push(partialDaysLine(report));
  if (report.costs.unparsed.length > 0)
    lines.push(`Cost line items not understood: ${report.costs.unparsed.length} (see --json costs.unparsed)`);
  if (report.known_differences.length > 0)
    lines.push('', 'Known sources of difference:', ...report.known_differences.map((d) => `  - ${d}`));
  return `${lines.join('\n')}\n`;
}

/** What is compared: rows carry no OpenAI project, so the organization as a whole unless --project is given. */
function scope(report: Report): string {
  const { project } = report.window;
  return project
    ? `project ${project} (OpenAI's side only: rows carry no project, so every row in the window is taken as this project's)`
    : 'the organization as a whole (rows carry no project)';
}

const duplicatesLine = (report: Report): string =>
  `Duplicate rows: ${report.rows.duplicates} rows repeat a request id already counted in their bucket; each request is counted once.`;

const partialDaysLine = (report: Report): string =>
  `The Costs API reports whole UTC days: ${report.costs.partial_days.map((d) => `${d.day.slice(0, 10)} (${usd(d.dollars)})`).join(', ')} ` +
  'only partly in the window, so its dollars are compared with no bucket and left out of the capture rate.';

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export interface ChartSeries {
  name: string;
  color: string;
  values: number[];
}

/**
 * A grouped bar chart as inline SVG. Each bar is a `<rect class="bar">` carrying its series, label and value; its
 * height is `value / max * plotHeight`, so the chart can be checked from the markup alone.
 */
export function barChart(
  title: string,
  labels: string[],
  series: ChartSeries[],
  format: (v: number) => string,
): string {
  const plotHeight = 200;
  const top = 30;
  const left = 70;
  const groupWidth = Math.max(24, Math.min(80, Math.floor(900 / Math.max(1, labels.length))));
  const barWidth = Math.max(3, Math.floor((groupWidth - 6) / series.length));
  const legendStep = 160;
  // Wide enough for the bars and for the legend below them.
  const width = Math.max(left + labels.length * groupWidth + 20, left + series.length * legendStep);
  const height = top + plotHeight + 60;
  const max = Math.max(0, ...series.flatMap((s) => s.values));
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeHtml(title)}" data-max="${max}" data-plot-height="${plotHeight}">`,
  );
  parts.push(`<text x="${left}" y="16" font-size="13" font-weight="bold">${escapeHtml(title)}</text>`);
  parts.push(`<line x1="${left}" y1="${top + plotHeight}" x2="${width - 10}" y2="${top + plotHeight}" stroke="#888"/>`);
  parts.push(`<text x="${left - 6}" y="${top + 4}" font-size="10" text-anchor="end">${escapeHtml(format(max))}</text>`);
  parts.push(`<text x="${left - 6}" y="${top + plotHeight}" font-size="10" text-anchor="end">0</text>`);
  labels.forEach((label, i) => {
    const x0 = left + i * groupWidth + 3;
    series.forEach((s, j) => {
      const value = s.values[i] ?? 0;
      const h = max > 0 ? (value / max) * plotHeight : 0;
      const x = x0 + j * barWidth;
      parts.push(
        `<rect class="bar" data-series="${escapeHtml(s.name)}" data-label="${escapeHtml(label)}" data-value="${value}" x="${x}" y="${(top + plotHeight - h).toFixed(3)}" width="${barWidth - 1}" height="${h.toFixed(3)}" fill="${s.color}"><title>${escapeHtml(`${s.name} ${label}: ${format(value)}`)}</title></rect>`,
      );
    });
    if (labels.length <= 40 || i % Math.ceil(labels.length / 40) === 0) {
      parts.push(
        `<text x="${x0}" y="${top + plotHeight + 14}" font-size="9" transform="rotate(35 ${x0} ${top + plotHeight + 14})">${escapeHtml(label)}</text>`,
      );
    }
  });
  series.forEach((s, j) => {
    const x = left + j * legendStep;
    parts.push(
      `<rect x="${x}" y="${height - 14}" width="10" height="10" fill="${s.color}"/><text x="${x + 14}" y="${height - 5}" font-size="11">${escapeHtml(s.name)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('\n');
}

/** The self-contained page: headline, the two charts, the bucket table (discrepancies first), notes. */
export function renderHtml(report: Report): string {
  const days = report.daily;
  const dollarsChart = barChart(
    "Dollars per UTC day: the app's estimate vs OpenAI's bill",
    days.map((d) => d.day),
    [
      { name: 'app estimated', color: '#4c78a8', values: days.map((d) => d.app_estimated_dollars) },
      { name: 'OpenAI billed', color: '#f58518', values: days.map((d) => d.billed_dollars) },
    ],
    (v) => `$${v.toFixed(2)}`,
  );
  const perBucket = new Map<string, { app: number; openai: number }>();
  for (const b of report.buckets) {
    const entry = perBucket.get(b.start) ?? { app: 0, openai: 0 };
    entry.app += b.app.input_tokens + b.app.output_tokens;
    entry.openai += b.openai.input_tokens + b.openai.output_tokens;
    perBucket.set(b.start, entry);
  }
  const bucketLabels = [...perBucket.keys()].sort();
  const tokensChart = barChart(
    `Tokens (input + output) per ${report.window.bucket} bucket`,
    bucketLabels.map((l) => l.replace('T00:00:00Z', '').replace(':00Z', 'Z')),
    [
      { name: 'app rows', color: '#54a24b', values: bucketLabels.map((l) => perBucket.get(l)!.app) },
      { name: 'OpenAI usage', color: '#e45756', values: bucketLabels.map((l) => perBucket.get(l)!.openai) },
    ],
    (v) => v.toLocaleString('en-US'),
  );
  const rows = bucketsForReview(report.buckets)
    .map(
      (b) =>
        `<tr class="${b.status}"><td>${escapeHtml(b.start)}</td><td>${escapeHtml(b.model)}</td><td>${b.status}</td>` +
        `<td>${count(b.app.requests)} / ${count(b.openai.requests)}</td><td>${count(b.app.input_tokens)} / ${count(b.openai.input_tokens)}</td>` +
        `<td>${count(b.app.cached_tokens)} / ${count(b.openai.cached_tokens)}</td><td>${count(b.app.output_tokens)} / ${count(b.openai.output_tokens)}</td>` +
        `<td>${usd(b.app.estimated_dollars)}</td><td>${usd(b.openai.billed_dollars)}${b.openai.billed_is_allocation ? '*' : ''}</td><td>${escapeHtml(b.notes.join(', '))}</td></tr>`,
    )
    .join('\n');
  const { window: w } = report;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>OpenAI reconciliation ${escapeHtml(w.since)} – ${escapeHtml(w.until)}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222}
h1{font-size:20px}.headline{font-size:18px;font-weight:600}
table{border-collapse:collapse;margin-top:12px}td,th{border:1px solid #ddd;padding:3px 6px;text-align:right;white-space:nowrap}
td:nth-child(-n+3),th{text-align:left}tr.discrepancy td{background:#fde2e1}tr.unattributed td{background:#fff1d6}
tr.unverifiable td{background:#eee}.chart{display:block;margin:16px 0}
</style></head>
<body>
<h1>OpenAI reconciliation: ${escapeHtml(w.since)} → ${escapeHtml(w.until)} (${w.bucket} buckets)</h1>
<p>Compared: ${escapeHtml(scope(report))}.</p>
<p class="headline">${escapeHtml(headline(report))}</p>
<p>Buckets: ${report.status_counts.matched} matched, ${report.status_counts.discrepancy} discrepancy, ${report.status_counts.unattributed} unattributed, ${report.status_counts.unverifiable} unverifiable. Prices: ${escapeHtml(report.price_source)}.</p>
<p>OpenAI publishes no per-request id in its usage or billing data: rows are compared per bucket and model, never one by one. ${escapeHtml(report.allocation)}</p>
${dollarsChart}
${tokensChart}
<h2>Buckets, discrepancies first</h2>
<table><thead><tr><th>bucket</th><th>model</th><th>status</th><th>requests app / OpenAI</th><th>input</th><th>cached</th><th>output</th><th>est. $ app</th><th>billed $</th><th>notes</th></tr></thead>
<tbody>
${rows}
</tbody></table>
<p>* a share of a day's billed dollars.</p>
${report.rows.duplicates > 0 ? `<p class="duplicates">${escapeHtml(duplicatesLine(report))}</p>` : ''}
${report.costs.partial_days.length > 0 ? `<p class="partial-days">${escapeHtml(partialDaysLine(report))}</p>` : ''}
${report.known_differences.length > 0 ? `<h2>Known sources of difference</h2>\n<ul>${report.known_differences.map((d) => `<li>${escapeHtml(d)}</li>`).join('')}</ul>` : ''}
${report.costs.unparsed.length > 0 ? `<h2>Cost line items not understood</h2><ul>${report.costs.unparsed.map((u) => `<li>${escapeHtml(u.day)} ${escapeHtml(String(u.line_item))}: ${usd(u.dollars)}</li>`).join('')}</ul>` : ''}
</body></html>
`;
}
