/**
 * The app's side in the database: reads the window's token_usage rows, and writes the reconciliation result back in
 * one transaction. Parameterized SQL only; identifiers are validated.
 */
import { assertSqlIdentifier } from '../schema/sql.js';
import type { AppRow, WritePlanEntry } from './compute.js';

/** The little of a Postgres client this needs (PGlite and node-postgres both fit through the adapters below). */
export interface Db {
  query<T = Record<string, unknown>>(text: string, values?: unknown[]): Promise<{ rows: T[]; affectedRows?: number }>;
  /** Runs `work` in one transaction: all of it is committed, or none. */
  transaction<T>(work: (tx: Pick<Db, 'query'>) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface TableOptions {
  table: string;
  costColumn: string;
}

/** The row's time: OpenAI's `openai_created` where the row has it, else the row's `created_at`. */
const ROW_TIME = 'COALESCE(to_timestamp(t.openai_created), t.created_at)';

async function columnsOf(db: Pick<Db, 'query'>, table: string): Promise<Set<string>> {
  const [schema, name] = table.includes('.') ? table.split('.') : [null, table];
  const { rows } = await db.query<{ column_name: string }>(
    `SELECT column_name FROM information_schema.columns WHERE table_name = $1 AND ($2::text IS NULL OR table_schema = $2)
       AND ($2::text IS NOT NULL OR table_schema = ANY (current_schemas(false)))`,
    [name, schema],
  );
  return new Set(rows.map((r) => r.column_name));
}

const asNumber = (value: unknown): number | null => {
  if (value === null || value === undefined) return null;
  const n = typeof value === 'number' ? value : Number(value);
  return Number.isFinite(n) ? n : null;
};

/**
 * The rows whose time (openai_created, else created_at) falls in [since, until). Columns the table lacks (the optional
 * ones, the cost column) read as null, so a table migrated before they existed still works.
 */
export async function readRows(db: Pick<Db, 'query'>, { table, costColumn }: TableOptions, since: number, until: number): Promise<AppRow[]> {
  assertSqlIdentifier(table, 'table name', { qualified: true });
  assertSqlIdentifier(costColumn, 'cost column name');
  const columns = await columnsOf(db, table);
  if (columns.size === 0) throw new Error(`table ${table} does not exist (apply \`recon-codemod sql\` first)`);
  for (const required of ['id', 'created_at', 'model_used', 'tokens_used', 'openai_request_id', 'openai_created']) {
    if (!columns.has(required)) throw new Error(`table ${table} has no column ${required} (apply \`recon-codemod sql\` first)`);
  }
  const optional = (name: string, cast = ''): string => (columns.has(name) ? `t.${name}${cast}` : 'NULL');
  const { rows } = await db.query<Record<string, unknown>>(
    `SELECT t.id::text AS id, extract(epoch FROM ${ROW_TIME})::bigint AS at, t.model_used, t.openai_request_id,
            ${optional('openai_model')} AS openai_model, ${optional('cached_input_tokens')} AS cached_input_tokens,
            ${optional('service_tier')} AS service_tier, ${optional('input_tokens')} AS input_tokens,
            ${optional('output_tokens')} AS output_tokens, t.tokens_used,
            ${columns.has(costColumn) ? `t.${costColumn}::float8` : 'NULL'} AS estimated_cost_cents,
            ${columns.has('metadata') ? "COALESCE(t.metadata->>'audio_seconds', t.metadata->>'duration_seconds')" : 'NULL'} AS audio_seconds
       FROM ${table} AS t
      WHERE ${ROW_TIME} >= to_timestamp($1) AND ${ROW_TIME} < to_timestamp($2)
      ORDER BY ${ROW_TIME}, t.id`,
    [since, until],
  );
  return rows.map((r) => ({
    id: String(r.id),
    at: Number(r.at),
    model_used: String(r.model_used),
    openai_model: (r.openai_model as string | null) ?? null,
    openai_request_id: (r.openai_request_id as string | null) ?? null,
    input_tokens: asNumber(r.input_tokens),
    output_tokens: asNumber(r.output_tokens),
    tokens_used: asNumber(r.tokens_used) ?? 0,
    cached_input_tokens: asNumber(r.cached_input_tokens),
    service_tier: (r.service_tier as string | null) ?? null,
    estimated_cost_cents: asNumber(r.estimated_cost_cents),
    audio_seconds: asNumber(r.audio_seconds),
  }));
}

/**
 * Writes the plan in one transaction: status, and (where the bucket had billed dollars) actual_cost_cents with
 * reconciled_at. The UPDATE repeats the window condition, so a row outside the window is never touched even if the
 * plan named it; a count that differs from the plan rolls everything back.
 */
export async function writePlan(
  db: Db,
  { table }: TableOptions,
  plan: readonly WritePlanEntry[],
  window: { since: number; until: number },
  now: Date,
): Promise<number> {
  assertSqlIdentifier(table, 'table name', { qualified: true });
  if (plan.length === 0) return 0;
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<{ id: string }>(
      `UPDATE ${table} AS t
          SET reconciliation_status = u.status,
              actual_cost_cents = u.cents,
              reconciled_at = CASE WHEN u.cents IS NULL THEN NULL ELSE $4::timestamptz END
         FROM unnest($1::text[], $2::text[], $3::int[]) AS u(id, status, cents)
        WHERE t.id::text = u.id
          AND ${ROW_TIME} >= to_timestamp($5) AND ${ROW_TIME} < to_timestamp($6)
       RETURNING t.id::text AS id`,
      [plan.map((p) => p.id), plan.map((p) => p.status), plan.map((p) => p.actual_cost_cents), now.toISOString(), window.since, window.until],
    );
    if (rows.length !== plan.length) {
      throw new Error(`expected to update ${plan.length} rows, the database matched ${rows.length}: rolled back, nothing written`);
    }
    return rows.length;
  });
}

/** A Db over an open PGlite. */
export function pgliteDb(pg: {
  query<T>(text: string, values?: unknown[]): Promise<{ rows: T[]; affectedRows?: number }>;
  transaction<T>(fn: (tx: { query<R>(text: string, values?: unknown[]): Promise<{ rows: R[]; affectedRows?: number }> }) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}, { closeOnClose = true } = {}): Db {
  return {
    query: (text, values) => pg.query(text, values),
    transaction: (work) => pg.transaction((tx) => work({ query: (text, values) => tx.query(text, values) })),
    close: () => (closeOnClose ? pg.close() : Promise.resolve()),
  };
}

/** A Db over node-postgres, for `--db postgres://…`. */
export async function postgresDb(connectionString: string): Promise<Db> {
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({ connectionString, max: 1, connectionTimeoutMillis: 10_000 });
  pool.on('error', () => {});
  const query = async <T>(text: string, values?: unknown[]) => {
    const result = await pool.query(text, values);
    return { rows: result.rows as T[], affectedRows: result.rowCount ?? undefined };
  };
  return {
    query,
    async transaction(work) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await work({
          query: async <T>(text: string, values?: unknown[]) => {
            const r = await client.query(text, values);
            return { rows: r.rows as T[], affectedRows: r.rowCount ?? undefined };
          },
        });
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}
