import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import type { Pool } from 'pg';
import { importOptional } from '../optional.js';
import {
  assertSqlIdentifier,
  createTableSql,
  DEFAULT_COST_COLUMN,
  DEFAULT_TABLE,
  UNIQUE_COLUMN_INDEX_SQL,
} from '../schema/sql.js';
import type { TokenUsageRow } from '../schema/zod.js';
import {
  acquireLock,
  embeddedPaths,
  ingestSpool,
  spoolRow,
  tryLock,
  writeDurably,
  StoreBusyError,
  type EmbeddedStoreHandle,
  type HeldLock,
  type OpenEmbeddedStoreOptions,
} from './embedded.js';

/** Where the tracker puts rows. `insert` may throw or reject: the tracker turns that into a result. */
export interface TokenUsageStore {
  /** Stores one validated row; resolves to the new row's id when the store reports one. */
  insert(row: TokenUsageRow): Promise<{ id?: string }>;
  /** Releases connections; the store reopens them on the next insert. */
  close(): Promise<void>;
}

/** A parameterized INSERT: the column names come from the validated row (the schema's keys), the values are `$n`. */
export function insertStatement(
  table: string,
  row: TokenUsageRow | Record<string, unknown>,
  { idempotent = false }: { idempotent?: boolean } = {},
): { text: string; values: unknown[] } {
  assertSqlIdentifier(table, 'table name', { qualified: true });
  const entries = Object.entries(row).filter(([, value]) => value !== undefined);
  for (const [column] of entries) assertSqlIdentifier(column, 'column name');
  const placeholders = entries.map(([column], i) => (column === 'metadata' ? `$${i + 1}::jsonb` : `$${i + 1}`));
  // The idempotency key's unique index turns a second insert of the same row (a late insert after a timeout, then
  // the dead-letter replay) into nothing.
  const conflict = idempotent ? ' ON CONFLICT (idempotency_key) DO NOTHING' : '';
  return {
    text: `INSERT INTO ${table} (${entries.map(([column]) => column).join(', ')}) VALUES (${placeholders.join(', ')})${conflict} RETURNING id`,
    // Sent as JSON text and cast, so both drivers store the same jsonb whatever their own object serialisation.
    values: entries.map(([column, value]) =>
      (column === 'metadata' || (typeof value === 'object' && value !== null && !(value instanceof Date))) &&
      value !== null
        ? JSON.stringify(value)
        : value,
    ),
  };
}

/**
 * A row the table cannot take as it is (a column the table lacks, no value for a NOT NULL column): retrying will not
 * help, so the tracker rejects it for good instead of dead-lettering it for replay.
 */
export class RowRejectedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RowRejectedError';
  }
}

/** What the tracker needs to know about the table, read once per store from the catalog. */
export interface TableInfo {
  /** Each column, and whether a row must give it a value (NOT NULL without a default). */
  columns: Record<string, { required: boolean }>;
  /** A unique index on idempotency_key alone exists, so inserts can be idempotent. */
  idempotent: boolean;
}

type Query = (text: string, values?: unknown[]) => Promise<{ rows: Array<Record<string, unknown>> }>;

export async function readTableInfo(query: Query, table: string): Promise<TableInfo> {
  const [schema, name] = table.includes('.') ? table.split('.') : [null, table];
  const { rows } = await query(
    `SELECT column_name, is_nullable, column_default, is_identity, is_generated FROM information_schema.columns
      WHERE table_name = $1 AND table_schema = COALESCE($2::text, (SELECT n.nspname FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = to_regclass($1)))`,
    [name, schema],
  );
  if (rows.length === 0) throw new Error(`table ${table} not found: create it with \`recon-codemod sql\``);
  const columns: TableInfo['columns'] = {};
  for (const r of rows) {
    const hasDefault =
      r.column_default != null || r.is_identity === 'YES' || (r.is_generated != null && r.is_generated !== 'NEVER');
    columns[String(r.column_name)] = { required: r.is_nullable === 'NO' && !hasDefault };
  }
  const unique = await query(UNIQUE_COLUMN_INDEX_SQL, [table, IDEMPOTENCY_KEY]);
  return { columns, idempotent: unique.rows.length > 0 };
}

