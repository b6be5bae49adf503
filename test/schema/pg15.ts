/**
 * A throw-away PostgreSQL 15 cluster for one test file: initdb into a temp dir, the server on a unix socket in that
 * dir (no TCP), stopped and removed by `stop()`. initdb refuses to run as root, so under root the cluster runs as the
 * `postgres` user. PG15_MISSING says why a test file cannot have one (its tests skip, saying so).
 */
import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

const BIN = '/usr/local/bin';

function postgresUser(): { uid: number; gid: number } | undefined {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('postgres:'));
  if (!line) return undefined;
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

const runAs = process.getuid?.() === 0 ? postgresUser() : undefined;

export const PG15_MISSING: string | undefined =
  !existsSync(`${BIN}/initdb`) || !existsSync(`${BIN}/pg_ctl`)
    ? `no PostgreSQL server here (${BIN}/initdb and ${BIN}/pg_ctl not found)`
    : process.getuid?.() === 0 && !runAs
      ? 'running as root and there is no postgres user to run initdb as'
      : undefined;

/** A client's query results plus the NOTICEs and WARNINGs the server sent while it ran, as `SEVERITY: message`. */
export interface Session {
  client: pg.Client;
  notices: string[];
  /** Runs SQL (several statements allowed); on an error, rolls back an open transaction and rethrows. */
  exec(sql: string): Promise<pg.QueryResult[]>;
  /** One statement's rows. */
  rows<T = Record<string, unknown>>(sql: string, values?: unknown[]): Promise<T[]>;
}

export interface Cluster {
  connect(database?: string): Promise<Session>;
  stop(): Promise<void>;
}

export function startCluster(): Cluster {
  const dir = mkdtempSync(join(tmpdir(), 'recon-pg15-'));
  if (runAs) chownSync(dir, runAs.uid, runAs.gid);
  const run = (command: string, args: string[]) => {
    const result = spawnSync(command, args, { cwd: dir, encoding: 'utf8', ...(runAs ?? {}) });
    if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${result.stderr || result.stdout}`);
  };
  const data = join(dir, 'data');
  run(`${BIN}/initdb`, ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C']);
  run(`${BIN}/pg_ctl`, [
    '-D',
    data,
    '-o',
    `-k ${dir} -c listen_addresses='' -F`,
    '-w',
    '-l',
    join(dir, 'log'),
    'start',
  ]);
  const sessions: pg.Client[] = [];
  return {
    async connect(database = 'postgres') {
      const client = new pg.Client({ host: dir, user: 'postgres', database });
      await client.connect();
      sessions.push(client);
      const notices: string[] = [];
      client.on('notice', (n) => notices.push(`${n.severity}: ${n.message}`));
      return {
        client,
        notices,
        async exec(sql) {
          try {
            const result = (await client.query(sql)) as pg.QueryResult | pg.QueryResult[];
            return Array.isArray(result) ? result : [result];
          } catch (error) {
            await client.query('ROLLBACK').catch(() => undefined);
            throw error;
          }
        },
        async rows(sql, values) {
          return (await client.query(sql, values)).rows;
        },
      };
    },
    async stop() {
      await Promise.all(sessions.map((client) => client.end().catch(() => undefined)));
      try {
        run(`${BIN}/pg_ctl`, ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
