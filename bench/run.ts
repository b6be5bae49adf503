/**
 * `npm run bench [-- --full]` (`-- --rows N`: reconcile at scale, see reconcile-scale.ts): how recon-codemod's cost compares with its floor and with the alternatives, on a
 * generated repo of 10,000 TS/TSX files (100 of them calling the tracker, in the demo app's shapes) and on one of
 * 2,000 files with the same 100 tracker files (cost should follow the tracker files, not the repo's size).
 *
 * Every figure is a child process: wall time measured here, peak RSS from `/usr/bin/time -v`'s "Maximum resident set
 * size" (the largest single process of the tree), or, without /usr/bin/time, `process.resourceUsage().maxRSS` reported
 * by each Node process on exit through a `--require` hook.
 *
 * jscodeshift (one worker on 2 cores) and ESLint parse every file and take minutes at 10,000 files; by default they are
 * measured at 2,000 files and their 10,000-file figures are extrapolated from the per-file rate (marked "est."). Pass
 * `--full` to measure them at 10,000 too (about 10 minutes on 2 cores).
 *
 * Then (h): what `--write`'s type check costs on a 1,700-file app with the SDKs' types installed (`--verify-only`
 * runs only that).
 *
 * Then (i): what a user installs for `npx recon-codemod`: this repo packed (`npm pack`, dist/ as built), installed into an
 * empty temp project with a fresh npm cache (so every package is downloaded, as on a fresh machine), then its first
 * run. Prints MB, packages and seconds against the targets (< 40 MB, < 8 s); skipped, with the reason, when the npm
 * registry cannot be reached. `--install-only` runs only that.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { generateRepo, REPO, type GenerateResult } from './generate.js';

const require = createRequire(import.meta.url);
const FULL = process.argv.includes('--full');
const KEEP = process.argv.includes('--keep');
/** `npm run bench -- --verify-only`: only the cost of `--write`'s type check (scenario h). */
const VERIFY_ONLY = process.argv.includes('--verify-only');
/** `npm run bench -- --install-only`: only what `npx recon-codemod` installs (scenario i). */
const INSTALL_ONLY = process.argv.includes('--install-only');
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
const NODE = process.execPath;
const BIN = join(REPO, 'bin', 'recon-codemod.js');
const JSCODESHIFT = require.resolve('jscodeshift/bin/jscodeshift.js');
const ESLINT_BIN = join(REPO, 'node_modules', 'eslint', 'bin', 'eslint.js');
const PLUGIN = join(REPO, 'dist', 'eslint-plugin', 'index.js');
const RSS_HOOK = join(REPO, 'bench', 'maxrss.cjs');
const GiB = 1024 ** 3;
/** Runs of each cheap figure (a–d); the fastest is reported. */
const REPEAT = 3;

interface Measure {
  wall: number; // seconds
  rss: number; // bytes
  /** User + system CPU seconds (from /usr/bin/time; less sensitive than wall time to a busy machine). */
  cpu?: number;
  code: number | null;
  stdout: string;
  stderr: string;
  estimated?: boolean;
}