/**
 * The row as the table stores it: the app's estimate under the table's cost column, and checked against the table
 * so that a column it lacks or a NOT NULL column without a value is a RowRejectedError naming them (never a value
 * dropped in silence).
 */
export function fitRow(
  row: Record<string, unknown>,
  info: TableInfo | undefined,
  table: string,
  costColumn: string,
): Record<string, unknown> {
  const fitted: Record<string, unknown> = {};
  for (const [column, value] of Object.entries(row)) {
    if (value === undefined) continue;
    fitted[column === DEFAULT_COST_COLUMN ? costColumn : column] = value;
  }
  if (info === undefined) {
    const bad = Object.keys(fitted).filter((column) => !/^[a-z_][a-z0-9_]*$/.test(column));
    if (bad.length > 0) throw new RowRejectedError(`not column names: ${bad.join(', ')}`);
    return fitted;
  }
  // A table made before the idempotency key: stored without it (a retry may then store a row twice).
  if (!(IDEMPOTENCY_KEY in info.columns)) delete fitted[IDEMPOTENCY_KEY];
  // `success` defaults to true in the schema; a table without the column loses nothing by its absence.
  if (!('success' in info.columns) && fitted.success === true) delete fitted.success;
  const lacking = Object.keys(fitted).filter((column) => !(column in info.columns));
  const missing = Object.entries(info.columns)
    .filter(([column, { required }]) => required && (fitted[column] === undefined || fitted[column] === null))
    .map(([column]) => column);
  const problems = [
    ...(lacking.length
      ? [`the table ${table} has no column ${lacking.join(', ')} (add the column, or leave it out of the row)`]
      : []),
    ...(missing.length ? [`no value for ${missing.join(', ')}: NOT NULL in ${table}`] : []),
  ];
  if (problems.length) throw new RowRejectedError(problems.join('; '));
  return fitted;
}

export const IDEMPOTENCY_KEY = 'idempotency_key';

const idOf = (rows: Array<{ id?: unknown }>): { id?: string } =>
  rows[0]?.id == null ? {} : { id: String(rows[0].id) };

/**
 * Opens a resource on first use and shares the opening between concurrent callers; a failed opening is forgotten so
 * the next call tries again (a database that was briefly unavailable does not stay broken).
 */
function lazily<T>(open: () => Promise<T>): { get(): Promise<T>; reset(): Promise<T> | undefined } {
  let opening: Promise<T> | undefined;
  return {
    get() {
      opening ??= open().catch((error: unknown) => {
        opening = undefined;
        throw error;
      });
      return opening;
    },
    reset() {
      const current = opening;
      opening = undefined;
      return current;
    },
  };
}

export interface PgliteStoreOptions {
  /** The data directory, relative to the working directory (default `.recon/db`). */
  dataDir?: string;
  table?: string;
  /** The table's column for the app's cost estimate (`estimated_cost_cents` of the row); default estimated_cost_cents. */
  costColumn?: string;
  /** How long the store keeps the directory without tracking before giving it up to other processes (default 3 s). */
  idleMs?: number;
}

export interface PgliteStore extends TokenUsageStore {
  /**
   * The open database (opened and given the table on first use), for queries of your own. This process keeps the
   * directory until close(); throws a StoreBusyError while another process owns it.
   */
  db(): Promise<PGlite>;
}

/** Where rows the table refuses at ingestion go: next to the data directory, the tracker's default rejected file. */
const rejectedFileOf = (dir: string) => join(dirname(dir), 'rejected.jsonl');

async function rejectSpooled(dir: string, row: unknown, error: Error): Promise<void> {
  const line = JSON.stringify({
    failed_at: new Date().toISOString(),
    stage: 'validation',
    error: error.message,
    attempts: 1,
    usage: row,
  });
  await mkdir(dirname(rejectedFileOf(dir)), { recursive: true });
  await appendFile(rejectedFileOf(dir), `${line}\n`);
  console.error(`recon-codemod/tracking: a spooled row was rejected: ${error.message}; kept in ${rejectedFileOf(dir)}`);
}

/** Inserts one row into an open PGlite, checked against the table. */
async function insertInto(
  db: PGlite,
  table: string,
  costColumn: string,
  info: TableInfo,
  row: Record<string, unknown>,
) {
  const fitted = fitRow(row, info, table, costColumn);
  const { text, values } = insertStatement(table, fitted, { idempotent: info.idempotent && IDEMPOTENCY_KEY in fitted });
  return idOf((await db.query<{ id: unknown }>(text, values)).rows);
}

