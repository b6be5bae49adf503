// Several processes tracking into one embedded store: processes × rows, ok, stored, lost, duplicated.
// Run after `npm run build`: node scripts/embedded-store-figures.mjs [P×R ...]   (default 2x50 4x50 4x500)
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const built = join(root, 'dist', 'src', 'tracking', 'index.js');
const child = join(root, 'test', 'tracking', 'processes', 'track-child.mjs');
const { openEmbeddedStore, pgliteStore } = await import(pathToFileURL(built).href);

const work = mkdtempSync(join(tmpdir(), 'recon-figures-'));
const dataDir = join(work, '.recon', 'db');
const setup = pgliteStore({ dataDir });
await setup.db();
await setup.close();

function track(tag, rows) {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [child], {
      env: { ...process.env, TRACKING: pathToFileURL(built).href, DATA_DIR: dataDir, ROWS: String(rows), TAG: tag },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    proc.stdout.on('data', (d) => (out += d));
    proc.on('close', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`child exited ${code}`))));
  });
}

try {
  for (const spec of process.argv.slice(2).length ? process.argv.slice(2) : ['2x50', '4x50', '4x500']) {
    const [processes, rows] = spec.split('x').map(Number);
    const tag = `fig-${spec}`;
    const started = Date.now();
    const results = await Promise.all(Array.from({ length: processes }, () => track(tag, rows)));
    const seconds = (Date.now() - started) / 1000;
    const ok = results.reduce((sum, r) => sum + r.ok, 0);
    const store = await openEmbeddedStore({ dir: dataDir, role: 'figures', waitMs: 60_000 });
    const {
      rows: [count],
    } = await store.db.query(
      'SELECT count(*)::int AS total, count(DISTINCT openai_request_id)::int AS distinct FROM token_usage WHERE action_type = $1',
      [tag],
    );
    await store.close();
    console.log(
      `${processes} processes × ${rows} rows: ${ok} ok, ${processes * rows - ok} not ok, ${count.total} stored, ${ok - count.distinct} lost, ${count.total - count.distinct} duplicated (${seconds.toFixed(1)} s)`,
    );
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