function measure(cmd: string, args: string[], cwd: string, env: Record<string, string> = {}): Measure {
  const scratch = mkdtempSync(join(tmpdir(), 'recon-bench-m-'));
  const rssFile = join(scratch, 'rss');
  const wrapped = TIME ? ([TIME, ['-v', '-o', rssFile, cmd, ...args]] as const) : ([cmd, args] as const);
  const childEnv = { ...process.env, NO_COLOR: '1', CI: '1', ...env } as Record<string, string>;
  if (!TIME) childEnv.NODE_OPTIONS = `${childEnv.NODE_OPTIONS ?? ''} --require ${RSS_HOOK}`.trim();
  childEnv.BENCH_RSS_FILE = rssFile;
  const started = process.hrtime.bigint();
  const result = spawnSync(wrapped[0], wrapped[1], {
    cwd,
    env: childEnv,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  const wall = Number(process.hrtime.bigint() - started) / 1e9;
  let rss = 0;
  let cpu: number | undefined;
  try {
    const text = readFileSync(rssFile, 'utf8');
    if (TIME) rss = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(text)?.[1] ?? 0) * 1024;
    if (TIME)
      cpu =
        Number(/User time \(seconds\): ([\d.]+)/.exec(text)?.[1] ?? NaN) +
        Number(/System time \(seconds\): ([\d.]+)/.exec(text)?.[1] ?? NaN);
    else rss = Math.max(0, ...text.split('\n').filter(Boolean).map(Number));
  } catch {
    /* no figure */
  }
  let code = result.status;
  if (TIME) {
    // GNU time passes the command's status through; "Command exited with non-zero status N" also says it.
    code = result.status;
  }
  rmSync(scratch, { recursive: true, force: true });
  return { wall, rss, cpu, code, stdout: result.stdout ?? '', stderr: result.stderr ?? '' };
}

/** The fastest of `n` runs (the machine is shared: the minimum is the least disturbed figure); peak RSS is the largest. */
function best(n: number, once: () => Measure): Measure {
  const runs = Array.from({ length: n }, once);
  const fastest = runs.reduce((a, b) => (b.wall < a.wall ? b : a));
  return { ...fastest, rss: Math.max(...runs.map((r) => r.rss)) };
}

function copyTree(from: string): string {
  const to = mkdtempSync(join(tmpdir(), 'recon-bench-copy-'));
  cpSync(from, to, { recursive: true });
  return to;
}

function eslintConfig(dir: string) {
  const tseslint = pathToFileURL(require.resolve('typescript-eslint')).href;
  const plugin = pathToFileURL(PLUGIN).href;
  writeFileSync(
    join(dir, 'eslint.config.mjs'),
    `// Written by bench/run.ts: typescript-eslint's untyped recommended rules, plus the recon rule when BENCH_RULE=1.
import tseslint from ${JSON.stringify(tseslint)};
const rule = process.env.BENCH_RULE === '1' ? [(await import(${JSON.stringify(plugin)})).default.configs.recommended] : [];
export default [{ ignores: ['eslint.config.mjs'] }, ...tseslint.configs.recommended, ...rule];
`,
  );
}

interface Row {
  label: string;
  m?: Measure;
  note?: string;
}

interface Scenario {
  gen: GenerateResult;
  grepHits: number;
  rows: Record<
    'grep' | 'parse' | 'dry' | 'write' | 'jscodeshift' | 'jscodeshiftEngine' | 'eslintBase' | 'eslintRule',
    Row
  >;
  reconSummary: string;
  ruleMs?: number;
  ruleReports?: number;
}

function runScenario(totalFiles: number, trackerFiles: number, heavy: boolean, heavyFrom?: Scenario): Scenario {
  const dir = mkdtempSync(join(tmpdir(), `recon-bench-${totalFiles}-`));
  process.stderr.write(`bench: generating ${totalFiles} files (${trackerFiles} calling the tracker) in ${dir}\n`);
  const gen = generateRepo({ dir, totalFiles, trackerFiles, seed: 7 });
  // Warm the page cache so the first measured tool does not pay for the generator's writes.
  spawnSync('grep', ['-rl', 'warm-the-cache', dir]);
  const rows = {} as Scenario['rows'];

  process.stderr.write('bench: grep\n');
  const grep = best(REPEAT, () => measure('grep', ['-rl', 'trackTokenUsage', dir], dir));
  rows.grep = { label: '(a) grep -rl trackTokenUsage (floor)', m: grep };
  const grepHits = grep.stdout.split('\n').filter(Boolean).length;

  process.stderr.write('bench: prefiltered parse\n');
  rows.parse = {
    label: '(b) TS createSourceFile, files naming the callee',
    m: best(REPEAT, () => measure(NODE, [join(REPO, 'bench', 'parse-candidates.mjs'), dir], dir)),
  };

  process.stderr.write('bench: recon-codemod dry run\n');
  const dry = best(REPEAT, () => measure(NODE, [BIN, dir, '--quiet'], dir));
  rows.dry = { label: '(c) recon-codemod <dir> --quiet (dry run)', m: dry };
  const reconSummary = dry.stdout.trim().split('\n').pop() ?? '';

  process.stderr.write('bench: recon-codemod --write\n');
  const write = best(REPEAT, () => {
    const writeDir = copyTree(dir);
    const m = measure(NODE, [BIN, writeDir, '--write', '--quiet'], writeDir);
    rmSync(writeDir, { recursive: true, force: true });
    return m;
  });
  rows.write = { label: '(d) recon-codemod --write --quiet (on a copy)', m: write };

  const scale = heavyFrom ? totalFiles / heavyFrom.gen.files : 1;
  const estimate = (row: Row): Row => ({
    label: row.label,
    m: row.m && { ...row.m, wall: row.m.wall * scale, estimated: true },
    note: row.note ?? `est. ×${scale} from ${heavyFrom!.gen.files} files`,
  });
  const jsLabel = '(e) jscodeshift, naive transform, default workers';
  if (heavy) {
    const jsDir = copyTree(dir);
    process.stderr.write('bench: jscodeshift (parses every file: slow)\n');
    const js = measure(
      NODE,
      [
        JSCODESHIFT,
        '-t',
        join(REPO, 'bench', 'jscodeshift-naive.cjs'),
        join(jsDir, 'src'),
        '--extensions=ts,tsx',
        '--parser=tsx',
      ],
      jsDir,
    );
    rows.jscodeshift = {
      label: jsLabel,
      m: js,
      note: /(\d+) ok/.exec(js.stdout) ? `${/(\d+) ok/.exec(js.stdout)![1]} files changed` : undefined,
    };
    rmSync(jsDir, { recursive: true, force: true });
  } else rows.jscodeshift = estimate(heavyFrom!.rows.jscodeshift);

  // The shipped transform (codemods/jscodeshift.cjs: the engine in a worker thread, text-prefiltered) under jscodeshift.
  const jsEngineDir = copyTree(dir);
  process.stderr.write('bench: jscodeshift -t codemods/jscodeshift.cjs\n');
  const jsEngine = measure(
    NODE,
    [
      JSCODESHIFT,
      '-t',
      join(REPO, 'codemods', 'jscodeshift.cjs'),
      join(jsEngineDir, 'src'),
      '--extensions=ts,tsx',
      '--parser=tsx',
    ],
    jsEngineDir,
  );
  rows.jscodeshiftEngine = {
    label: '(g) jscodeshift -t codemods/jscodeshift.cjs',
    m: jsEngine,
    note: /(\d+) ok/.exec(jsEngine.stdout) ? `${/(\d+) ok/.exec(jsEngine.stdout)![1]} files changed` : undefined,
  };
  rmSync(jsEngineDir, { recursive: true, force: true });

  let ruleMs: number | undefined;
  let ruleReports: number | undefined;
  if (!existsSync(PLUGIN)) {
    rows.eslintBase = {
      label: '(f) eslint, untyped, without the rule',
      note: 'n/a: dist/eslint-plugin/index.js not built',
    };
    rows.eslintRule = { label: '(f) eslint, untyped, with the rule', note: 'n/a' };
  } else if (heavy) {
    eslintConfig(dir);
    process.stderr.write('bench: eslint without the rule (parses every file: slow)\n');
    // Interleaved (without, with, without, with …) so a burst of load hits both alike; the fastest of each counts.
    // Both with TIMING (its instrumentation costs time in every rule, so it must be on in both or neither).
    const out = join(dir, '.eslint-rule.json');
    const base: Measure[] = [];
    const rule: Measure[] = [];
    const repeat = totalFiles > 2_000 ? 1 : 2;
    for (let i = 0; i < repeat; i++) {
      base.push(
        measure(NODE, [ESLINT_BIN, '.', '-f', 'json', '-o', join(dir, '.eslint-base.json')], dir, {
          BENCH_RULE: '0',
          TIMING: 'all',
        }),
      );
      process.stderr.write('bench: eslint with the rule\n');
      rule.push(measure(NODE, [ESLINT_BIN, '.', '-f', 'json', '-o', out], dir, { BENCH_RULE: '1', TIMING: 'all' }));
    }
    const pickBest = (xs: Measure[]) => ({
      ...xs.reduce((a, b) => (b.wall < a.wall ? b : a)),
      rss: Math.max(...xs.map((x) => x.rss)),
    });
    rows.eslintBase = {
      label: '(f) eslint, typescript-eslint recommended (untyped)',
      m: pickBest(base),
      note: repeat > 1 ? `best of ${repeat}` : undefined,
    };
    const withRule = pickBest(rule);
    rows.eslintRule = {
      label: '(f) same + recon/require-reconciliation-fields',
      m: withRule,
      note: repeat > 1 ? `best of ${repeat}` : undefined,
    };
    ruleMs = Number(/recon\/require-reconciliation-fields\s*\|\s*([\d.]+)/.exec(withRule.stdout)?.[1] ?? NaN);
    try {
      const results = JSON.parse(readFileSync(out, 'utf8')) as Array<{ messages: Array<{ ruleId: string | null }> }>;
      ruleReports = results.reduce(
        (n, r) => n + r.messages.filter((m) => m.ruleId === 'recon/require-reconciliation-fields').length,
        0,
      );
    } catch {
      /* no report */
    }
  } else {
    rows.eslintBase = estimate(heavyFrom!.rows.eslintBase);
    rows.eslintRule = estimate(heavyFrom!.rows.eslintRule);
    ruleMs = heavyFrom!.ruleMs; // the rule's own time follows the tracker files, which are the same
  }
  if (!KEEP) rmSync(dir, { recursive: true, force: true });
  return { gen, grepHits, rows, reconSummary, ruleMs, ruleReports };
}

/**
 * The cost of `--write`'s type check (src/verify.ts) on an app of `totalFiles` files (the size of the real app in
 * issue 11) whose node_modules is this repo's, so the SDKs' real types are there: `--write` against
 * `--write --no-verify`, each on a fresh copy, fastest of `REPEAT`.
 */
function verifyScenario(totalFiles: number, trackerFiles: number) {
  const dir = mkdtempSync(join(tmpdir(), `recon-bench-verify-${totalFiles}-`));
  process.stderr.write(
    `bench: generating ${totalFiles} files (${trackerFiles} calling the tracker) with node_modules for the type check, in ${dir}\n`,
  );
  const gen = generateRepo({ dir, totalFiles, trackerFiles, seed: 11 });
  symlinkSync(join(REPO, 'node_modules'), join(dir, 'node_modules'), 'dir');
  spawnSync('grep', ['-rl', 'warm-the-cache', join(dir, 'src')]);
  const run = (extra: string[]) =>
    best(REPEAT, () => {
      const writeDir = copyTree(dir);
      const m = measure(NODE, [BIN, writeDir, '--write', '--quiet', ...extra], writeDir);
      rmSync(writeDir, { recursive: true, force: true });
      return m;
    });
  process.stderr.write('bench: recon-codemod --write (type-checked)\n');
  const verified = run([]);
  process.stderr.write('bench: recon-codemod --write --no-verify\n');
  const unverified = run(['--no-verify']);
  if (!KEEP) rmSync(dir, { recursive: true, force: true });
  const typeCheck = /^Type check: .*$/m.exec(verified.stdout)?.[0] ?? '(no type check line)';
  console.log(
    `\n--write's type check: ${gen.files} files, ${gen.trackingCalls} tracking calls in ${gen.trackerFiles} files, node_modules with the SDKs' types`,
  );
  console.log(
    `${pad('tool', 52)} ${lpad('wall', 10)} ${lpad('CPU', 10)} ${lpad('peak RSS', 10)}  note (fastest of ${REPEAT} runs)`,
  );
  console.log('-'.repeat(96));
  const cpu = (m: Measure) => (m.cpu !== undefined && !Number.isNaN(m.cpu) ? fmtS(m.cpu) : 'n/a');
  for (const [label, m] of [
    ['(h) recon-codemod --write --quiet (type-checked)', verified],
    ['(h) recon-codemod --write --quiet --no-verify', unverified],
  ] as const) {
    console.log(
      `${pad(label, 52)} ${lpad(fmtS(m.wall), 10)} ${lpad(cpu(m), 10)} ${lpad(fmtMiB(m.rss), 10)}  ${m.code !== 0 ? `exit ${m.code}` : ''}`,
    );
  }
  const cpuCost =
    verified.cpu !== undefined && unverified.cpu !== undefined ? `, ${fmtS(verified.cpu - unverified.cpu)} of CPU` : '';
  console.log(
    `type check costs ${fmtS(verified.wall - unverified.wall)} wall${cpuCost} (×${(verified.wall / unverified.wall).toFixed(2)}); recon-codemod said: ${typeCheck}`,
  );
}

/** npm's own variables (set by `npm run bench`) would point npm at this repo: keep only the registry. */
function npmEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env))
    if (v !== undefined && !(/^npm_/i.test(k) && !/^npm_config_registry$/i.test(k))) env[k] = v;
  return { ...env, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' };
}

