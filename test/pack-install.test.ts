/**
 * Installed the way users install it: `npm pack` this repo (built by test/global-setup.ts; packed with
 * --ignore-scripts so the pack does not rebuild dist/ under the other tests' feet), unpack the tarball into a fresh
 * temp project's node_modules with only its declared dependencies beside it (linked from this repo's install),
 * copy the demo app's sources in, and there:
 *  - `npx recon-codemod .` exits 0 with the expected summary, `--write` gives the expected app;
 *  - `eslint.config.js` does `import recon from 'recon-codemod/eslint-plugin'`, and ESLint run in the project reports
 *    the calls the codemod would update (that it reports nothing once they are written is
 *    eslint-plugin/tests/cli.test.ts's, with the same compiled plugin);
 *  - the jscodeshift transform runs from node_modules/recon-codemod/codemods/ (if the tarball carries it);
 *  - before the optional peers are linked (what `npx recon-codemod` installs), the codemod and `--help` run, and the
 *    tracker, `reconcile` and the ESLint plugin each ask for what they miss in one line.
 * The tarball holds no test/, fixtures/, bench/ or TypeScript sources; its size and file list are printed.
 */
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, snapshotTree } from './helpers.js';

const DEMO = join(REPO, 'fixtures', 'demo-app');
const work = mkdtempSync(join(tmpdir(), 'recon-pack-'));
const project = join(work, 'project');

/** The parent's npm_* variables (when run under `npm test`) would point npm at this repo: keep only the cache. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^npm_/i.test(k) && !/^npm_config_(cache|registry)$/i.test(k)) continue;
    env[k] = v;
  }
  return {
    ...env,
    NO_COLOR: '1',
    CI: '1',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
  };
}

function run(cmd: string, args: string[], cwd: string, options: SpawnSyncOptions = {}) {
  const result = spawnSync(cmd, args, { cwd, env: cleanEnv(), encoding: 'utf8', timeout: 280_000, ...options });
  return {
    code: result.status,
    stdout: String(result.stdout ?? ''),
    stderr: String(result.stderr ?? ''),
    out: `${result.stdout ?? ''}${result.stderr ?? ''}`,
  };
}

interface PackInfo {
  filename: string;
  size: number;
  unpackedSize: number;
  entryCount: number;
  files: Array<{ path: string; size: number }>;
}
let pack: PackInfo;
interface Manifest {
  dependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
  peerDependenciesMeta: Record<string, { optional?: boolean }>;
}
let manifest: Manifest;

/** Links packages from this repo's install into the project (once each), as if installed there. */
function linkPeers(names: string[]) {
  const modules = join(project, 'node_modules');
  for (const dep of names) {
    if (existsSync(join(modules, dep))) continue;
    mkdirSync(dirname(join(modules, dep)), { recursive: true });
    symlinkSync(join(REPO, 'node_modules', dep), join(modules, dep), 'dir');
  }
}

beforeAll(() => {
  const packed = run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], REPO);
  expect(packed.code, packed.out).toBe(0);
  pack = (JSON.parse(packed.stdout) as PackInfo[])[0];
  console.log(
    `npm pack: ${pack.filename}: ${(pack.size / 1024).toFixed(1)} KiB packed, ${(pack.unpackedSize / 1024).toFixed(1)} KiB unpacked, ${pack.entryCount} files\n` +
      pack.files.map((f) => `  ${f.path} (${f.size} B)`).join('\n'),
  );

  mkdirSync(project);
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({ name: 'fresh-app', version: '1.0.0', private: true, type: 'module' }, null, 2),
  );
  // The tarball is unpacked where npm would put it; its declared dependencies are linked from this repo's install
  // instead of being installed again (that took 20-50 s of the suite); the optional peers only when a test needs them
  // (linkPeers). Node resolves a link to its real path, so a dependency's own imports resolve as installed, while the
  // package's code reaches only what it declares: a devDependency it imports by mistake is not found.
  const modules = join(project, 'node_modules');
  const unpacked = join(modules, 'recon-codemod');
  mkdirSync(unpacked, { recursive: true });
  const untar = run('tar', ['-xzf', join(work, pack.filename), '-C', unpacked, '--strip-components=1'], project);
  expect(untar.code, untar.out).toBe(0);
  manifest = JSON.parse(readFileSync(join(unpacked, 'package.json'), 'utf8')) as Manifest;
  linkPeers(Object.keys(manifest.dependencies));
  mkdirSync(join(modules, '.bin'));
  symlinkSync('../recon-codemod/bin/recon-codemod.js', join(modules, '.bin', 'recon-codemod'));
  cpSync(join(DEMO, 'src'), join(project, 'src'), { recursive: true });
  cpSync(join(DEMO, 'tsconfig.json'), join(project, 'tsconfig.json'));
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