/** Opens (or creates) the data directory; one that does not open is an error saying what to do. */
async function createPglite(dir: string, who: string, dev: boolean): Promise<PGlite> {
  const { PGlite } = await importOptional('@electric-sql/pglite', who, () => import('@electric-sql/pglite'), { dev });
  try {
    return await PGlite.create(dir);
  } catch (error) {
    throw new Error(
      `the embedded store ${dir} cannot be opened (${(error as Error).message}); nothing in it was changed. Move the directory aside to keep it for inspection; the tracker then creates a new one.`,
    );
  }
}

/** Stores the rows other processes spooled, each into the table it names (its cost column already applied). */
function ingestInto(db: PGlite, dir: string, spool: string, known: Map<string, TableInfo>) {
  return ingestSpool(
    spool,
    async ({ table, row }) => {
      assertSqlIdentifier(table, 'table name', { qualified: true });
      let info = known.get(table);
      if (!info) {
        // A table another process tracks into, not created yet (its tracker creates it when it owns the directory).
        const exists = (await db.query<{ t: unknown }>('SELECT to_regclass($1) AS t', [table])).rows[0]?.t;
        if (exists == null) {
          const deferred = new Error(`the table ${table} does not exist yet`);
          deferred.name = 'RowDeferredError';
          throw deferred;
        }
        known.set(table, (info = await readTableInfo((text, values) => db.query(text, values), table)));
      }
      try {
        return await insertInto(db, table, DEFAULT_COST_COLUMN, info, row);
      } catch (error) {
        // A value the table refuses (SQLSTATE class 22, data exception; 23, a constraint) is refused on every pass:
        // rejected, so that it does not hold back every row spooled after it.
        const code = (error as { code?: unknown } | null)?.code;
        if (typeof code === 'string' && /^2[23]/.test(code))
          throw new RowRejectedError(`${(error as Error).message} (${code})`);
        throw error;
      }
    },
    (row, error) => rejectSpooled(dir, row, error),
  );
}

/**
 * Opens the embedded store for a job that is not the tracker (`reconcile`): waits up to `waitMs` for the directory's
 * lock (a tracker gives it up after a few seconds idle), then refuses with a StoreBusyError naming the process that
 * holds it. Stores the rows other processes spooled meanwhile. Never leaves the lock or the database open on error.
 */
export async function openEmbeddedStore({
  dir,
  role,
  waitMs = 15_000,
}: OpenEmbeddedStoreOptions): Promise<EmbeddedStoreHandle> {
  const paths = embeddedPaths(dir);
  const lock = await acquireLock(paths.lock, role, waitMs, paths.dir);
  let db: PGlite | undefined;
  try {
    db = await createPglite(paths.dir, `recon-codemod ${role} (rows in .recon/db)`, true);
    const open = db;
    let ingested = { stored: 0, rejected: 0 };
    try {
      ingested = await ingestInto(open, paths.dir, paths.spool, new Map());
    } catch (error) {
      // The spooled rows stay for the next opening; the job that opened the store goes on.
      console.error(`recon-codemod: spooled rows in ${paths.spool} not stored yet: ${(error as Error).message}`);
    }
    let closed = false;
    return {
      db: open,
      ingested,
      async close() {
        if (closed) return;
        closed = true;
        try {
          await open.close();
        } finally {
          lock.release();
        }
      },
    };
  } catch (error) {
    await db?.close().catch(() => {});
    lock.release();
    throw error;
  }
}

/**
 * Embedded Postgres (PGlite) in a data directory: nothing to start or configure. Creates the table, its checks,
 * indexes and the reconciliation view with createTableSql on first use. PGlite is imported only then, so apps that
 * use another store never load it.
 *
 * Several processes may track into one directory (see embedded.ts): the one that holds `<dir>.lock` opens the
 * database; the others spool each row to a file, fsynced before the insert resolves, which the owner stores. For
 * development and single-host apps; in production use `postgresStore`.
 */
