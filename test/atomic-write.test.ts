/**
 * Never lose a line.
 *  - `recon-codemod --write` over 88 tracker files is killed with SIGKILL in the middle of its writes (polled until the
 *    first file changed, then killed after a varying delay; at least one run must be killed between its first and last
 *    write): every file is byte for byte its old or its new text, the only extra files are the writer's temp files
 *    (`.<name>.recon-<pid>-<time>.tmp`), and a later normal run ignores them and finishes the job.
 *  - A symlink that leads outside the target root is neither read nor written.
 *  - Binary (NUL bytes), non-UTF-8 and huge (> 1 MiB) files that mention the tracker, and unreadable ones (chmod 000:
 *    skipped as root, where it does not stop reads), are `error` entries in the JSON report with the reason; the run
 *    goes on and updates the rest, and exits 1.
 */
import { spawn } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, REPO, runCli } from './helpers.js';

const DEMO = join(REPO, 'fixtures', 'demo-app');
const EXPECTED = join(REPO, 'fixtures', 'demo-app-expected');
const COPIES = 8;
const TEMP_FILE = /^\.(.+)\.recon-\d+-\d+\.tmp$/;
const dirs: string[] = [];

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walk(full));
    else out.push(full);
  }
  return out.sort();
}

/** The demo app with its routes copied COPIES times (src/app/apiN/…, same depth, so relative imports hold). */
function makeTree(): { dir: string; old: Map<string, Buffer>; want: Map<string, Buffer> } {
  const dir = mkdtempSync(join(tmpdir(), 'recon-atomic-'));
  dirs.push(dir);
  cpSync(join(DEMO, 'src', 'lib'), join(dir, 'src', 'lib'), { recursive: true });
  const old = new Map<string, Buffer>();
  const want = new Map<string, Buffer>();
  for (const f of ['package.json', 'tsconfig.json']) {
    cpSync(join(DEMO, f), join(dir, f));
    old.set(f, readFileSync(join(DEMO, f)));
    want.set(f, readFileSync(join(DEMO, f)));
  }
  for (const file of walk(join(DEMO, 'src', 'lib'))) {
    const rel = relative(DEMO, file);
    old.set(rel, readFileSync(file));
    want.set(rel, readFileSync(join(EXPECTED, rel)));
  }
  for (let i = 0; i < COPIES; i++) {
    for (const file of walk(join(DEMO, 'src', 'app', 'api'))) {
      const inner = relative(join(DEMO, 'src', 'app', 'api'), file);
      const rel = join('src', 'app', `api${String(i).padStart(2, '0')}`, inner);
      mkdirSync(join(dir, rel, '..'), { recursive: true });
      cpSync(file, join(dir, rel));
      old.set(rel, readFileSync(file));
      want.set(rel, readFileSync(join(EXPECTED, 'src', 'app', 'api', inner)));
    }
  }
  return { dir, old, want };
}

interface KillRun {
  delayMs: number;
  changed: number;
  total: number;
  temps: string[];
}