describe('npm pack', () => {
  it('ships no dev-only files: no test/, fixtures/, bench/, scratch/ or TypeScript sources', () => {
    const paths = pack.files.map((f) => f.path);
    expect(paths).toContain('package.json');
    expect(paths).toContain('bin/recon-codemod.js');
    expect(paths).toContain('dist/src/cli.js');
    for (const p of paths) {
      expect(p, p).not.toMatch(/^(test|fixtures|bench|scratch|src|codemods\/[^/]+\.ts$|eslint-plugin\/(?!docs\/))/);
      expect(p.endsWith('.ts') && !p.endsWith('.d.ts'), `${p} is a TypeScript source`).toBe(false);
      expect(p, p).not.toMatch(/\.test\.|\.spec\./);
    }
    // Small: the engine, CLI, rule, schema and tracker, compiled.
    expect(pack.size).toBeLessThan(512 * 1024);
  });
});

describe('installed alone: what npx installs, no optional peer', () => {
  const OPTIONAL = [
    '@electric-sql/pglite',
    '@pydantic/genai-prices',
    '@typescript-eslint/parser',
    '@typescript-eslint/utils',
    'eslint',
    'openai',
    'pg',
    'zod',
  ];
  const bin = () => join(project, 'node_modules', 'recon-codemod', 'bin', 'recon-codemod.js');

  it('declares what only the tracker, reconcile and the lint rule need as optional peers, not dependencies', () => {
    for (const name of OPTIONAL) {
      expect(manifest.dependencies[name], name).toBeUndefined();
      expect(manifest.peerDependenciesMeta[name]?.optional, name).toBe(true);
    }
    // The codemod's TypeScript is the one ts-morph bundles: no typescript is pulled in beside it.
    expect(Object.keys(manifest.dependencies)).not.toContain('typescript');
    expect(Object.keys(manifest.peerDependencies)).not.toContain('typescript');
    for (const name of OPTIONAL) expect(existsSync(join(project, 'node_modules', name)), name).toBe(false);
  });

  it('--help runs (the codemod runs in the next test, before the peers are linked); the tracker, reconcile and the ESLint plugin ask for what they miss, in one line', () => {
    const help = run('node', [bin(), '--help'], project);
    expect(help.code, help.out).toBe(0);
    expect(help.stdout).toMatch(/^Usage: recon-codemod/);
    // The public API, the schema and the tracker's module import without them (the tracker loads its driver on use).
    const api = run(
      'node',
      [
        '--input-type=module',
        '-e',
        "const m = [await import('recon-codemod'), await import('recon-codemod/schema'), await import('recon-codemod/tracking')]; console.log(m.map((x) => Object.keys(x).length > 0).join(','));",
      ],
      project,
    );
    expect(api.code, api.out).toBe(0);
    expect(api.stdout.trim()).toBe('true,true,true');
    const reconcile = run('node', [bin(), 'reconcile', '--since', '2026-01-01', '--until', '2026-01-02'], project, {
      env: { ...cleanEnv(), OPENAI_ADMIN_KEY: 'sk-admin-not-used' },
    });
    expect(reconcile.code, reconcile.out).toBe(2);
    expect(reconcile.stderr).toBe(
      'recon-codemod reconcile needs @pydantic/genai-prices: npm i -D @pydantic/genai-prices\n',
    );
    // Its help needs none of them: it prints, with the hint.
    const reconcileHelp = run('node', [bin(), 'reconcile', '--help'], project);
    expect(reconcileHelp.code, reconcileHelp.out).toBe(0);
    expect(reconcileHelp.stdout).toMatch(/^Usage: recon-codemod reconcile /);
    expect(reconcileHelp.stderr).toContain('needs @pydantic/genai-prices');
    linkPeers(['@pydantic/genai-prices']);
    const online = run('node', [bin(), 'reconcile', '--since', '2026-01-01', '--until', '2026-01-02'], project, {
      env: { ...cleanEnv(), OPENAI_ADMIN_KEY: 'sk-admin-not-used' },
    });
    expect(online.code, online.out).toBe(2);
    expect(online.stderr).toBe('recon-codemod reconcile needs openai: npm i -D openai\n');
    writeFileSync(
      join(project, 'usage.json'),
      JSON.stringify({ object: 'page', data: [], has_more: false, next_page: null }),
    );
    mkdirSync(join(project, '.recon', 'db'), { recursive: true });
    const offline = run(
      'node',
      [bin(), 'reconcile', '--usage', 'usage.json', '--since', '2026-01-01', '--until', '2026-01-02'],
      project,
    );
    expect(offline.code, offline.out).toBe(2);
    expect(offline.stderr).toBe(
      'recon-codemod reconcile (rows in .recon/db) needs @electric-sql/pglite: npm i -D @electric-sql/pglite\n',
    );

    const trackOneRow = [
      '--input-type=module',
      '-e',
      "import { createTracker } from 'recon-codemod/tracking'; const t = createTracker({ deadLetterFile: null, logger: { error() {}, warn() {} } }); console.log(JSON.stringify(await t.trackTokenUsage({ action_type: 'x', model_used: 'gpt-4o', tokens_used: 1 })));",
    ];
    const tracker = run('node', trackOneRow, project);
    expect(tracker.code, tracker.out).toBe(0);
    // zod first (the row is validated before it is stored), then the default store's driver.
    expect(JSON.parse(tracker.stdout).error).toBe('recon-codemod/tracking needs zod: npm i zod');
    linkPeers(['zod']);
    const withZod = run('node', trackOneRow, project);
    expect(withZod.code, withZod.out).toBe(0);
    expect(JSON.parse(withZod.stdout).error).toContain(
      "recon-codemod/tracking's default store (pgliteStore) needs @electric-sql/pglite: npm i @electric-sql/pglite",
    );
    // The zod schema has an entry of its own, which needs zod.
    const schema = run(
      'node',
      [
        '--input-type=module',
        '-e',
        "const { tokenUsageSchema } = await import('recon-codemod/schema/zod'); console.log(tokenUsageSchema.safeParse({ action_type: 'x', model_used: 'm', tokens_used: 1, openai_created: 1741476542000 }).success)",
      ],
      project,
    );
    expect(schema.code, schema.out).toBe(0);
    expect(schema.stdout.trim()).toBe('false');

    const plugin = run('node', ['--input-type=module', '-e', "await import('recon-codemod/eslint-plugin')"], project);
    expect(plugin.code, plugin.out).not.toBe(0);
    expect(plugin.stderr).toContain(
      'recon-codemod/eslint-plugin needs @typescript-eslint/utils and @typescript-eslint/parser: npm i -D @typescript-eslint/utils @typescript-eslint/parser',
    );
    rmSync(join(project, '.recon'), { recursive: true, force: true });
    rmSync(join(project, 'usage.json'));
  });
});