/** Disk usage of `dir` (as `du -s`) and the number of packages npm installed there. */
function treeSize(dir: string): { bytes: number; packages: number } {
  const du = spawnSync('du', ['-sk', dir], { encoding: 'utf8' });
  const kib = Number(/^(\d+)/.exec(du.stdout ?? '')?.[1]);
  const lock = JSON.parse(readFileSync(join(dir, '.package-lock.json'), 'utf8')) as {
    packages: Record<string, unknown>;
  };
  return { bytes: Number.isFinite(kib) ? kib * 1024 : NaN, packages: Object.keys(lock.packages).length };
}

/**
 * (i) What `npx recon-codemod` costs a user on a fresh machine: install of the packed tarball into an empty project
 * with an empty npm cache, then the first run (`recon-codemod --help`).
 */
function installScenario() {
  console.log(`
What a user installs: npm pack, then npm install <tarball> into an empty project with an empty npm cache`);
  const ping = spawnSync('npm', ['ping'], { encoding: 'utf8', env: npmEnv(), timeout: 20_000 });
  if (ping.status !== 0) {
    console.log(
      `(i) skipped: the npm registry cannot be reached (npm ping: ${(ping.stderr || ping.error?.message || `exit ${ping.status}`).trim().split('\n').pop()})`,
    );
    return;
  }
  if (!existsSync(join(REPO, 'dist', 'src', 'cli.js'))) {
    console.log('(i) skipped: dist/ is not built (npm run build)');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'recon-bench-install-'));
  const packed = spawnSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], {
    cwd: REPO,
    encoding: 'utf8',
    env: npmEnv(),
  });
  if (packed.status !== 0) throw new Error(`npm pack failed: ${packed.stderr}`);
  const tarball = join(dir, (JSON.parse(packed.stdout) as Array<{ filename: string }>)[0].filename);
  const app = join(dir, 'app');
  const cache = join(dir, 'cache');
  cpSync(join(REPO, 'fixtures', 'demo-app', 'src'), join(app, 'src'), { recursive: true });
  cpSync(join(REPO, 'fixtures', 'demo-app', 'tsconfig.json'), join(app, 'tsconfig.json'));
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'fresh-app', version: '1.0.0', private: true }));
  const install = measure('npm', ['install', '--cache', cache, '--no-audit', '--no-fund', tarball], app, npmEnv());
  if (install.code !== 0) {
    console.log(
      `(i) npm install failed (exit ${install.code}): ${install.stderr.trim().split('\n').slice(-3).join(' ')}`,
    );
    if (!KEEP) rmSync(dir, { recursive: true, force: true });
    return;
  }
  const size = treeSize(join(app, 'node_modules'));
  const first = measure(NODE, [join(app, 'node_modules', '.bin', 'recon-codemod'), '--help'], app);
  const dry = measure(NODE, [join(app, 'node_modules', '.bin', 'recon-codemod'), '.', '--quiet'], app);
  const mb = size.bytes / 1e6;
  const total = install.wall + first.wall;
  console.log(
    `${pad('(i) npm install <tarball>, empty cache', 52)} ${lpad(fmtS(install.wall), 10)}  ${mb.toFixed(1)} MB in node_modules, ${size.packages} packages`,
  );
  console.log(
    `${pad('(i) then recon-codemod --help (first run)', 52)} ${lpad(fmtS(first.wall), 10)}  ${first.code !== 0 ? `exit ${first.code}` : ''}`,
  );
  console.log(
    `${pad('(i) then recon-codemod . --quiet (demo app)', 52)} ${lpad(fmtS(dry.wall), 10)}  ${dry.code !== 0 ? `exit ${dry.code}` : dry.stdout.trim().split('\n').pop()}`,
  );
  console.log(
    `  ${pad('installed size', 46)} ${pad(`${mb.toFixed(1)} MB (target < 40 MB)`, 34)} ${mb < 40 ? 'PASS' : 'FAIL'}`,
  );
  console.log(
    `  ${pad('install + first run', 46)} ${pad(`${fmtS(total)} (target < 8 s; network and load count)`, 34)} ${total < 8 ? 'PASS' : 'FAIL'}`,
  );
  if (!KEEP) rmSync(dir, { recursive: true, force: true });
}