/** Start `--write`, wait until the first file it writes has changed, wait `delayMs`, SIGKILL, then classify every file. */
async function killMidWrite(
  delayMs: number,
): Promise<KillRun & { dir: string; old: Map<string, Buffer>; want: Map<string, Buffer> }> {
  const { dir, old, want } = makeTree();
  const toChange = [...want.keys()].filter((k) => !want.get(k)!.equals(old.get(k)!)).sort();
  // The CLI writes in discovery (sorted path) order: the first of these is its first write.
  const first = join(dir, toChange[0]);
  const firstOld = old.get(toChange[0])!;
  const child = spawn(process.execPath, [BIN, '.', '--write', '--quiet'], {
    cwd: dir,
    env: { ...process.env, CI: '1', NO_COLOR: '1' },
    stdio: 'ignore',
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  let ended = false;
  void exited.then(() => (ended = true));
  const deadline = Date.now() + 30_000;
  while (!ended && Date.now() < deadline) {
    let now: Buffer | undefined;
    try {
      now = readFileSync(first);
    } catch {
      now = undefined; // mid-rename on some systems: try again
    }
    if (now && !now.equals(firstOld)) break;
    await sleep(1);
  }
  if (delayMs) await sleep(delayMs);
  child.kill('SIGKILL');
  await exited;

  let changed = 0;
  const temps: string[] = [];
  for (const file of walk(dir)) {
    const rel = relative(dir, file);
    const bytes = readFileSync(file);
    if (old.has(rel)) {
      const isOld = bytes.equals(old.get(rel)!);
      const isNew = bytes.equals(want.get(rel)!);
      expect(isOld || isNew, `${rel} is neither its old nor its new text`).toBe(true);
      if (!isOld) changed++;
    } else {
      // Only the writer's temp files, next to the file they were for, may be left behind.
      const name = file.split('/').pop()!;
      const m = TEMP_FILE.exec(name);
      expect(m, `unexpected file ${rel}`).not.toBeNull();
      expect(old.has(join(relative(dir, join(file, '..')), m![1])), rel).toBe(true);
      temps.push(rel);
    }
  }
  return { dir, old, want, delayMs, changed, total: toChange.length, temps };
}

describe('SIGKILL in the middle of --write', () => {
  it('leaves every file old or new, byte for byte; a later run ignores the temp files and completes', async () => {
    const runs: KillRun[] = [];
    let mid: Awaited<ReturnType<typeof killMidWrite>> | undefined;
    for (const delayMs of [0, 5, 20, 60, 150, 2]) {
      const run = await killMidWrite(delayMs);
      runs.push({ delayMs: run.delayMs, changed: run.changed, total: run.total, temps: run.temps });
      // One run killed between its first and last write is what this proves; later delays only retry a miss.
      if (run.changed > 0 && run.changed < run.total) {
        mid = run;
        break;
      }
    }
    console.log(
      `kill runs (delay ms → files written of ${runs[0].total}, temp files left): ${runs.map((r) => `${r.delayMs}→${r.changed} (${r.temps.length})`).join(', ')}`,
    );
    expect(mid, `no run was killed between the first and the last write: ${JSON.stringify(runs)}`).toBeDefined();

    // A normal run afterwards: temp files are not sources (dot files, .tmp), do not disturb it, and are cleaned up.
    const again = await runCli(['.', '--write', '--quiet', '--json', 'report.json'], mid!.dir);
    expect(again.code, again.stderr).toBe(0);
    const report = JSON.parse(readFileSync(join(mid!.dir, 'report.json'), 'utf8')) as {
      files: Array<{ path: string }>;
      summary: { files: number };
    };
    // Declaration files (the demo's stand-in provider types) are not sources.
    expect(report.summary.files).toBe(
      [...mid!.old.keys()].filter((k) => k.endsWith('.ts') && !k.endsWith('.d.ts')).length,
    );
    expect(report.files.some((f) => f.path.includes('.tmp'))).toBe(false);
    for (const [rel, bytes] of mid!.want) expect(readFileSync(join(mid!.dir, rel)).equals(bytes), rel).toBe(true);
    // The killed run's temp file sits beside the file it was writing, still old: rewriting that file removes it.
    for (const temp of mid!.temps) expect(existsSync(join(mid!.dir, temp)), temp).toBe(false);
    if (mid!.temps.length)
      expect(again.stderr).toContain(`removed ${mid!.temps.length} temp file(s) left by an interrupted earlier run`);
  });
});

describe('hostile files', () => {
  it('a symlink leading outside the root is neither read nor written', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'recon-outside-'));
    dirs.push(outside);
    const { dir } = makeTreeSmall();
    const secret = join(outside, 'route.ts');
    const text = readFileSync(join(DEMO, 'src/app/api/viva/merge-clarity/route.ts'));
    writeFileSync(secret, text);
    symlinkSync(secret, join(dir, 'src', 'app', 'linked-route.ts'));
    symlinkSync(outside, join(dir, 'src', 'app', 'linked-dir'));
    const run = await runCli(['.', '--write', '--quiet', '--json', 'report.json'], dir);
    expect(run.code, run.stderr).toBe(0);
    expect(readFileSync(secret).equals(text)).toBe(true);
    expect(lstatSync(join(dir, 'src', 'app', 'linked-route.ts')).isSymbolicLink()).toBe(true);
    expect(readdirSync(outside)).toEqual(['route.ts']);
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as { files: Array<{ path: string }> };
    expect(report.files.map((f) => f.path).filter((p) => p.includes('linked'))).toEqual([]);
  });

  it('binary, non-UTF-8, huge (and unreadable, unless root) files are errors with a reason; the rest is written; exit 1', async () => {
    const { dir } = makeTreeSmall();
    const route = readFileSync(join(DEMO, 'src/app/api/viva/merge-clarity/route.ts'), 'utf8');
    const bad = join(dir, 'src', 'bad');
    mkdirSync(bad);
    writeFileSync(join(bad, 'binary.ts'), Buffer.concat([Buffer.from(route), Buffer.from([0, 1, 2, 0])]));
    writeFileSync(
      join(bad, 'latin1.ts'),
      Buffer.concat([Buffer.from('// caf'), Buffer.from([0xe9]), Buffer.from('\n' + route)]),
    );
    writeFileSync(join(bad, 'huge.ts'), route + `\nexport const blob = '${'x'.repeat(1024 * 1024 + 10)}';\n`);
    const asRoot = process.getuid?.() === 0;
    if (!asRoot) {
      writeFileSync(join(bad, 'unreadable.ts'), route);
      chmodSync(join(bad, 'unreadable.ts'), 0o000);
    }
    const before = new Map(
      readdirSync(bad).map((f) => [f, asRoot || f !== 'unreadable.ts' ? readFileSync(join(bad, f)) : undefined]),
    );

    const run = await runCli(['.', '--write', '--quiet', '--json', 'report.json'], dir);
    expect(run.code, run.stderr).toBe(1);
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as {
      files: Array<{ path: string; status: string; error?: string }>;
      summary: { errors: number; updated: number };
    };
    const errors = Object.fromEntries(report.files.filter((f) => f.status === 'error').map((f) => [f.path, f.error]));
    expect(errors['src/bad/binary.ts']).toMatch(/binary/i);
    expect(errors['src/bad/latin1.ts']).toMatch(/UTF-8/);
    expect(errors['src/bad/huge.ts']).toMatch(/bytes.*limit/);
    if (!asRoot) expect(errors['src/bad/unreadable.ts']).toMatch(/EACCES|cannot read/);
    expect(Object.keys(errors).length).toBe(asRoot ? 3 : 4);
    expect(report.summary.errors).toBe(asRoot ? 3 : 4);
    expect(run.stderr).toContain('src/bad/binary.ts');
    // The run went on: the good files were written, the bad ones untouched.
    expect(report.summary.updated).toBe(12);
    expect(
      readFileSync(join(dir, 'src/app/api/viva/merge-clarity/route.ts')).equals(
        readFileSync(join(EXPECTED, 'src/app/api/viva/merge-clarity/route.ts')),
      ),
    ).toBe(true);
    for (const [f, bytes] of before) if (bytes) expect(readFileSync(join(bad, f)).equals(bytes), f).toBe(true);
    if (!asRoot) chmodSync(join(bad, 'unreadable.ts'), 0o644);
  });
});

/** A plain copy of the demo app. */
function makeTreeSmall(): { dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'recon-hostile-'));
  dirs.push(dir);
  cpSync(DEMO, dir, { recursive: true });
  return { dir };
}