export function pgliteStore({
  dataDir = '.recon/db',
  table = DEFAULT_TABLE,
  costColumn = DEFAULT_COST_COLUMN,
  idleMs = 3_000,
}: PgliteStoreOptions = {}): PgliteStore {
  assertSqlIdentifier(table, 'table name', { qualified: true });
  assertSqlIdentifier(costColumn, 'cost column name');
  // Resolved now, not on first use: the directory is the one meant when the store was made.
  const paths = embeddedPaths(dataDir);
  const directory = paths.dir;
  let info: TableInfo | undefined;
  // What the owner last read of the table, for the rows this process spools while another one owns the directory.
  let spoolInfo: TableInfo | undefined;
  let lock: HeldLock | undefined;
  let pinned = false;
  let busy = 0;
  let lastUse = Date.now();
  let timer: NodeJS.Timeout | undefined;
  let closing: Promise<void> | undefined;

  const ingest = async (db: PGlite) => ingestInto(db, directory, paths.spool, new Map(info ? [[table, info]] : []));

  const database = lazily(async () => {
    await mkdir(dirname(directory), { recursive: true });
    const got = tryLock(paths.lock, 'tracker');
    if ('busy' in got) {
      const by = got.busy ? `process ${got.busy.pid} (${got.busy.role})` : 'another process';
      throw new StoreBusyError(`the embedded store ${directory} is in use by ${by}`, got.busy);
    }
    lock = got;
    let db: PGlite | undefined;
    try {
      await mkdir(directory, { recursive: true });
      db = await createPglite(directory, "recon-codemod/tracking's default store (pgliteStore)", false);
      const open = db;
      await open.exec(createTableSql({ table, costColumn }));
      info = await readTableInfo((text, values) => open.query(text, values), table);
      await writeDurably(
        dirname(paths.columns),
        paths.columns.slice(dirname(paths.columns).length + 1),
        JSON.stringify({ ...info, table }),
      );
      await ingest(open);
    } catch (error) {
      await db?.close().catch(() => {});
      lock.release();
      lock = undefined;
      throw error;
    }
    timer = setInterval(() => void tick(), Math.min(500, idleMs));
    timer.unref();
    return db;
  });

  /** While it owns the directory: stores what others spooled; gives the directory up once idle. */
  async function tick(): Promise<void> {
    if (busy > 0 || closing || lock === undefined) return;
    busy += 1;
    try {
      const db = await database.get();
      await ingest(db).catch(() => {});
    } catch {
      // Reported by the next insert.
    } finally {
      busy -= 1;
    }
    if (!pinned && busy === 0 && Date.now() - lastUse >= idleMs) await release();
  }

  async function release(): Promise<void> {
    closing ??= (async () => {
      clearInterval(timer);
      timer = undefined;
      const db = await database.reset()?.catch(() => undefined);
      try {
        if (db) await ingest(db).catch(() => {});
        await db?.close();
      } finally {
        lock?.release();
        lock = undefined;
        info = undefined;
      }
    })().finally(() => {
      closing = undefined;
    });
    return closing;
  }

  async function spool(row: Record<string, unknown>): Promise<{ id?: string }> {
    if (spoolInfo === undefined) {
      try {
        const read = JSON.parse(await readFile(paths.columns, 'utf8')) as TableInfo & { table?: string };
        // The owner may track into another table of the directory: its columns say nothing about this one.
        if (read.table === table) spoolInfo = { columns: read.columns, idempotent: read.idempotent };
      } catch {
        // Not written yet: the owner checks the row when it stores it.
      }
    }
    await spoolRow(paths.spool, { table, row: fitRow(row, spoolInfo, table, costColumn) });
    return {};
  }

  return {
    async db() {
      await closing;
      pinned = true;
      return database.get();
    },
    async insert(row) {
      busy += 1;
      lastUse = Date.now();
      try {
        await closing;
        let db: PGlite;
        try {
          db = await database.get();
        } catch (error) {
          if ((error as Error).name !== 'StoreBusyError') throw error;
          return await spool(row as Record<string, unknown>);
        }
        return await insertInto(db, table, costColumn, info!, row as Record<string, unknown>);
      } finally {
        busy -= 1;
        lastUse = Date.now();
      }
    },
    async close() {
      pinned = false;
      await release();
    },
  };
}