const fmtS = (s: number) => `${s.toFixed(2)} s`;
const fmtMiB = (b: number) => (b ? `${(b / 1024 ** 2).toFixed(0)} MiB` : 'n/a');
const pad = (s: string, n: number) => s.padEnd(n);
const lpad = (s: string, n: number) => s.padStart(n);

function table(title: string, s: Scenario) {
  console.log(
    `\n${title}: ${s.gen.files} files, ${(s.gen.bytes / 1024 ** 2).toFixed(1)} MiB, ${s.gen.lines} lines; ${s.grepHits} files name the callee (${s.gen.trackerFiles} routes + the tracker), ${s.gen.trackingCalls} tracking calls`,
  );
  console.log(`${pad('tool', 52)} ${lpad('wall', 10)} ${lpad('peak RSS', 10)}  note (a–d: fastest of ${REPEAT} runs)`);
  console.log('-'.repeat(96));
  for (const row of Object.values(s.rows)) {
    const m = row.m;
    const wall = m ? `${m.estimated ? '~' : ''}${fmtS(m.wall)}` : 'n/a';
    const rss = m && !m.estimated ? fmtMiB(m.rss) : m ? '' : 'n/a';
    const exit = m && !m.estimated && m.code !== 0 ? `exit ${m.code}` : '';
    console.log(
      `${pad(row.label, 52)} ${lpad(wall, 10)} ${lpad(rss, 10)}  ${[exit, row.note].filter(Boolean).join('; ')}`,
    );
  }
  console.log(`recon-codemod said: ${s.reconSummary}`);
  if (s.ruleReports !== undefined)
    console.log(
      `ESLint rule reported ${s.ruleReports} calls; the rule's own time (TIMING): ${s.ruleMs?.toFixed(0)} ms`,
    );
}