describe('installed into a fresh project', () => {
  it('npx recon-codemod runs from the installed package (dry run without any optional peer, then --write)', async () => {
    const dry = run('npx', ['--no', 'recon-codemod', '.', '--quiet'], project);
    expect(dry.code, dry.out).toBe(0);
    expect(dry.stdout).toMatch(
      /16 files scanned, 13 tracking calls: 12 to update, 1 already complete, 0 manual\. Dry run/,
    );
    expect(
      existsSync(join(project, 'node_modules', 'openai')) ||
        existsSync(join(project, 'node_modules', '@electric-sql')) ||
        existsSync(join(project, 'node_modules', 'eslint')),
    ).toBe(false);

    // The lint rule's optional peers, as a project that uses it installs them.
    linkPeers(['eslint', '@typescript-eslint/parser', '@typescript-eslint/utils']);

    // eslint, with the plugin imported by its package name, before the codemod writes: it reports the 12 calls.
    writeFileSync(
      join(project, 'eslint.config.js'),
      `import recon from 'recon-codemod/eslint-plugin';\n\nexport default [{ ignores: ['node_modules/**'] }, recon.configs.recommended];\n`,
    );
    // ESLint's API in the project, as its CLI runs there (the CLI itself, both majors, is tested in
    // eslint-plugin/tests/cli.test.ts): the config is the project's, and the plugin is what its import resolves to
    // there, the unpacked tarball.
    const { ESLint } = await import('eslint');
    const results = await new ESLint({ cwd: project }).lintFiles(['.']);
    expect(results.length).toBeGreaterThan(10);
    const messages = results.flatMap((r) => r.messages);
    expect(
      messages.filter((m) => m.ruleId !== 'recon/require-reconciliation-fields'),
      JSON.stringify(messages),
    ).toEqual([]);
    expect(messages).toHaveLength(12);

    const write = run(join(project, 'node_modules', '.bin', 'recon-codemod'), ['.', '--write', '--quiet'], project);
    expect(write.code, write.out).toBe(0);
    expect(write.stdout).toMatch(/12 updated, 1 already complete, 0 manual/);
    const got = snapshotTree(join(project, 'src'));
    for (const [file, bytes] of snapshotTree(join(REPO, 'fixtures', 'demo-app-expected', 'src')))
      expect(got.get(file)?.equals(bytes), file).toBe(true);
  });

  it('the jscodeshift transform ships in the tarball and runs from node_modules/recon-codemod/codemods/', () => {
    expect(existsSync(join(project, 'node_modules', 'recon-codemod', 'codemods', 'jscodeshift.cjs'))).toBe(true);
    const dir = join(work, 'jscodeshift-app');
    cpSync(join(DEMO), dir, { recursive: true });
    const transform = join(project, 'node_modules', 'recon-codemod', 'codemods', 'jscodeshift.cjs');
    const result = run(
      join(REPO, 'node_modules', '.bin', 'jscodeshift'),
      // In band: the transform is the same in jscodeshift's worker processes (test/jscodeshift.test.ts runs those).
      ['-t', transform, 'src', '--extensions=ts,tsx', '--parser=tsx', '--fail-on-error', '--run-in-band'],
      dir,
    );
    expect(result.code, result.out).toBe(0);
    expect(readFileSync(join(dir, 'src/app/api/viva/merge-clarity/route.ts'), 'utf8')).toBe(
      readFileSync(join(REPO, 'fixtures/demo-app-expected/src/app/api/viva/merge-clarity/route.ts'), 'utf8'),
    );
  });
});
