/**
 * `npm run bench -- --rows N [--write-rows M] [--pglite-only | --pg-only]`: `reconcile` at a production table's size.
 *
 * Seeds a store with N rows shaped like the demo week (one model, 8 UTC days, request ids, cached tokens, the app's
 * own estimate) with `INSERT … SELECT generate_series`, saves Usage and Costs API responses that agree with the rows
 * (so every bucket is matched and `--write` allocates cents to every row), then measures, each in a child process:
 *   - the plain `SELECT … GROUP BY day, model` over the same rows (the floor: what the database itself needs);
 *   - `reconcile --usage … --costs …` (read: the database sums, Node prices and compares the sums);
 *   - `reconcile --write` on M rows (default: N when N ≤ 2 M), and the rerun (every bucket already written: skipped).
 * Wall time, and peak RSS from `/usr/bin/time -v`. With PGlite the database runs inside the Node process, so Node's own
 * share is reconcile's RSS minus the plain query's. With the machine's PostgreSQL 15 (a temporary cluster on a unix
 * socket, /usr/local/bin/initdb + pg_ctl) the database's RSS is sampled from the server's processes (the peak of their
 * sum, shared buffers included).
 */
import { spawn, spawnSync } from 'node:child_process';
import {
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { createTableSql } from '../src/schema/sql.js';
import { priceTable } from '../src/reconcile/prices.js';

const REPO = join(import.meta.dirname, '..');
const BIN = join(REPO, 'bin', 'recon-codemod.js');
const PG_BIN = '/usr/local/bin';
const DAY = 86400;
/** Sunday 2026-11-01 00:00 UTC: the demo week's first day; 8 days. */
const T0 = Date.UTC(2026, 10, 1) / 1000;
const DAYS = 8;
const SNAPSHOT = 'gpt-4o-mini-2024-07-18';

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const count = (text: string | undefined): number | undefined => {
  if (text === undefined) return undefined;
  const m = /^(\d+(?:\.\d+)?)([kKmM]?)$/.exec(text);
  if (!m) throw new Error(`expected a row count (200k, 1M, 10000000), got ${text}`);
  return Math.round(Number(m[1]) * (m[2].toLowerCase() === 'k' ? 1e3 : m[2].toLowerCase() === 'm' ? 1e6 : 1));
};
const ROWS = count(arg('--rows')) ?? 1_000_000;
const WRITE_ROWS = count(arg('--write-rows')) ?? (ROWS <= 2_000_000 ? ROWS : 0);
const ENGINES = process.argv.includes('--pg-only')
  ? ['pg15']
  : process.argv.includes('--pglite-only')
    ? ['pglite']
    : ['pglite', 'pg15'];
const MB = 1024 * 1024;
/** A window before the rows: what reconcile costs with nothing to read. */
const EMPTY_WINDOW = ['--since', '2020-01-01', '--until', '2020-01-02'];

/** One seeding statement for rows [from, to): the demo week's shape, spread evenly over the 8 days. */
function seedSql(from: number, to: number, total: number): string {
  return `INSERT INTO token_usage (created_at, user_id, action_type, model_used, tokens_used, input_tokens, output_tokens,
            estimated_cost_cents, openai_request_id, openai_created, openai_model, cached_input_tokens, service_tier,
            reconciliation_status)
          SELECT to_timestamp(at), 'user_' || (i % 1000), 'chat', 'gpt-4o-mini', inp + outp, inp, outp,
                 round((inp - cached) * 0.000015 + cached * 0.0000075 + outp * 0.00006, 4), 'chatcmpl-bench' || i, at,
                 '${SNAPSHOT}', cached, 'default', 'pending'
            FROM (SELECT i, ${T0} + (i::bigint * ${DAYS * DAY}) / ${total} AS at, 800 + (i % 700) AS inp,
                         100 + (i % 300) AS outp, (i % 5) * 128 AS cached
                    FROM generate_series(${from}, ${to - 1}) AS i) AS s`;
}

/** The plain query: one GROUP BY day and model over the window, what the database does at the least. */
const PLAIN_GROUP_BY = `SELECT floor(extract(epoch FROM COALESCE(to_timestamp(openai_created), created_at)) / 86400) AS day, model_used,
       count(*), sum(input_tokens), sum(output_tokens), sum(cached_input_tokens)
  FROM token_usage
 WHERE COALESCE(to_timestamp(openai_created), created_at) >= to_timestamp(${T0})
   AND COALESCE(to_timestamp(openai_created), created_at) < to_timestamp(${T0 + DAYS * DAY})
 GROUP BY 1, 2`;

interface Day {
  day: number;
  requests: number;
  input: number;
  cached: number;
  output: number;
}

/** Usage and Costs API pages that agree with the rows: every bucket matches, so --write allocates to every row. */
function saveApiResponses(dir: string, days: Day[]): { usage: string; costs: string } {
  const prices = priceTable();
  const usage = {
    object: 'page',
    has_more: false,
    next_page: null,
    data: days.map((d) => ({
      object: 'bucket',
      start_time: d.day,
      end_time: d.day + DAY,
      results: [
        {
          object: 'organization.usage.completions.result',
          model: SNAPSHOT,
          batch: false,
          service_tier: 'default',
          num_model_requests: d.requests,
          input_tokens: d.input,
          input_cached_tokens: d.cached,
          output_tokens: d.output,
          input_audio_tokens: 0,
          output_audio_tokens: 0,
          project_id: null,
          user_id: null,
          api_key_id: null,
        },
      ],
    })),
  };
  const costs = {
    object: 'page',
    has_more: false,
    next_page: null,
    data: days.map((d) => ({
      object: 'bucket',
      start_time: d.day,
      end_time: d.day + DAY,
      results: [
        {
          object: 'organization.costs.result',
          amount: {
            value: prices.price({
              model: SNAPSHOT,
              at: d.day,
              input_tokens: d.input,
              cached_tokens: d.cached,
              output_tokens: d.output,
            }).dollars,
            currency: 'usd',
          },
          line_item: `${SNAPSHOT}, input`,
          project_id: null,
        },
      ],
    })),
  };
  writeFileSync(join(dir, 'usage.json'), JSON.stringify(usage));
  writeFileSync(join(dir, 'costs.json'), JSON.stringify(costs));
  return { usage: join(dir, 'usage.json'), costs: join(dir, 'costs.json') };
}

const daysOf = (rows: Array<Record<string, unknown>>): Day[] =>
  rows
    .map((r) => ({
      day: Number(r.day) * DAY,
      requests: Number(r.count),
      input: Number(r.sum),
      cached: Number(r.cached),
      output: Number(r.output),
    }))
    .sort((a, b) => a.day - b.day);
const DAYS_SQL = PLAIN_GROUP_BY.replace(
  'sum(output_tokens), sum(cached_input_tokens)',
  'sum(output_tokens) AS output, sum(cached_input_tokens) AS cached',
);

interface Measure {
  wall: number;
  /** User + system CPU seconds of the child (with PGlite, the database's work too: less noisy on a busy machine). */
  cpu: number;
  rss: number;
  dbRss?: number;
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Pids of a postmaster's children (backends, parallel workers, background processes). */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(entry));
    } catch {
      /* gone */
    }
  }
  return out;
}
const rssOf = (pid: number): number => {
  try {
    return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
  } catch {
    return 0;
  }
};