function verdicts(s: Scenario, label: string) {
  const r = s.rows;
  const wall = (row: Row) => row.m?.wall ?? NaN;
  const lines: Array<[string, string, boolean | undefined]> = [];
  const a = wall(r.dry) / wall(r.parse);
  lines.push([`recon dry run / prefiltered parse`, `${a.toFixed(2)}× (target ≤ 3×)`, a <= 3]);
  const b = wall(r.dry) / wall(r.jscodeshift);
  lines.push([
    `recon dry run / jscodeshift${r.jscodeshift.m?.estimated ? ' (est.)' : ''}`,
    `${b.toFixed(3)} (target ≤ 0.5)`,
    b <= 0.5,
  ]);
  const bw = wall(r.write) / wall(r.jscodeshift);
  lines.push([
    `recon --write / jscodeshift${r.jscodeshift.m?.estimated ? ' (est.)' : ''}`,
    `${bw.toFixed(3)} (target ≤ 0.5)`,
    bw <= 0.5,
  ]);
  const peak = Math.max(r.dry.m?.rss ?? 0, r.write.m?.rss ?? 0);
  lines.push([`recon peak memory`, `${fmtMiB(peak)} (target < 1024 MiB)`, peak > 0 ? peak < GiB : undefined]);
  if (r.eslintRule.m && r.eslintBase.m) {
    const diff = (wall(r.eslintRule) - wall(r.eslintBase)) / wall(r.eslintRule);
    const timing = s.ruleMs !== undefined && !Number.isNaN(s.ruleMs) ? s.ruleMs / 1000 / wall(r.eslintRule) : NaN;
    lines.push([
      `rule's share of the ESLint run (TIMING)`,
      `${(timing * 100).toFixed(2)} % (target < 3 %)`,
      timing < 0.03,
    ]);
    lines.push([`  (wall with − without, noisy)`, `${(diff * 100).toFixed(2)} %`, undefined]);
  } else lines.push([`rule's share of the ESLint run`, 'n/a (eslint-plugin not built)', undefined]);
  console.log(`\n${label}`);
  for (const [what, value, ok] of lines)
    console.log(`  ${pad(what, 46)} ${pad(value, 34)} ${ok === undefined ? '' : ok ? 'PASS' : 'FAIL'}`);
}

