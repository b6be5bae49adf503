/**
 * The app's side in the database: reads the window's token_usage rows, and writes the reconciliation result back in
 * one transaction. Parameterized SQL only; identifiers are validated.
 */
import { assertSqlIdentifier, UNIQUE_COLUMN_INDEX_SQL } from '../schema/sql.js';
import { SYNTHETIC_ID_PREFIXES, type AppGroup, type AppRow, type WritePlanEntry } from './compute.js';
import { BUCKET_SECONDS, type BucketWidth } from './openai-data.js';

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

/** The table's columns (in the search path's schema unless `table` names one). */
export async function columnsOf(db: Pick<Db, 'query'>, table: string): Promise<Set<string>> {
  const [schema, name] = table.includes('.') ? table.split('.') : [null, table];
  const { rows } = await db.query<{ column_name: string }>(
    `SELECT column_name FROM information_schema.columns WHERE table_name = $1 AND ($2::text IS NULL OR table_schema = $2)
       AND ($2::text IS NOT NULL OR table_schema = ANY (current_schemas(false)))`,
    [name, schema],
  );
  return new Set(rows.map((r) => r.column_name));
}

/** A numeric column's value (node-postgres gives NUMERIC and BIGINT as strings); null for NULL or not a number. */
export const asNumber = (value: unknown): number | null => {
  if (value === null || value === undefined) return null;
  const n = typeof value === 'number' ? value : Number(value);
  return Number.isFinite(n) ? n : null;
};

/**
 * The rows whose time (openai_created, else created_at) falls in [since, until). Columns the table lacks (the optional
 * ones, the cost column) read as null, so a table migrated before they existed still works.
 */
