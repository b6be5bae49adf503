/**
 * The codemod's run (`recon-codemod [paths]`), phase by phase: options, files, sources, plan, verify and write (or
 * show), report, exit code. Loaded by the CLI only for that command, so that `--help`, `sql`, `reconcile` and
 * `report merge` do not load the analyser (ts-morph and its TypeScript).
 */
import { mkdirSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createTwoFilesPatch } from 'diff';
import pc from 'picocolors';
import { usageMessage } from './args.js';
import { checkReportPath, EXIT, USAGE, type CliIo } from './cli.js';
import { resolveConfig, type ReconConfig } from './config.js';
import { ConfigError, readConfig } from './config-file.js';
import { addReconciliationFields, type FilePlan, type TransformResult } from './engine/index.js';
import {
  DEFAULT_INCLUDE,
  dirtyFiles,
  discoverFiles,
  isInside,
  packageDirectories,
  readSource,
  removeStaleTempFiles,
  UsageError,
  writeAtomic,
} from './files.js';
import { createNodeHost, toPosix } from './node-host.js';
import { buildReport, renderJson, renderMarkdown, type Report } from './report.js';
import { renderMarkdownByPackage, reportsByPackage } from './report-packages.js';
import { verifyPlans, type VerifyOutcome } from './verify.js';
import { packageVersion } from './version.js';

/** The config, and whether the user wrote one (a --config file or a package.json key) rather than taking defaults. */
function loadConfig(
  configPath: string | undefined,
  root: string,
  cwd: string,
): { config: ReconConfig; explicit: boolean } {
  try {
    return readConfig(configPath, [root, cwd], cwd);
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(error.message);
    throw error;
  }
}

function colorDiff(patch: string, colors: ReturnType<typeof pc.createColors>): string {
  return patch
    .split('\n')
    .map((line) =>
      line.startsWith('+++') || line.startsWith('---')
        ? colors.bold(line)
        : line.startsWith('+')
          ? colors.green(line)
          : line.startsWith('-')
            ? colors.red(line)
            : line.startsWith('@@')
              ? colors.cyan(line)
              : line,
    )
    .join('\n');
}

const CODEMOD_OPTIONS = [
  'write',
  'check',
  'json',
  'report',
  'config',
  'include',
  'exclude',
  'allow-dirty',
  'no-verify',
  'todo',
  'fix-suspect',
  'force',
  'fields',
  'quiet',
  'no-color',
  'help',
  'version',
];

/** `1 file`, `2 files`. */
const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

/** The codemod's run, phase by phase: options, files, sources, plan, verify and write (or show), report, exit code. */
export async function runCodemod(argv: string[], io: CliIo): Promise<number> {
  const { values: opts, positionals } = parseCodemodArgs(argv);
  if (opts.help) {
    io.stdout(USAGE);
    return EXIT.ok;
  }
  if (opts.version) {
    io.stdout(`${packageVersion()}\n`);
    return EXIT.ok;
  }
  for (const [flag, value] of [
    ['--json', opts.json],
    ['--report', opts.report],
    ['--config', opts.config],
  ] as const) {
    if (value === '') throw new UsageError(`${flag} needs a file name`);
  }
  const useColor = io.stdoutIsTTY && !opts['no-color'] && !io.env.NO_COLOR;
  const scan = await discover(opts, positionals, io);
  const run: Run = {
    opts,
    io,
    colors: pc.createColors(useColor),
    quiet: !!opts.quiet,
    progress: !opts.quiet && io.stderrIsTTY && !io.env.CI,
    // Relative to the working directory, whatever the target: what a terminal can click. The JSON report names it (`root`).
    rel: (path: string) => toPosix(relative(io.cwd, path)) || '.',
    host: createNodeHost(scan.root),
  };
  const { inputs, unreadable } = loadSources(scan.files, scan.config);
  const result = planFiles(run, inputs, scan.config);
  const plans: FilePlan[] = [...unreadable, ...result.files];
  if (opts.check && scan.configured && !plans.some((p) => p.calls.length || p.status === 'error')) {
    throw new UsageError(
      `--check found no call of ${scan.config.callees.join(', ')} in ${plural(scan.files.length, 'file')} of ${scan.where} (${scan.globs()}): is the path or the config's callees right?`,
    );
  }
  const textByPath = new Map(inputs.map((i) => [i.path, i.text]));
  const original = (path: string) => textByPath.get(path) ?? run.host.readFile(path);
  const changed = plans.filter((p) => p.status === 'changed');
  let outcome: WriteOutcome = { wrote: false };
  if (opts.write && changed.length) {
    const written = verifyAndWrite(run, plans, changed, scan.root, { original, schemaEdits: result.schemaEdits });
    if (written === 'refused') return EXIT.usage;
    outcome = written;
  } else if (!run.quiet) showDiffs(run, changed, original);
  const s = reportRun(run, plans, scan, outcome);
  return exitCode(opts, s, plans, outcome.wrote);
}

