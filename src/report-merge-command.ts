/**
 * `recon-codemod report merge`: reads the reports, writes the merged one. The merge itself is src/report-merge.ts.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { usageMessage } from './args.js';
import { checkReportPath, type CliIo } from './cli.js';
import { UsageError } from './files.js';
import {
  MergeInputError,
  mergeReports,
  renderMergedJson,
  renderMergedMarkdown,
  type MergeInput,
} from './report-merge.js';

export const REPORT_USAGE = `Usage: recon-codemod report merge REPORT.json... [--report FILE.md] [--json FILE.json]

Merges the JSON reports of many runs of the codemod (one per repository or package, each written by
recon-codemod --json) into one view: coverage per repository (calls complete before, after the edits, left for a
person), the manual calls of every repository grouped by reason, and totals.

Each report is labelled with its file name without .json (reports/billing.json: billing); name one yourself with
NAME=FILE (billing=reports/1/report.json). Two reports with the same label are an error.

Options:
  --report FILE   write the merged Markdown report to FILE
  --json FILE     write the merged JSON report to FILE (versioned: "schemaVersion": 1)
  --title TEXT    the Markdown report's title
  -h, --help      show this help
With neither --report nor --json, the Markdown goes to stdout.

Exit codes:
  0  merged
  2  bad usage, or a report that cannot be read (missing, not JSON, not a recon-codemod report, a version this
     recon-codemod does not read): the file is named and nothing is written
`;

const OPTIONS = ['report', 'json', 'title', 'help'];

export async function runReportCommand(argv: string[], io: CliIo): Promise<number> {
  try {
    return runMerge(argv, io);
  } catch (error) {
    if (error instanceof UsageError || error instanceof MergeInputError) {
      io.stderr(
        `recon-codemod report merge: ${error.message}\n${error instanceof UsageError ? 'Run recon-codemod report --help for usage.\n' : 'Nothing was written.\n'}`,
      );
      return 2;
    }
    throw error;
  }
}

function runMerge(argv: string[], io: CliIo): number {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        report: { type: 'string' },
        json: { type: 'string' },
        title: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new UsageError(usageMessage(error as Error, OPTIONS));
  }
  const { values: opts, positionals } = parsed;
  if (opts.help || positionals.length === 0) {
    if (opts.help) {
      io.stdout(REPORT_USAGE);
      return 0;
    }
    throw new UsageError('report needs a subcommand: report merge REPORT.json...');
  }
  const [sub, ...files] = positionals;
  if (sub !== 'merge') throw new UsageError(`unknown report subcommand: ${sub} (there is one: merge)`);
  if (files.length === 0) throw new UsageError('report merge needs at least one report (REPORT.json...)');
  for (const [flag, value] of [
    ['--report', opts.report],
    ['--json', opts.json],
  ] as const) {
    if (value === '') throw new UsageError(`${flag} needs a file name`);
    if (value !== undefined) checkReportPath(flag, resolve(io.cwd, value));
  }

  const inputs: MergeInput[] = files.map((arg) => {
    // `name=file`: a label before the first `=`, when it holds no path separator (`./a=b.json` is a file).
    const named = /^([^=/\\]+)=(.+)$/.exec(arg);
    const file = named ? named[2] : arg;
    let text: string;
    try {
      text = readFileSync(resolve(io.cwd, file), 'utf8');
    } catch (error) {
      throw new MergeInputError(
        file,
        `cannot read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
      );
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new MergeInputError(file, `not JSON (${(error as Error).message})`);
    }
    return { file, json, ...(named ? { label: named[1] } : {}) };
  });
  const merged = mergeReports(inputs);
  const markdown = renderMergedMarkdown(merged, { title: opts.title });
  if (opts.json) write(resolve(io.cwd, opts.json), renderMergedJson(merged));
  if (opts.report) write(resolve(io.cwd, opts.report), markdown);
  if (!opts.json && !opts.report) io.stdout(markdown);
  else {
    const t = merged.totals;
    io.stdout(
      `recon-codemod report merge: ${t.repos} report${t.repos === 1 ? '' : 's'}, ${t.calls} tracking calls: ${t.before} complete before, ${t.after} after, ${t.left} left for a person` +
        `${t.errors ? `, ${t.errors} file${t.errors === 1 ? '' : 's'} with errors` : ''}.\n`,
    );
  }
  return 0;
}

function write(path: string, text: string) {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}