/** Runs a child under /usr/bin/time -v; with `postmaster`, samples its processes' summed RSS every 100 ms. */
async function measure(args: string[], cwd: string, postmaster?: number): Promise<Measure> {
  const scratch = mkdtempSync(join(tmpdir(), 'recon-scale-m-'));
  const timeFile = join(scratch, 'time');
  const started = process.hrtime.bigint();
  const child = spawn('/usr/bin/time', ['-v', '-o', timeFile, process.execPath, ...args], {
    cwd,
    env: { ...process.env, NO_COLOR: '1' },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  let dbRss = 0;
  const sampler = postmaster
    ? setInterval(() => {
        const total = [postmaster, ...childrenOf(postmaster)].reduce((s, p) => s + rssOf(p), 0);
        dbRss = Math.max(dbRss, total);
      }, 100)
    : undefined;
  const code = await new Promise<number | null>((done) => child.on('close', done));
  if (sampler) clearInterval(sampler);
  const wall = Number(process.hrtime.bigint() - started) / 1e9;
  const text = existsSync(timeFile) ? readFileSync(timeFile, 'utf8') : '';
  rmSync(scratch, { recursive: true, force: true });
  const rss = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(text)?.[1] ?? 0) * 1024;
  const cpu =
    Number(/User time \(seconds\): ([\d.]+)/.exec(text)?.[1] ?? NaN) +
    Number(/System time \(seconds\): ([\d.]+)/.exec(text)?.[1] ?? NaN);
  return { wall, cpu, rss, dbRss: postmaster ? dbRss : undefined, code, stdout, stderr };
}

function check(m: Measure, what: string): Measure {
  if (m.code !== 0) throw new Error(`${what} failed (exit ${m.code}):\n${m.stderr}\n${m.stdout}`);
  return m;
}

/** A child script that runs reconcile's own read (readGroups, from dist/) once and prints its time. */
function readScript(dir: string, engine: 'pglite' | 'pg15', target: string): string {
  const file = join(dir, `read-${engine}.mjs`);
  const rows = JSON.stringify(join(REPO, 'dist/src/reconcile/rows.js'));
  const open =
    engine === 'pglite'
      ? `const { PGlite } = await import(${JSON.stringify(join(REPO, 'node_modules/@electric-sql/pglite/dist/index.js'))}); const db = r.pgliteDb(await PGlite.create(${JSON.stringify(target)}));`
      : `const db = await r.postgresDb(${JSON.stringify(target)});`;
  writeFileSync(
    file,
    `const r = await import(${rows});
${open}
const t = process.hrtime.bigint();
const groups = await r.readGroups(db, { table: 'token_usage', costColumn: 'estimated_cost_cents' }, { since: ${T0}, until: ${T0 + DAYS * DAY}, bucket: '1d' });
console.log(JSON.stringify({ query_s: Number(process.hrtime.bigint() - t) / 1e9, groups: groups.length }));
await db.close();
`,
  );
  return file;
}

/** A child script that runs the plain GROUP BY once and prints its query time. */
function plainScript(dir: string, engine: 'pglite' | 'pg15', target: string): string {
  const file = join(dir, `plain-${engine}.mjs`);
  const open =
    engine === 'pglite'
      ? `const { PGlite } = await import(${JSON.stringify(join(REPO, 'node_modules/@electric-sql/pglite/dist/index.js'))}); const db = await PGlite.create(${JSON.stringify(target)}); const q = (s) => db.query(s); const close = () => db.close();`
      : `const { default: pg } = await import(${JSON.stringify(join(REPO, 'node_modules/pg/lib/index.js'))}); const db = new pg.Client(${JSON.stringify(target)}); await db.connect(); const q = (s) => db.query(s); const close = () => db.end();`;
  writeFileSync(
    file,
    `${open}\nconst t = process.hrtime.bigint();\nconst { rows } = await q(${JSON.stringify(PLAIN_GROUP_BY)});\nconsole.log(JSON.stringify({ query_s: Number(process.hrtime.bigint() - t) / 1e9, groups: rows.length }));\nawait close();\n`,
  );
  return file;
}

interface Result {
  engine: string;
  rows: number;
  seed: number;
  plain: Measure;
  plainQuery: number;
  /** reconcile's read alone (readGroups: the sums query and the duplicates pass), in seconds. */
  readQuery: number;
  read: Measure;
  /** The same command over a window with no rows: its fixed cost (Node, imports, opening the store). */
  empty: Measure;
  write?: Measure;
  rewrite?: Measure;
  writeRows?: number;
}

const fmtS = (s: number): string => `${s.toFixed(1)} s`;
const fmtMB = (b: number | undefined): string => (b === undefined ? '—' : `${Math.round(b / MB)} MB`);

async function seedPglite(dir: string, rows: number): Promise<{ seed: number; days: Day[] }> {
  const started = Date.now();
  mkdirSync(join(dir, '.recon'), { recursive: true });
  const db = await PGlite.create(join(dir, '.recon/db'));
  await db.exec(createTableSql());
  const chunk = 1_000_000;
  for (let from = 0; from < rows; from += chunk) {
    await db.exec(seedSql(from, Math.min(rows, from + chunk), rows));
    process.stderr.write(
      `  seeded ${Math.min(rows, from + chunk).toLocaleString('en-US')} rows (${fmtS((Date.now() - started) / 1000)})\n`,
    );
  }
  await db.exec('ANALYZE token_usage');
  const days = daysOf((await db.query<Record<string, unknown>>(DAYS_SQL)).rows);
  await db.close();
  return { seed: (Date.now() - started) / 1000, days };
}

async function runPglite(rows: number, writeRows: number): Promise<Result> {
  const dir = mkdtempSync(join(tmpdir(), 'recon-scale-pglite-'));
  try {
    console.error(`PGlite: seeding ${rows.toLocaleString('en-US')} rows in ${dir}`);
    const { seed, days } = await seedPglite(dir, rows);
    const files = saveApiResponses(dir, days);
    const plain = check(await measure([plainScript(dir, 'pglite', join(dir, '.recon/db'))], dir), 'plain GROUP BY');
    const read = check(
      await measure([BIN, 'reconcile', '--usage', files.usage, '--costs', files.costs, '--json', 'report.json'], dir),
      'reconcile',
    );
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
    if (report.rows.in_window !== rows) throw new Error(`reconcile saw ${report.rows.in_window} rows, seeded ${rows}`);
    console.error(`  buckets: ${JSON.stringify(report.status_counts)}`);
    const empty = check(
      await measure([BIN, 'reconcile', '--usage', files.usage, '--costs', files.costs, ...EMPTY_WINDOW], dir),
      'reconcile (empty window)',
    );
    const readOnly = check(await measure([readScript(dir, 'pglite', join(dir, '.recon/db'))], dir), 'readGroups');
    const result: Result = {
      engine: 'PGlite',
      rows,
      seed,
      plain,
      plainQuery: JSON.parse(plain.stdout).query_s,
      readQuery: JSON.parse(readOnly.stdout).query_s,
      read,
      empty,
    };
    if (writeRows > 0) {
      let wdir = dir;
      if (writeRows !== rows) {
        wdir = mkdtempSync(join(tmpdir(), 'recon-scale-pglite-w-'));
        saveApiResponses(wdir, (await seedPglite(wdir, writeRows)).days);
      }
      const args = [
        BIN,
        'reconcile',
        '--usage',
        join(wdir, 'usage.json'),
        '--costs',
        join(wdir, 'costs.json'),
        '--write',
      ];
      result.write = check(await measure(args, wdir), 'reconcile --write');
      result.rewrite = check(await measure(args, wdir), 'reconcile --write (rerun)');
      result.writeRows = writeRows;
      if (wdir !== dir) rmSync(wdir, { recursive: true, force: true });
    }
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function postgresUser(): { uid: number; gid: number } | undefined {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('postgres:'));
  if (!line) return undefined;
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

async function runPg15(rows: number, writeRows: number): Promise<Result | undefined> {
  if (!existsSync(join(PG_BIN, 'initdb'))) {
    console.error(`PostgreSQL 15: ${PG_BIN}/initdb is absent: skipped`);
    return undefined;
  }
  const dir = mkdtempSync(join(tmpdir(), 'recon-scale-pg15-'));
  const data = join(dir, 'data');
  const port = 55_000 + (process.pid % 5000);
  const url = `postgres://postgres@localhost:${port}/postgres?host=${encodeURIComponent(dir)}`;
  // initdb refuses root: under root the cluster runs as the postgres user (it owns the temp dir).
  const runAs = process.getuid?.() === 0 ? postgresUser() : undefined;
  if (process.getuid?.() === 0 && !runAs) {
    console.error('PostgreSQL 15: running as root and there is no postgres user to run initdb as: skipped');
    return undefined;
  }
  if (runAs) chownSync(dir, runAs.uid, runAs.gid);
  const run = (cmd: string, args: string[]) => {
    const r = spawnSync(join(PG_BIN, cmd), args, { encoding: 'utf8', cwd: dir, ...(runAs ?? {}) });
    if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr}${r.stdout}`);
  };
  run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync']);
  run('pg_ctl', [
    '-D',
    data,
    '-l',
    join(dir, 'log'),
    '-w',
    '-o',
    `-k ${dir} -p ${port} -c listen_addresses='' -c fsync=off`,
    'start',
  ]);
  const postmaster = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const { default: pg } = await import('pg');
  try {
    const seedDb = async (table: string, n: number): Promise<{ seed: number; days: Day[] }> => {
      const started = Date.now();
      const client = new pg.Client(url);
      await client.connect();
      await client.query(`DROP TABLE IF EXISTS token_usage; ${createTableSql()}`);
      const chunk = 2_000_000;
      for (let from = 0; from < n; from += chunk) {
        await client.query(seedSql(from, Math.min(n, from + chunk), n));
        process.stderr.write(
          `  seeded ${Math.min(n, from + chunk).toLocaleString('en-US')} rows (${fmtS((Date.now() - started) / 1000)})\n`,
        );
      }
      await client.query(`VACUUM ANALYZE ${table}`);
      const days = daysOf((await client.query(DAYS_SQL)).rows);
      await client.end();
      return { seed: (Date.now() - started) / 1000, days };
    };
    console.error(`PostgreSQL 15: seeding ${rows.toLocaleString('en-US')} rows (cluster in ${dir}, unix socket)`);
    const { seed, days } = await seedDb('token_usage', rows);
    const files = saveApiResponses(dir, days);
    const plain = check(await measure([plainScript(dir, 'pg15', url)], dir, postmaster), 'plain GROUP BY');
    const read = check(
      await measure(
        [BIN, 'reconcile', '--db', url, '--usage', files.usage, '--costs', files.costs, '--json', 'report.json'],
        dir,
        postmaster,
      ),
      'reconcile',
    );
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
    if (report.rows.in_window !== rows) throw new Error(`reconcile saw ${report.rows.in_window} rows, seeded ${rows}`);
    console.error(`  buckets: ${JSON.stringify(report.status_counts)}`);
    const empty = check(
      await measure(
        [BIN, 'reconcile', '--db', url, '--usage', files.usage, '--costs', files.costs, ...EMPTY_WINDOW],
        dir,
      ),
      'reconcile (empty window)',
    );
    const readOnly = check(await measure([readScript(dir, 'pg15', url)], dir, postmaster), 'readGroups');
    const result: Result = {
      engine: 'PostgreSQL 15',
      rows,
      seed,
      plain,
      plainQuery: JSON.parse(plain.stdout).query_s,
      readQuery: JSON.parse(readOnly.stdout).query_s,
      read,
      empty,
    };
    if (writeRows > 0) {
      let wfiles = files;
      if (writeRows !== rows) wfiles = saveApiResponses(dir, (await seedDb('token_usage', writeRows)).days);
      const args = [BIN, 'reconcile', '--db', url, '--usage', wfiles.usage, '--costs', wfiles.costs, '--write'];
      result.write = check(await measure(args, dir, postmaster), 'reconcile --write');
      result.rewrite = check(await measure(args, dir, postmaster), 'reconcile --write (rerun)');
      result.writeRows = writeRows;
    }
    return result;
  } finally {
    spawnSync(join(PG_BIN, 'pg_ctl'), ['-D', data, '-m', 'fast', '-w', 'stop'], {
      encoding: 'utf8',
      cwd: dir,
      ...(runAs ?? {}),
    });
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function reconcileScaleBench(): Promise<void> {
  const results: Result[] = [];
  if (ENGINES.includes('pglite')) results.push(await runPglite(ROWS, WRITE_ROWS));
  if (ENGINES.includes('pg15')) {
    const r = await runPg15(ROWS, WRITE_ROWS);
    if (r) results.push(r);
  }
  console.log(
    `\nload average now: ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')} on ${cpus().length} cores (wall times stretch with it)`,
  );
  console.log(
    `\nreconcile at scale: ${ROWS.toLocaleString('en-US')} rows, 8 UTC days, one model (the demo week's shape)`,
  );
  console.log(
    '| store | rows | seed | plain GROUP BY (wall, CPU / query / RSS) | reconcile wall, CPU (fixed cost wall, CPU) | reconcile read (readGroups) vs plain query | peak RSS | Node beyond the DB | DB RSS | --write (rows: wall, RSS) | rerun (skips) |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of results) {
    const pglite = r.engine === 'PGlite';
    const beyond = pglite ? r.read.rss - r.plain.rss : r.read.rss;
    console.log(
      `| ${r.engine} | ${r.rows.toLocaleString('en-US')} | ${fmtS(r.seed)} | ${fmtS(r.plain.wall)}, ${fmtS(r.plain.cpu)} / ${fmtS(r.plainQuery)} / ${fmtMB(pglite ? r.plain.rss : r.plain.dbRss)} | ` +
        `${fmtS(r.read.wall)}, ${fmtS(r.read.cpu)} (${fmtS(r.empty.wall)}, ${fmtS(r.empty.cpu)}) | ${fmtS(r.readQuery)}: ${(r.readQuery / r.plainQuery).toFixed(2)}× | ${fmtMB(r.read.rss)} | ${fmtMB(beyond)}${pglite ? '' : ' (all of Node)'} | ` +
        `${pglite ? 'in-process' : fmtMB(r.read.dbRss)} | ${r.write ? `${r.writeRows!.toLocaleString('en-US')}: ${fmtS(r.write.wall)} (CPU ${fmtS(r.write.cpu)}), ${fmtMB(r.write.rss)}` : '—'} | ${r.rewrite ? fmtS(r.rewrite.wall) : '—'} |`,
    );
  }
  console.log(
    "\nTargets: Node's peak RSS under 300 MB beyond the database's own; reconcile's read (readGroups, timed in its own process like the plain query) ≤ 1.3× the plain GROUP BY query; --write of 1 M rows under 60 s.",
  );
  for (const r of results) {
    const beyond = r.engine === 'PGlite' ? r.read.rss - r.plain.rss : r.read.rss;
    console.log(
      `  ${r.engine}: Node beyond the DB ${fmtMB(beyond)} ${beyond < 300 * MB ? 'PASS' : 'FAIL'}; read ${(r.readQuery / r.plainQuery).toFixed(2)}× the plain query ${r.readQuery <= 1.3 * r.plainQuery ? 'PASS' : 'FAIL'}` +
        (r.write && r.writeRows === 1_000_000
          ? `; --write 1 M ${fmtS(r.write.wall)} ${r.write.wall < 60 ? 'PASS' : 'FAIL'}`
          : ''),
    );
  }
}