type CodemodFlags = ReturnType<typeof parseCodemodArgs>['values'];

/** What every phase after discovery shares: the flags, the terminal, and the disk host of the target root. */
interface Run {
  opts: CodemodFlags;
  io: CliIo;
  colors: ReturnType<typeof pc.createColors>;
  quiet: boolean;
  /** A progress line on a terminal's stderr (not with --quiet, not in CI). */
  progress: boolean;
  rel: (path: string) => string;
  host: ReturnType<typeof createNodeHost>;
}

/** What was found to scan: the config (its `exclude` applied), the target root and the files under it. */
interface Scan {
  config: ReconConfig;
  /** A config file or package.json key was read (not the defaults). */
  configured: boolean;
  root: string;
  files: string[];
  /** The paths given, as a message names them. */
  where: string;
  /** The include and exclude globs, as a message names them. */
  globs: () => string;
}

interface WriteOutcome {
  wrote: boolean;
  verification?: VerifyOutcome;
}

function parseCodemodArgs(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        write: { type: 'boolean' },
        check: { type: 'boolean' },
        json: { type: 'string' },
        report: { type: 'string' },
        config: { type: 'string' },
        include: { type: 'string', multiple: true },
        exclude: { type: 'string', multiple: true },
        'allow-dirty': { type: 'boolean' },
        'no-verify': { type: 'boolean' },
        todo: { type: 'boolean' },
        'fix-suspect': { type: 'boolean' },
        force: { type: 'boolean' },
        fields: { type: 'string', multiple: true },
        quiet: { type: 'boolean', short: 'q' },
        'no-color': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    });
  } catch (error) {
    throw new UsageError(usageMessage(error as Error, CODEMOD_OPTIONS));
  }
}

