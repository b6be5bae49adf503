import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import type { Pool } from 'pg';
import { importOptional } from '../optional.js';
import { assertSqlIdentifier, createTableSql, DEFAULT_TABLE } from '../schema/sql.js';
import type { TokenUsageRow } from '../schema/zod.js';

/** Where the tracker puts rows. `insert` may throw or reject: the tracker turns that into a result. */
export interface TokenUsageStore {
  /** Stores one validated row; resolves to the new row's id when the store reports one. */
  insert(row: TokenUsageRow): Promise<{ id?: string }>;
  /** Releases connections; the store reopens them on the next insert. */
  close(): Promise<void>;
}

/** A parameterized INSERT: the column names come from the validated row (the schema's keys), the values are `$n`. */
export function insertStatement(table: string, row: TokenUsageRow): { text: string; values: unknown[] } {
  assertSqlIdentifier(table, 'table name', { qualified: true });
  const entries = Object.entries(row).filter(([, value]) => value !== undefined);
  for (const [column] of entries) assertSqlIdentifier(column, 'column name');
  const placeholders = entries.map(([column], i) => (column === 'metadata' ? `$${i + 1}::jsonb` : `$${i + 1}`));
  return {
    text: `INSERT INTO ${table} (${entries.map(([column]) => column).join(', ')}) VALUES (${placeholders.join(', ')}) RETURNING id`,
    // Sent as JSON text and cast, so both drivers store the same jsonb whatever their own object serialisation.
    values: entries.map(([column, value]) => (column === 'metadata' && value !== null ? JSON.stringify(value) : value)),
  };
}

const idOf = (rows: Array<{ id?: unknown }>): { id?: string } => (rows[0]?.id == null ? {} : { id: String(rows[0].id) });

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
}

export interface PgliteStore extends TokenUsageStore {
  /** The open database (opened and given the table on first use), for queries of your own. */
  db(): Promise<PGlite>;
}

/**
 * Embedded Postgres (PGlite) in a data directory: nothing to start or configure. Creates the table, its checks,
 * indexes and the reconciliation view with createTableSql on first use. PGlite is imported only then, so apps that
 * use another store never load it.
 */
export function pgliteStore({ dataDir = '.recon/db', table = DEFAULT_TABLE }: PgliteStoreOptions = {}): PgliteStore {
  assertSqlIdentifier(table, 'table name', { qualified: true });
  // Resolved now, not on first use: the directory is the one meant when the store was made.
  const directory = resolve(dataDir);
  const database = lazily(async () => {
    await mkdir(directory, { recursive: true });
    const { PGlite } = await importOptional('@electric-sql/pglite', "recon-codemod/tracking's default store (pgliteStore)", () => import('@electric-sql/pglite'), { dev: false });
    const db = await PGlite.create(directory);
    await db.exec(createTableSql({ table }));
    return db;
  });
  return {
    db: () => database.get(),
    async insert(row) {
      const db = await database.get();
      const { text, values } = insertStatement(table, row);
      const result = await db.query<{ id: unknown }>(text, values);
      return idOf(result.rows);
    },
    async close() {
      await (await database.reset()?.catch(() => undefined))?.close();
    },
  };
}

export interface PostgresStoreOptions {
  /** A Postgres URL, e.g. `process.env.DATABASE_URL`. */
  connectionString: string;
  table?: string;
  /** Most connections the pool opens (default 2: tracking is a trickle of single-row inserts). */
  maxConnections?: number;
}

/**
 * Postgres through node-postgres (`pg`), for a `DATABASE_URL`. The table must exist (apply `recon-codemod sql`).
 * `pg` is imported on first use, so apps that use another store need not install it.
 */
export function postgresStore({ connectionString, table = DEFAULT_TABLE, maxConnections = 2 }: PostgresStoreOptions): TokenUsageStore {
  assertSqlIdentifier(table, 'table name', { qualified: true });
  const pool = lazily(async (): Promise<Pool> => {
    const { default: pg } = await importOptional('pg', 'recon-codemod/tracking postgresStore', () => import('pg'), { dev: false });
    const created = new pg.Pool({ connectionString, max: maxConnections, connectionTimeoutMillis: 10_000 });
    // An idle connection that drops emits 'error' on the pool, which would crash the app if nobody listened. The
    // next insert fails on its own and the tracker reports it, so there is nothing more to do here.
    created.on('error', () => {});
    return created;
  });
  return {
    async insert(row) {
      const { text, values } = insertStatement(table, row);
      const result = await (await pool.get()).query<{ id: unknown }>(text, values);
      return idOf(result.rows);
    },
    async close() {
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
export function supabaseStore(client: SupabaseClientLike, { table = DEFAULT_TABLE }: { table?: string } = {}): TokenUsageStore {
  // supabase-js takes the schema as a client option, not in the table name.
  assertSqlIdentifier(table, 'table name');
  return {
    async insert(row) {
      const { error } = await client.from(table).insert(row);
      if (error) throw new Error(`supabase insert into ${table} failed: ${error.message}${error.code ? ` (${error.code})` : ''}`);
      return {};
    },
    async close() {},
  };
}
