/**
 * Monorepos: one run over many packages (each with its own package.json or tsconfig.json) reports per package: a
 * `package` on each call in the JSON, a section per package in the Markdown. Pure: the CLI finds the packages.
 */
import type { FilePlan } from './engine/index.js';
import { buildReport, renderMarkdown, type Report } from './report.js';

export interface PackageSection {
  /** The package's directory under the target root (`.` for the root itself). */
  package: string;
  report: Report;
}

/**
 * Tags each file of `report` with its package and builds one report per package, its `files` counting the package's
 * scanned files. `packageOf` maps every scanned file (as in the plans) to its package's name. Undefined, and the
 * report left as it is, when the run covers one package.
 */
export function reportsByPackage(
  plans: readonly FilePlan[],
  report: Report,
  packageOf: ReadonlyMap<string, string>,
  relativePath: (path: string) => string,
): PackageSection[] | undefined {
  const names = [...new Set(packageOf.values())].sort();
  if (names.length < 2) return undefined;
  const of = (path: string) => packageOf.get(path) ?? '.';
  const byPath = new Map(plans.map((p) => [relativePath(p.path), of(p.path)]));
  for (const f of report.files) f.package = byPath.get(f.path) ?? '.';
  return names.map((name) => {
    const section = buildReport(
      plans.filter((p) => of(p.path) === name),
      relativePath,
    );
    section.summary.files = [...packageOf.values()].filter((p) => p === name).length;
    return { package: name, report: section };
  });
}

/** The whole run's summary, a table of the packages, then each package that has calls or errors as its own section. */
export function renderMarkdownByPackage(
  report: Report,
  sections: readonly PackageSection[],
  options: { title?: string; wrote: boolean },
): string {
  const lines = [renderMarkdown({ ...report, files: [] }, options).trimEnd(), ''];
  lines.push(`## Packages (${sections.length})`, '');
  lines.push(
    '| package | files scanned | calls | updated | already complete | manual | errors |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  );
  for (const { package: name, report: r } of sections) {
    const s = r.summary;
    lines.push(`| \`${name}\` | ${s.files} | ${s.calls} | ${s.updated} | ${s.complete} | ${s.manual} | ${s.errors} |`);
  }
  lines.push('');
  for (const { package: name, report: r } of sections) {
    if (r.files.length === 0) continue;
    const body = renderMarkdown(r, options).trimEnd().split('\n');
    // The package's report, one heading level down, under the package's name.
    lines.push(
      `## Package \`${name}\``,
      ...body.slice(1).map((line) => (line.startsWith('#') ? `#${line}` : line)),
      '',
    );
  }
  return lines.join('\n');
}