/** Discover: the config, then the files (its `exclude` applies); report paths are checked before any work. */
async function discover(opts: CodemodFlags, positionals: string[], io: CliIo): Promise<Scan> {
  const provisionalRoot = positionals.length === 1 ? resolve(io.cwd, positionals[0]) : io.cwd;
  // Config is read before discovery so its `exclude` applies; a bad path is reported by discovery.
  const { config, explicit: configured } = loadConfig(opts.config, provisionalRoot, io.cwd);
  if (opts.fields) {
    const requested = opts.fields
      .flatMap((f) => f.split(','))
      .map((f) => f.trim())
      .filter(Boolean);
    try {
      config.optionalFields = resolveConfig(
        { optionalFields: [...new Set([...config.optionalFields, ...requested])] },
        '--fields',
      ).optionalFields;
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
  }
  const discovery = await discoverFiles(positionals, io.cwd, opts.include ?? DEFAULT_INCLUDE, [
    ...config.exclude,
    ...(opts.exclude ?? []),
  ]);
  if (opts.json) checkReportPath('--json', resolve(io.cwd, opts.json));
  if (opts.report) checkReportPath('--report', resolve(io.cwd, opts.report));
  const where = positionals.length ? positionals.join(', ') : '.';
  const globs = () =>
    `include ${(opts.include ?? DEFAULT_INCLUDE).join(', ')}; exclude ${[...config.exclude, ...(opts.exclude ?? [])].join(', ') || 'none'}`;
  // A CI gate pointed at the wrong path must not pass by checking nothing.
  if (opts.check && discovery.files.length === 0) {
    throw new UsageError(`--check found no files to scan in ${where} (${globs()})`);
  }
  return { config, configured, root: discovery.root, files: discovery.files, where, globs };
}

/** Load: read each file; only those that name a tracking callee go to the engine (a text prefilter: no parse for most). */
function loadSources(
  files: string[],
  config: ReconConfig,
): { inputs: Array<{ path: string; text: string }>; unreadable: FilePlan[] } {
  const inputs: Array<{ path: string; text: string }> = [];
  const unreadable: FilePlan[] = [];
  for (const file of files) {
    const path = toPosix(file);
    const read = readSource(file);
    if (!read.ok) {
      // Unreadable files matter only if they might hold a call; their names say nothing, so report them all.
      unreadable.push({ path, status: 'error', error: read.error, calls: [] });
      continue;
    }
    if (!config.callees.some((c) => read.text.includes(c))) continue; // text prefilter: no parse for most files
    inputs.push({ path, text: read.text });
  }
  return { inputs, unreadable };
}

/** Plan: the engine's one entry point (schema step, then every file), with a progress line on a slow run. */
function planFiles(run: Run, inputs: Array<{ path: string; text: string }>, config: ReconConfig): TransformResult {
  const { io, colors, progress, opts, host } = run;
  const started = Date.now();
  const result = addReconciliationFields(inputs, {
    config,
    todo: !!opts.todo,
    fixSuspect: !!opts['fix-suspect'],
    readFile: host.readFile,
    pathAliases: host.pathAliases,
    exactOptionalPropertyTypes: host.exactOptionalPropertyTypes,
    onFile: (_plan, index, total) => {
      if (progress && Date.now() - started > 300)
        io.stderr(`\r${colors.dim(`recon-codemod: ${index + 1}/${total} files`)}`);
    },
  });
  if (progress && Date.now() - started > 300) io.stderr('\r\x1b[K');
  return result;
}

/**
 * Verify and write (--write): refuse files with uncommitted changes (unless --allow-dirty), type-check the edits
 * (unless --no-verify), then write each changed file atomically. 'refused' when dirty files stopped the run.
 */
function verifyAndWrite(
  run: Run,
  plans: FilePlan[],
  planned: FilePlan[],
  root: string,
  texts: { original: (path: string) => string | undefined; schemaEdits: TransformResult['schemaEdits'] },
): WriteOutcome | 'refused' {
  const { opts, io, colors, progress, rel } = run;
  let changed = planned;
  if (!opts['allow-dirty']) {
    const dirty = dirtyFiles(
      root,
      changed.map((p) => p.path),
    );
    if (dirty && dirty.length) {
      io.stderr(
        `recon-codemod: refusing to write: these files have uncommitted changes (commit or stash them, or pass --allow-dirty):\n${dirty.map((d) => `  ${rel(d)}`).join('\n')}\n`,
      );
      return 'refused';
    }
  }
  let verification: VerifyOutcome | undefined;
  if (!opts['no-verify']) {
    if (progress) io.stderr(`\r${colors.dim(`recon-codemod: type-checking ${changed.length} changed files`)}`);
    verification = verifyPlans(plans, { original: texts.original, schemaEdits: texts.schemaEdits, relativePath: rel });
    if (progress) io.stderr('\r\x1b[K');
    changed = plans.filter((p) => p.status === 'changed');
  }
  const staleTemps = writeChanged(changed, root, !!opts.force);
  if (staleTemps) io.stderr(`recon-codemod: removed ${staleTemps} temp file(s) left by an interrupted earlier run\n`);
  return { wrote: true, verification };
}

/** Write each changed file inside the root, atomically; returns how many stale temp files of an earlier run it removed. */
function writeChanged(changed: FilePlan[], root: string, force: boolean): number {
  const realRoot = realpathSync(root);
  let staleTemps = 0;
  // A file that is not written is an error, and its calls are not counted as updated: the counts say what happened.
  const notWritten = (plan: FilePlan, why: string) => {
    plan.status = 'error';
    plan.error = why;
    plan.output = undefined;
    plan.calls = plan.calls.map((c) =>
      c.status === 'updated'
        ? {
            ...c,
            status: 'manual',
            edits: [],
            reasonCode: 'file-not-written',
            reason: `the edit was planned but not written: ${why}`,
          }
        : c,
    );
  };
  for (const plan of changed) {
    if (!isInside(realRoot, realpathSync(plan.path))) {
      notWritten(plan, 'outside the target root: not written');
      continue;
    }
    // A read-only file says someone meant it not to change (generated, vendored): only --force writes it.
    if (!force && (statSync(plan.path).mode & 0o222) === 0) {
      notWritten(plan, 'the file is read-only: not written (pass --force to write it)');
      continue;
    }
    try {
      staleTemps += removeStaleTempFiles(plan.path);
      writeAtomic(plan.path, plan.output!);
    } catch (error) {
      // Name the file, not the temp file the writer was using beside it.
      notWritten(plan, `could not write it: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
  }
  return staleTemps;
}

/** A dry run: each changed file's diff on stdout. */
function showDiffs(run: Run, changed: FilePlan[], original: (path: string) => string | undefined): void {
  for (const plan of changed) {
    const before = original(plan.path) ?? '';
    const patch = createTwoFilesPatch(
      `a/${run.rel(plan.path)}`,
      `b/${run.rel(plan.path)}`,
      before,
      plan.output!,
      '',
      '',
      { context: 3 },
    );
    run.io.stdout(colorDiff(patch.replace(/^=+\n/, ''), run.colors));
  }
}

/** Report: the --json and --report files, manual calls and errors on stderr, the type check and the summary line. */
function reportRun(run: Run, plans: FilePlan[], scan: Scan, { wrote, verification }: WriteOutcome): Report['summary'] {
  const { opts, io, colors, quiet, rel } = run;
  const report = buildReport(plans, rel, toPosix(resolve(io.cwd)));
  // Files that never mentioned the tracker are still part of the scan.
  report.summary.files = scan.files.length;
  // A run over several packages (a monorepo) reports per package: `package` on each call, a Markdown section each.
  const packageDirs = opts.json || opts.report ? packageDirectories(scan.root, scan.files) : new Map<string, string>();
  const sections = reportsByPackage(
    plans,
    report,
    new Map([...packageDirs].map(([f, dir]) => [toPosix(f), rel(dir)])),
    rel,
  );
  if (opts.json) writeReportFile(resolve(io.cwd, opts.json), renderJson(report));
  if (opts.report)
    writeReportFile(
      resolve(io.cwd, opts.report),
      sections ? renderMarkdownByPackage(report, sections, { wrote }) : renderMarkdown(report, { wrote }),
    );

  const s = report.summary;
  // A dry run's --todo marks are not in the code yet: those files' calls are still plain manual ones.
  const marksUnwritten = new Set(wrote ? [] : plans.filter((p) => p.todoEdits?.length).map((p) => rel(p.path)));
  if (!quiet || s.manual || s.errors) {
    for (const f of report.files) {
      if (f.status === 'error') io.stderr(`${colors.red('error')} ${f.path}: ${f.error}\n`);
      for (const c of f.calls) {
        const acknowledged = c.acknowledged && !marksUnwritten.has(f.path);
        if (c.status === 'manual')
          io.stderr(
            `${acknowledged ? colors.dim('acknowledged') : colors.yellow('manual')} ${f.path}:${c.line}:${c.column} ${c.reasonCode}: ${c.reason}\n`,
          );
      }
    }
  }
  if (verification || (opts.write && opts['no-verify'] && s.updated))
    io.stdout(`${verificationLine(verification, !!opts['no-verify'], rel)}\n`);
  // The tracker's own file needs a person (an ORM row, a destructured JS parameter): said even with --quiet.
  const trackerTodos = report.files.filter((f) => f.schema?.manual);
  for (const f of trackerTodos) io.stderr(`${colors.yellow('to do by hand')} ${f.path}: ${f.schema!.manual}\n`);
  const verb = wrote ? 'updated' : 'to update';
  io.stdout(
    `${colors.bold('recon-codemod')}: ${plural(s.files, 'file')} scanned, ${plural(s.calls, 'tracking call')}: ${s.updated} ${verb}, ${s.complete} already complete, ${s.manual} manual` +
      `${s.acknowledged ? ` (${s.acknowledged} acknowledged${!wrote && opts.todo ? ' once written' : ''}: marked with a // recon-codemod: comment, still to finish by hand)` : ''}` +
      `${s.errors ? `, ${plural(s.errors, 'file')} with errors` : ''}${trackerTodos.length ? `, ${plural(trackerTodos.length, 'tracker file')} to finish by hand` : ''}.${!wrote && s.updated ? ' Dry run: nothing written (use --write). Edits are checked for syntax only here; --write type-checks them.' : ''}\n`,
  );
  return s;
}

/** The exit code: errors fail the run; with --check, so does any call left to do (acknowledged manual calls excepted). */
function exitCode(opts: CodemodFlags, s: Report['summary'], plans: FilePlan[], wrote: boolean): number {
  if (opts.check) {
    // A manual call marked with a `// recon-codemod:` comment has been handed to a person: it does not fail CI.
    // In a dry run, --todo's marks are not written yet: those calls are not acknowledged in the code.
    const newlyMarked = wrote ? 0 : plans.reduce((n, p) => n + (p.todoEdits?.length ?? 0), 0);
    const acknowledged = Math.max(0, s.acknowledged - newlyMarked);
    const incomplete = s.manual - acknowledged + (wrote ? 0 : s.updated);
    if (incomplete || s.errors) return EXIT.checkFailed;
  }
  return s.errors ? EXIT.checkFailed : EXIT.ok;
}

/** What `--write`'s type check did, in one line of the summary. */
function verificationLine(v: VerifyOutcome | undefined, disabled: boolean, rel: (path: string) => string): string {
  if (disabled) return 'Type check: skipped (--no-verify); edits were checked for syntax only.';
  if (!v || v.skipped)
    return `Type check: skipped (${v?.skipped ?? 'nothing to check'}); edits were checked for syntax only.`;
  const ts = `TypeScript ${v.typescript!.version}${v.typescript!.own ? '' : " (recon-codemod's own: none installed in the project)"}`;
  const taken = v.reverted + v.schemaReverted;
  const result = taken
    ? `${v.reverted} call${v.reverted === 1 ? '' : 's'} taken back as manual (edit-does-not-compile)${v.schemaReverted ? `, ${v.schemaReverted} schema edit${v.schemaReverted === 1 ? '' : 's'} not written` : ''}`
    : 'no new errors';
  const byWhy = new Map<string, string[]>();
  for (const u of v.unverified) byWhy.set(u.why, [...(byWhy.get(u.why) ?? []), rel(u.path)]);
  const unverified = byWhy.size
    ? `; written without a type check: ${[...byWhy].map(([why, paths]) => `${paths.length > 3 ? `${paths.length} files` : paths.join(', ')} (${why})`).join('; ')}`
    : '';
  if (v.checkedFiles === 0) return `Type check: none${unverified.replace(/^;/, ',')}.`;
  return `Type check: ${v.checkedFiles} files against ${v.tsconfigs.map(rel).join(', ')} with ${ts} in ${(v.ms / 1000).toFixed(1)} s: ${result}${unverified}.`;
}

function writeReportFile(path: string, text: string) {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}