export interface PostgresStoreOptions {
  /** A Postgres URL, e.g. `process.env.DATABASE_URL`. */
  connectionString: string;
  table?: string;
  /** The table's column for the app's cost estimate (`estimated_cost_cents` of the row); default estimated_cost_cents. */
  costColumn?: string;
  /** Most connections the pool opens (default 2: tracking is a trickle of single-row inserts). */
  maxConnections?: number;
}

/**
 * Postgres through node-postgres (`pg`), for a `DATABASE_URL`. The table must exist (apply `recon-codemod sql`); its
 * columns are read once (and again after a failed insert), so the row's own columns are stored and a column the
 * table lacks is an error. `pg` is imported on first use, so apps that use another store need not install it.
 */
export function postgresStore({
  connectionString,
  table = DEFAULT_TABLE,
  costColumn = DEFAULT_COST_COLUMN,
  maxConnections = 2,
}: PostgresStoreOptions): TokenUsageStore {
  assertSqlIdentifier(table, 'table name', { qualified: true });
  assertSqlIdentifier(costColumn, 'cost column name');
  const pool = lazily(async (): Promise<Pool> => {
    const { default: pg } = await importOptional('pg', 'recon-codemod/tracking postgresStore', () => import('pg'), {
      dev: false,
    });
    const created = new pg.Pool({ connectionString, max: maxConnections, connectionTimeoutMillis: 10_000 });
    // An idle connection that drops emits 'error' on the pool, which would crash the app if nobody listened. The
    // next insert fails on its own and the tracker reports it, so there is nothing more to do here.
    created.on('error', () => {});
    return created;
  });
  let info: Promise<TableInfo> | undefined;
  return {
    async insert(row) {
      const client = await pool.get();
      info ??= readTableInfo((text, values) => client.query(text, values), table).catch((error: unknown) => {
        info = undefined;
        throw error;
      });
      const table_ = await info;
      try {
        const fitted = fitRow(row as Record<string, unknown>, table_, table, costColumn);
        const { text, values } = insertStatement(table, fitted, {
          idempotent: table_.idempotent && IDEMPOTENCY_KEY in fitted,
        });
        const result = await client.query<{ id: unknown }>(text, values);
        return idOf(result.rows);
      } catch (error) {
        // The table may have changed (a migration while the app runs, a column added after a rejection): read it again.
        info = undefined;
        throw error;
      }
    },
    async close() {
      info = undefined;
      await (await pool.reset()?.catch(() => undefined))?.end();
    },
  };
}

/** The part of a supabase-js client the adapter uses (`createClient(...)` satisfies it). */
export interface SupabaseClientLike {
  from(table: string): {
    insert(row: Record<string, unknown>): PromiseLike<{ error: { message: string; code?: string } | null }>;
  };
}

/**
 * Inserts through a Supabase client (`client.from(table).insert(row)`), so row-level security and the client's auth
 * apply as for any other write. supabase-js reports failures as `{ error }` rather than throwing; this throws them.
 */
export function supabaseStore(
  client: SupabaseClientLike,
  { table = DEFAULT_TABLE, costColumn = DEFAULT_COST_COLUMN }: { table?: string; costColumn?: string } = {},
): TokenUsageStore {
  // supabase-js takes the schema as a client option, not in the table name.
  assertSqlIdentifier(table, 'table name');
  assertSqlIdentifier(costColumn, 'cost column name');
  // A table migrated before the idempotency key: rows go without it (a retry may then store a row twice).
  let withKey = true;
  return {
    async insert(given) {
      // PostgREST checks the columns itself: one the table lacks is an error (PGRST204) naming it.
      const row = fitRow(given as Record<string, unknown>, undefined, table, costColumn);
      const send = withKey ? row : { ...row, [IDEMPOTENCY_KEY]: undefined };
      let { error } = await client.from(table).insert(send);
      if (error && withKey && error.code === 'PGRST204' && error.message.includes(IDEMPOTENCY_KEY)) {
        withKey = false;
        ({ error } = await client.from(table).insert({ ...row, [IDEMPOTENCY_KEY]: undefined }));
      }
      // The same tracking call stored before (a late insert, then a replay): already there, once.
      if (error?.code === '23505' && error.message.includes(IDEMPOTENCY_KEY)) return {};
      if (error)
        throw new Error(
          `supabase insert into ${table} failed: ${error.message}${error.code ? ` (${error.code})` : ''}`,
        );
      return {};
    },
    async close() {},
  };
}