if (process.argv.includes('--rows')) {
  // `npm run bench -- --rows N`: reconcile at a production table's size (bench/reconcile-scale.ts), nothing else.
  const { reconcileScaleBench } = await import('./reconcile-scale.js');
  await reconcileScaleBench();
  process.exit(0);
}
const started = Date.now();
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
console.log(
  `recon-codemod bench — node ${process.version}, ${TIME ? '/usr/bin/time -v' : 'process.resourceUsage().maxRSS'} for peak RSS${FULL ? ', --full' : ''}; load average at start: ${load()} (figures are noisy when the machine is busy)`,
);
if (!VERIFY_ONLY && !INSTALL_ONLY) {
  const small = runScenario(2_000, 100, true);
  const large = runScenario(10_000, 100, FULL, FULL ? undefined : small);
  table('10,000 files', large);
  table('2,000 files, same 100 tracker files', small);
  verdicts(large, 'Targets at 10,000 files:');
  verdicts(small, 'Targets at 2,000 files:');
  const perFile = (s: Scenario) => s.rows.dry.m!.wall;
  console.log(
    `\nScaling: 5× the files, same tracker files → recon dry run ${fmtS(perFile(small))} → ${fmtS(perFile(large))} (×${(perFile(large) / perFile(small)).toFixed(2)}); ` +
      `prefiltered parse ×${(large.rows.parse.m!.wall / small.rows.parse.m!.wall).toFixed(2)}; grep ×${(large.rows.grep.m!.wall / small.rows.grep.m!.wall).toFixed(2)}.`,
  );
}
if (!INSTALL_ONLY) verifyScenario(1_700, 36);
if (!VERIFY_ONLY) installScenario();
console.log(`bench took ${((Date.now() - started) / 1000).toFixed(0)} s; load average at end: ${load()}`);