export async function readRows(
  db: Pick<Db, 'query'>,
  { table, costColumn }: TableOptions,
  since: number,
  until: number,
): Promise<AppRow[]> {
  assertSqlIdentifier(table, 'table name', { qualified: true });
  assertSqlIdentifier(costColumn, 'cost column name');
  const columns = await columnsOf(db, table);
  if (columns.size === 0) throw new Error(`table ${table} does not exist (apply \`recon-codemod sql\` first)`);
  for (const required of ['id', 'created_at', 'model_used', 'tokens_used', 'openai_request_id', 'openai_created']) {
    if (!columns.has(required))
      throw new Error(`table ${table} has no column ${required} (apply \`recon-codemod sql\` first)`);
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

/** Per-row expressions over `t`, for the columns the table has (the others read as NULL). */
function rowExpressions(columns: Set<string>, costColumn: string) {
  const col = (name: string, type: string): string => (columns.has(name) ? `t.${name}::${type}` : `NULL::${type}`);
  const output = `COALESCE(${col('output_tokens', 'float8')}, 0)`;
  const input = `COALESCE(${col('input_tokens', 'float8')}, GREATEST(0, t.tokens_used::float8 - ${output}))`;
  const audioText = columns.has('metadata')
    ? "COALESCE(t.metadata->>'audio_seconds', t.metadata->>'duration_seconds')"
    : 'NULL::text';
  return {
    // ROW_TIME in seconds, as float8 (extract() gives numeric, several times slower over millions of rows).
    at: `COALESCE(t.openai_created::float8, date_part('epoch', t.created_at))`,
    verifiable: `(t.openai_request_id IS NOT NULL AND t.openai_request_id <> '' AND NOT (${SYNTHETIC_ID_PREFIXES.map(
      (prefix) => `t.openai_request_id LIKE '${prefix.replace(/[\\%_]/g, '\\$&')}%'`,
    ).join(' OR ')}))`,
    input,
    inputMissing: col('input_tokens', 'float8') + ' IS NULL',
    cached: col('cached_input_tokens', 'float8'),
    cachedPriced: `LEAST(COALESCE(${col('cached_input_tokens', 'float8')}, 0), ${input})`,
    output,
    audio: `(CASE WHEN ${audioText} ~ '^-?[0-9]+([.][0-9]+)?([eE][-+]?[0-9]+)?$' THEN (${audioText})::float8 END)`,
    ownCents: columns.has(costColumn) ? `t.${costColumn}::float8` : 'NULL::float8',
    openaiModel: col('openai_model', 'text'),
    serviceTier: col('service_tier', 'text'),
  };
}

async function checkedColumns(db: Pick<Db, 'query'>, { table, costColumn }: TableOptions): Promise<Set<string>> {
  assertSqlIdentifier(table, 'table name', { qualified: true });
  assertSqlIdentifier(costColumn, 'cost column name');
  const columns = await columnsOf(db, table);
  if (columns.size === 0) throw new Error(`table ${table} does not exist (apply \`recon-codemod sql\` first)`);
  for (const required of ['id', 'created_at', 'model_used', 'tokens_used', 'openai_request_id', 'openai_created']) {
    if (!columns.has(required))
      throw new Error(`table ${table} has no column ${required} (apply \`recon-codemod sql\` first)`);
  }
  return columns;
}

/** Whether a unique index (no predicate) on the request id alone rules out repeated ids. */
async function uniqueRequestIds(db: Pick<Db, 'query'>, table: string): Promise<boolean> {
  const { rows } = await db.query(UNIQUE_COLUMN_INDEX_SQL, [table, 'openai_request_id']);
  return rows.length > 0;
}

const GROUP_KEYS = 'b, day, model_used, openai_model, service_tier, verifiable';

/**
 * The window's rows summed in the database, one row per bucket, UTC day, requested model, snapshot, service tier and
 * id kind (what reconciliation compares): only these groups reach Node, never the rows. A request id recorded on
 * several rows of a group counts once (the first row by time, then id); `rows` keeps every row. A second pass finds
 * repeated ids (streaming over the request-id index) and takes the copies back out of the sums.
 */
export async function readGroups(
  db: Pick<Db, 'query' | 'transaction'>,
  options: TableOptions,
  window: { since: number; until: number; bucket: BucketWidth },
): Promise<AppGroup[]> {
  const columns = await checkedColumns(db, options);
  const x = rowExpressions(columns, options.costColumn);
  const width = BUCKET_SECONDS[window.bucket];
  const rowsSql = (
    extra = '',
  ) => `SELECT floor((${x.at} - $1) / $3)::bigint AS b, floor(${x.at} / 86400)::bigint AS day, ${x.at} AS at,
            t.model_used, ${x.openaiModel} AS openai_model, ${x.serviceTier} AS service_tier, ${x.verifiable} AS verifiable,
            t.openai_request_id, ${x.input} AS input, (${x.inputMissing}) AS input_missing, ${x.cached} AS cached,
            ${x.cachedPriced} AS cached_priced, ${x.output} AS output, ${x.audio} AS audio, ${x.ownCents} AS own_cents${extra}
       FROM ${options.table} AS t
      WHERE ${ROW_TIME} >= to_timestamp($1) AND ${ROW_TIME} < to_timestamp($2)`;
  const sums = `count(*) FILTER (WHERE input_missing) AS input_missing, sum(input) AS input, sum(cached) AS cached,
                count(*) FILTER (WHERE cached IS NULL) AS cached_missing, sum(cached_priced) AS cached_priced,
                sum(output) AS output, sum(audio) AS audio, sum(own_cents) AS own_cents`;
  const params = [window.since, window.until, width];
  const key = (r: Record<string, unknown>): string =>
    JSON.stringify([String(r.b), String(r.day), r.model_used, r.openai_model, r.service_tier, r.verifiable]);
  const groups = new Map<string, AppGroup>();
  await db.transaction(async (tx) => {
    // The window's row count is estimated badly (the time is an expression): without this the planner sorts every row
    // for a GroupAggregate instead of hashing into the few groups.
    await tx.query('SET LOCAL enable_sort = off');
    const { rows } = await tx.query<Record<string, unknown>>(
      `SELECT ${GROUP_KEYS}, min(at) AS at, count(*) AS rows, ${sums}
         FROM (${rowsSql()}) AS r
        GROUP BY ${GROUP_KEYS}`,
      params,
    );
    for (const r of rows) {
      const verifiable = r.verifiable === true;
      groups.set(key(r), {
        start: window.since + Number(r.b) * width,
        at: Number(r.at),
        day: Number(r.day),
        model_used: String(r.model_used),
        openai_model: (r.openai_model as string | null) ?? null,
        service_tier: (r.service_tier as string | null) ?? null,
        verifiable,
        rows: Number(r.rows),
        requests: Number(r.rows),
        input_tokens: asNumber(r.input) ?? 0,
        input_missing: Number(r.input_missing),
        cached_tokens: asNumber(r.cached) ?? 0,
        cached_missing: Number(r.cached_missing),
        cached_priced: asNumber(r.cached_priced) ?? 0,
        output_tokens: asNumber(r.output) ?? 0,
        audio_seconds: asNumber(r.audio) ?? 0,
        own_cents: asNumber(r.own_cents),
      });
    }
    // Request ids on more than one row: one streaming pass over the request-id index the migration creates (no sort,
    // no memory; without the index the database sorts). A table with a unique index on the id has none.
    if (await uniqueRequestIds(tx, options.table)) return;
    await tx.query('SET LOCAL enable_hashagg = off');
    const { rows: extras } = await tx.query<Record<string, unknown>>(
      `WITH d AS (SELECT t.openai_request_id FROM ${options.table} AS t WHERE t.openai_request_id IS NOT NULL
                   GROUP BY t.openai_request_id HAVING count(*) > 1)
       SELECT ${GROUP_KEYS}, count(*) AS rows, ${sums}
         FROM (SELECT r.*, row_number() OVER (PARTITION BY ${GROUP_KEYS}, openai_request_id ORDER BY at, row_id) AS copy
                 FROM (${rowsSql(', t.id AS row_id')} AND t.openai_request_id IN (SELECT openai_request_id FROM d)) AS r
                WHERE verifiable) AS x
        WHERE copy > 1
        GROUP BY ${GROUP_KEYS}`,
      params,
    );
    // Take the repeated rows (all but the first of each request id in its group) back out of the sums.
    for (const e of extras) {
      const g = groups.get(key(e));
      if (!g) continue;
      g.requests -= Number(e.rows);
      g.input_tokens -= asNumber(e.input) ?? 0;
      g.input_missing -= Number(e.input_missing);
      g.cached_tokens -= asNumber(e.cached) ?? 0;
      g.cached_missing -= Number(e.cached_missing);
      g.cached_priced -= asNumber(e.cached_priced) ?? 0;
      g.output_tokens -= asNumber(e.output) ?? 0;
      g.audio_seconds -= asNumber(e.audio) ?? 0;
      if (g.own_cents !== null) g.own_cents -= asNumber(e.own_cents) ?? 0;
    }
  });
  return [...groups.values()];
}

/** Rows per `--write` transaction (whole buckets: a bucket larger than this is one transaction of its own). Each batch
 * scans the window once (the row time is an expression no index covers), so batches are large. */
export const WRITE_BATCH_ROWS = 1_000_000;
/** Memory for the batch's one sort of its rows (the largest remainder's ranking), so a batch is sorted in memory. */
const WRITE_WORK_MEM = '256MB';

/**
 * Writes the plan with set-based UPDATEs, a batch of whole buckets per transaction: status, and (where the bucket had
 * billed dollars) actual_cost_cents with reconciled_at. The database weighs each row with the plan's per-part rates and
 * shares the bucket's cents over its rows (largest remainder, ties by time then id; a repeated request id gets 0).
 * The UPDATE keeps to the batch's part of the window, so a row outside the window is never touched; a batch whose rows
 * differ in number from the plan's is rolled back. Rows that already hold the values are not rewritten, so a rerun
 * after an interruption skips the buckets already written. Returns the rows written and the rows already up to date.
 */
export async function writePlan(
  db: Db,
  options: TableOptions,
  plan: readonly WritePlanEntry[],
  window: { since: number; until: number; bucket: BucketWidth },
  now: Date,
  onProgress: (text: string) => void = () => {},
): Promise<{ written: number; unchanged: number }> {
  if (plan.length === 0) return { written: 0, unchanged: 0 };
  const columns = await checkedColumns(db, options);
  const x = rowExpressions(columns, options.costColumn);
  const width = BUCKET_SECONDS[window.bucket];
  const ordered = [...plan].sort((a, b) => a.start - b.start);
  const batches: WritePlanEntry[][] = [];
  let size = 0;
  for (const entry of ordered) {
    const last = batches.at(-1);
    if (last && (last[0].start === entry.start || size + entry.rows <= WRITE_BATCH_ROWS)) {
      last.push(entry);
      size += entry.rows;
    } else {
      batches.push([entry]);
      size = entry.rows;
    }
  }
  const total = ordered.reduce((s, e) => s + e.rows, 0);
  const uniqueIds = await uniqueRequestIds(db, options.table);
  const inWindow = (alias: string): string =>
    ROW_TIME.replaceAll('t.', `${alias}.`) +
    ` >= to_timestamp($16) AND ${ROW_TIME.replaceAll('t.', `${alias}.`)} < to_timestamp($17)`;
  // Two rows in the same part: the same bucket, day, requested model, snapshot and service tier.
  const sameKeys = (a: string, b: string): string => {
    const at = (alias: string) => x.at.replaceAll('t.', `${alias}.`);
    const col = (e: string, alias: string) => e.replaceAll('t.', `${alias}.`);
    return [
      `floor((${at(a)} - $14) / $15) = floor((${at(b)} - $14) / $15)`,
      `floor(${at(a)} / 86400) = floor(${at(b)} / 86400)`,
      `${a}.model_used = ${b}.model_used`,
      `${col(x.openaiModel, a)} IS NOT DISTINCT FROM ${col(x.openaiModel, b)}`,
      `${col(x.serviceTier, a)} IS NOT DISTINCT FROM ${col(x.serviceTier, b)}`,
    ].join(' AND ');
  };
  let done = 0;
  let written = 0;
  let unchanged = 0;
  for (const [n, batch] of batches.entries()) {
    const parts = batch.flatMap((entry, grp) =>
      entry.parts.map((p) => ({ grp, b: Math.round((entry.start - window.since) / width), ...p })),
    );
    const expected = batch.reduce((s, e) => s + e.rows, 0);
    const from = batch[0].start;
    const to = Math.min(window.until, Math.max(...batch.map((e) => e.end)));
    // Repeated request ids are looked for (one pass over the request-id index) only where the read found some.
    const findCopies = !uniqueIds && batch.some((e) => e.requests === undefined || e.requests < e.rows);
    const started = Date.now();
    const result = await db.transaction(async (tx) => {
      await tx.query(`SET LOCAL work_mem = '${WRITE_WORK_MEM}'`);
      // The rows' count is estimated badly (the time is an expression): without this the planner may sort them all to
      // sum them per group instead of hashing into the few groups. The one sort the allocation needs stays.
      await tx.query('SET LOCAL enable_sort = off');
      const { rows } = await tx.query<{
        candidates: string | number;
        stale: string | number;
        updated: string | number;
      }>(
        `WITH p AS (SELECT * FROM unnest($1::int[], $2::int[], $3::bigint[], $4::bigint[], $5::text[], $6::text[], $7::text[],
                                         $8::float8[], $9::float8[], $10::float8[], $11::float8[], $12::text[], $13::int[])
                           AS p(part, grp, b, day, model_used, openai_model, service_tier, ri, rc, ro, ra, status, total)),
              -- Request ids on more than one row of the table (when the read found some): one streaming pass over the request-id index.
              d AS (SELECT rid FROM (SELECT t.openai_request_id AS rid, lag(t.openai_request_id) OVER (ORDER BY t.openai_request_id) AS prev
                                       FROM ${options.table} AS t WHERE t.openai_request_id IS NOT NULL AND NOT $19) AS q
                     WHERE rid = prev),
              -- copy: 1 for the first row of a request id in its part (by time, then id). Only a repeated id looks for its
              -- earlier copies (over the request-id index), so no row is sorted or joined for it.
              r AS MATERIALIZED (
                    SELECT t.ctid AS tid, t.id AS row_id, p.grp, p.status, p.total, ${x.at} AS at,
                           t.reconciliation_status AS old_status, t.actual_cost_cents AS old_cents,
                           p.ri * (${x.input} - ${x.cachedPriced}) + p.rc * ${x.cachedPriced} + p.ro * ${x.output} + p.ra * COALESCE(${x.audio}, 0) AS w,
                           CASE WHEN t.openai_request_id IN (SELECT rid FROM d)
                                THEN 1 + (SELECT count(*) FROM ${options.table} AS t2
                                           WHERE t2.openai_request_id = t.openai_request_id AND ${inWindow('t2')}
                                             AND ${sameKeys('t2', 't')}
                                             AND (${x.at.replaceAll('t.', 't2.')}, t2.id) < (${x.at}, t.id))
                                ELSE 1 END AS copy
                      FROM ${options.table} AS t
                      JOIN p ON p.b = floor((${x.at} - $14) / $15)::bigint AND p.day = floor(${x.at} / 86400)::bigint
                            AND p.model_used = t.model_used AND p.openai_model IS NOT DISTINCT FROM ${x.openaiModel}
                            AND p.service_tier IS NOT DISTINCT FROM ${x.serviceTier}
                     WHERE ${inWindow('t')} AND ${x.verifiable}),
              -- Per group: the weight of its first copies, and their number (one aggregate, read as arrays: no join).
              g AS (SELECT array_agg(COALESCE(s.wsum, 0) ORDER BY e.grp) AS wsum, array_agg(COALESCE(s.n, 0) ORDER BY e.grp) AS n
                      FROM generate_series(0, $20 - 1) AS e(grp)
                      LEFT JOIN (SELECT grp, sum(w) FILTER (WHERE copy = 1) AS wsum, count(*) FILTER (WHERE copy = 1) AS n FROM r GROUP BY grp) AS s
                        ON s.grp = e.grp),
              f AS (SELECT r.*, CASE WHEN total IS NULL OR copy > 1 THEN NULL
                                     WHEN (SELECT wsum FROM g)[grp + 1] > 0 THEN total * w / (SELECT wsum FROM g)[grp + 1]
                                     ELSE total::float8 / (SELECT n FROM g)[grp + 1] END AS share
                      FROM r),
              k AS (SELECT f.*, floor(share) AS fl,
                           row_number() OVER (PARTITION BY grp ORDER BY share IS NULL, share - floor(share) DESC, at, row_id) AS rk,
                           total - sum(floor(share)) OVER (PARTITION BY grp) AS rest
                      FROM f),
              -- In the table's order: the UPDATE then visits each page once.
              v AS MATERIALIZED (
                    SELECT tid, row_id, status, old_status, old_cents,
                           CASE WHEN total IS NULL THEN NULL WHEN copy > 1 THEN 0 ELSE (fl + CASE WHEN rk <= rest THEN 1 ELSE 0 END)::int END AS cents
                      FROM k ORDER BY tid),
              -- By the row's ctid (no index look-up); rows that already hold the values are not rewritten.
              u AS (UPDATE ${options.table} AS t
                       SET reconciliation_status = v.status,
                           actual_cost_cents = v.cents,
                           reconciled_at = CASE WHEN v.cents IS NULL THEN NULL ELSE $18::timestamptz END
                      FROM v
                     WHERE t.ctid = v.tid AND t.id = v.row_id
                       AND (t.reconciliation_status IS DISTINCT FROM v.status OR t.actual_cost_cents IS DISTINCT FROM v.cents)
                    RETURNING 1)
         SELECT (SELECT count(*) FROM v) AS candidates,
                (SELECT count(*) FROM v WHERE old_status IS DISTINCT FROM status OR old_cents IS DISTINCT FROM cents) AS stale,
                (SELECT count(*) FROM u) AS updated`,
        [
          parts.map((_, i) => i),
          parts.map((p) => p.grp),
          parts.map((p) => p.b),
          parts.map((p) => p.day),
          parts.map((p) => p.model_used),
          parts.map((p) => p.openai_model),
          parts.map((p) => p.service_tier),
          parts.map((p) => p.rate.input),
          parts.map((p) => p.rate.cached),
          parts.map((p) => p.rate.output),
          parts.map((p) => p.rate.audio),
          parts.map((p) => batch[p.grp].status),
          parts.map((p) => batch[p.grp].billed_cents),
          window.since,
          width,
          from,
          to,
          now.toISOString(),
          !findCopies,
          batch.length,
        ],
      );
      const candidates = Number(rows[0].candidates);
      if (candidates !== expected) {
        throw new Error(
          `expected to update ${expected} rows from ${new Date(from * 1000).toISOString()}, the database matched ${candidates} (rows changed since they were read?): this batch was rolled back; ${written} rows written before it stay. Run again.`,
        );
      }
      // A row changed by another transaction since this statement's snapshot is not updated (its ctid moved on).
      const stale = Number(rows[0].stale);
      if (Number(rows[0].updated) !== stale) {
        throw new Error(
          `expected to update ${stale} rows from ${new Date(from * 1000).toISOString()}, the database updated ${rows[0].updated} (rows changed while they were written?): this batch was rolled back; ${written} rows written before it stay. Run again.`,
        );
      }
      return { updated: stale, candidates };
    });
    written += result.updated;
    unchanged += result.candidates - result.updated;
    done += expected;
    onProgress(
      `reconcile --write: batch ${n + 1}/${batches.length} (${new Date(from * 1000).toISOString()} → ${new Date(to * 1000).toISOString()}): ` +
        `${result.updated} rows written, ${result.candidates - result.updated} already up to date; ${done}/${total} rows (${((Date.now() - started) / 1000).toFixed(1)} s)\n`,
    );
  }
  return { written, unchanged };
}

/** A Db over an open PGlite. */
export function pgliteDb(
  pg: {
    query<T>(text: string, values?: unknown[]): Promise<{ rows: T[]; affectedRows?: number }>;
    transaction<T>(
      fn: (tx: {
        query<R>(text: string, values?: unknown[]): Promise<{ rows: R[]; affectedRows?: number }>;
      }) => Promise<T>,
    ): Promise<T>;
    close(): Promise<void>;
  },
  { closeOnClose = true } = {},
): Db {
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
