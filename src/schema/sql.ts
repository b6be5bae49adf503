import { RECONCILIATION_COLUMNS, RECONCILIATION_STATUSES } from './fields.js';

/**
 * SQL for the reconciliation columns, built from RECONCILIATION_COLUMNS (names, SQL types, comments) and
 * RECONCILIATION_STATUSES. Pure: every function returns text; nothing here touches a database.
 *
 * The migration assumes the usual token-usage table: an `id` key, `created_at TIMESTAMPTZ`, `user_id`, `action_type`,
 * `model_used` and an estimated-cost column (`estimated_cost_cents` unless told otherwise), which the reconciliation view
 * compares with `actual_cost_cents`.
 */

export interface ReconciliationSqlOptions {
  /** The token-usage table, optionally schema-qualified (`public.token_usage`). */
  table?: string;
  /** The reconciliation view to create or replace, optionally schema-qualified. */
  view?: string;
  /** The table's column holding the app's own cost estimate, in cents. */
  costColumn?: string;
}

export const DEFAULT_TABLE = 'token_usage';
export const DEFAULT_VIEW = 'token_usage_reconciliation';
export const DEFAULT_COST_COLUMN = 'estimated_cost_cents';

// Postgres truncates longer identifiers silently, which would make the pg_constraint guards miss their own
// constraints on a second run; so a name that would be truncated is refused instead.
const MAX_IDENTIFIER_LENGTH = 63;
// Lower-case unquoted identifiers only: anything else either folds case (and then no longer matches the guards'
// string literals) or needs quoting, which is where injection starts. No `$` either: the guards are dollar-quoted.
const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

/** Throws an Error naming `what` unless `name` is a plain lower-case identifier (optionally `schema.name`). */
export function assertSqlIdentifier(name: string, what: string, { qualified = false } = {}): void {
  const parts = qualified ? name.split('.') : [name];
  const valid = parts.length <= 2 && parts.every((part) => IDENTIFIER.test(part) && part.length <= MAX_IDENTIFIER_LENGTH);
  if (!valid) {
    const shape = qualified ? 'a lower-case identifier or schema.identifier' : 'a lower-case identifier';
    throw new Error(`invalid ${what} "${name}": expected ${shape} (letters, digits, _; at most ${MAX_IDENTIFIER_LENGTH} characters)`);
  }
}

/** The identifiers one migration uses, validated once. */
interface SqlNames {
  table: string;
  view: string;
  costColumn: string;
  statusConstraint: string;
  costConsistencyConstraint: string;
  indexes: { requestId: string; pending: string; requestIdCreatedAt: string; discrepancy: string; gatewayGeneration: string };
}

function sqlNames({ table = DEFAULT_TABLE, view = DEFAULT_VIEW, costColumn = DEFAULT_COST_COLUMN }: ReconciliationSqlOptions): SqlNames {
  assertSqlIdentifier(table, 'table name', { qualified: true });
  assertSqlIdentifier(view, 'view name', { qualified: true });
  assertSqlIdentifier(costColumn, 'cost column name');
  // Constraints and indexes are named after the bare table name; an index lives in its table's schema.
  const base = table.split('.').at(-1)!;
  const names: SqlNames = {
    table,
    view,
    costColumn,
    statusConstraint: `${base}_reconciliation_status_valid`,
    costConsistencyConstraint: `${base}_reconciliation_cost_consistent`,
    indexes: {
      requestId: `idx_${base}_openai_request_id`,
      pending: `idx_${base}_reconciliation_pending`,
      requestIdCreatedAt: `idx_${base}_request_id_created_at`,
      discrepancy: `idx_${base}_reconciliation_discrepancy`,
      gatewayGeneration: `idx_${base}_gateway_generation_id`,
    },
  };
  const derived = [names.statusConstraint, names.costConsistencyConstraint, ...Object.values(names.indexes)];
  for (const name of derived) {
    if (name.length > MAX_IDENTIFIER_LENGTH) {
      throw new Error(`table name "${table}" is too long: the derived name "${name}" exceeds ${MAX_IDENTIFIER_LENGTH} characters`);
    }
  }
  return names;
}

const quoteLiteral = (text: string): string => `'${text.replaceAll("'", "''")}'`;

const statusCheck = (): string =>
  `reconciliation_status IS NULL OR reconciliation_status IN (${RECONCILIATION_STATUSES.map(quoteLiteral).join(', ')})`;

// The reconciliation job writes both at once; one without the other is a half-finished write.
const costConsistencyCheck = (): string => '(reconciled_at IS NULL) = (actual_cost_cents IS NULL)';

/** `ADD CONSTRAINT` wrapped in a check of pg_constraint, because Postgres has no `ADD CONSTRAINT IF NOT EXISTS`. */
function guardedConstraint(table: string, name: string, check: string): string {
  return [
    'DO $recon$',
    'BEGIN',
    `  IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = ${quoteLiteral(name)} AND conrelid = ${quoteLiteral(table)}::regclass) THEN`,
    `    ALTER TABLE ${table} ADD CONSTRAINT ${name} CHECK (${check});`,
    '  END IF;',
    'END',
    '$recon$;',
  ].join('\n');
}

function indexesSql(names: SqlNames): string {
  const { table, indexes } = names;
  return [
    '-- Look up a row by its request id (OpenAI\'s usage and billing data carry none: this is for the app\'s own look-ups and logs).',
    `CREATE INDEX IF NOT EXISTS ${indexes.requestId} ON ${table} (openai_request_id) WHERE openai_request_id IS NOT NULL;`,
    '-- The reconciliation job\'s work queue.',
    `CREATE INDEX IF NOT EXISTS ${indexes.pending} ON ${table} (created_at) WHERE reconciliation_status = 'pending';`,
    '-- Date ranges of matchable rows (a billing period, a usage bucket).',
    `CREATE INDEX IF NOT EXISTS ${indexes.requestIdCreatedAt} ON ${table} (created_at) WHERE openai_request_id IS NOT NULL;`,
    '-- Rows whose billed cost differs from the estimate, for review.',
    `CREATE INDEX IF NOT EXISTS ${indexes.discrepancy} ON ${table} (created_at) WHERE reconciliation_status = 'discrepancy';`,
    '-- A gateway\'s generation by its id (reconcile --gateway looks each one up, and writes back by it).',
    `CREATE INDEX IF NOT EXISTS ${indexes.gatewayGeneration} ON ${table} (llm_gateway, gateway_generation_id) WHERE gateway_generation_id IS NOT NULL;`,
  ].join('\n');
}

function commentsSql(table: string): string {
  return RECONCILIATION_COLUMNS.map(
    (column) => `COMMENT ON COLUMN ${table}.${column.name} IS ${quoteLiteral(column.description)};`,
  ).join('\n');
}

function viewSql({ table, view, costColumn }: SqlNames): string {
  return [
    `CREATE OR REPLACE VIEW ${view} AS`,
    'SELECT',
    '  t.id,',
    '  t.created_at,',
    '  t.user_id,',
    '  t.action_type,',
    '  t.model_used,',
    '  t.openai_request_id,',
    '  t.openai_created,',
    '  t.system_fingerprint,',
    '  t.reconciliation_status,',
    `  t.${costColumn} AS estimated_cost_cents,`,
    '  t.actual_cost_cents,',
    `  t.actual_cost_cents - t.${costColumn} AS cost_difference_cents,`,
    '  t.reconciled_at',
    `FROM ${table} AS t;`,
  ].join('\n');
}

/** The constraints, indexes, comments and view: the part both the migration and the fresh install share. */
function reconciliationObjectsSql(names: SqlNames): string {
  return [
    '-- Checks (guarded: Postgres has no ADD CONSTRAINT IF NOT EXISTS).',
    guardedConstraint(names.table, names.statusConstraint, statusCheck()),
    guardedConstraint(names.table, names.costConsistencyConstraint, costConsistencyCheck()),
    '',
    indexesSql(names),
    '',
    commentsSql(names.table),
    '',
    '-- One row per tracked call with what reconciliation needs: request id, status, estimated vs actual cost.',
    viewSql(names),
  ].join('\n');
}

/**
 * The migration for an existing token-usage table: the six reconciliation columns, their checks, partial indexes,
 * column comments, the reconciliation view and a backfill of the status of existing rows, in one transaction.
 * Safe to run twice. Views already defined over the table keep working (adding columns does not change them).
 * Throws an Error when a name is not a valid identifier.
 */
export function migrationSql(options: ReconciliationSqlOptions = {}): string {
  const names = sqlNames(options);
  const { table } = names;
  return [
    `-- recon-codemod: OpenAI reconciliation fields for ${table}. Safe to run more than once.`,
    'BEGIN;',
    '',
    `ALTER TABLE ${table}`,
    RECONCILIATION_COLUMNS.map((c) => `  ADD COLUMN IF NOT EXISTS ${c.name} ${c.sqlType}`).join(',\n') + ';',
    '',
    '-- Existing rows: those without a request id (OpenAI\'s or a gateway\'s generation id) can never be matched, so',
    '-- they are not_applicable, even where an earlier hand migration defaulted them to pending.',
    `UPDATE ${table} SET reconciliation_status = 'not_applicable'`,
    "  WHERE openai_request_id IS NULL AND gateway_generation_id IS NULL AND (reconciliation_status IS NULL OR reconciliation_status = 'pending');",
    `UPDATE ${table} SET reconciliation_status = 'pending'`,
    '  WHERE (openai_request_id IS NOT NULL OR gateway_generation_id IS NOT NULL) AND reconciliation_status IS NULL;',
    '',
    reconciliationObjectsSql(names),
    '',
    'COMMIT;',
    '',
  ].join('\n');
}

/**
 * A complete `CREATE TABLE` for a new install: the usual token-usage columns plus the reconciliation columns, with
 * the same checks, indexes, comments and view as the migration. Idempotent (`IF NOT EXISTS` throughout), one
 * transaction. Throws an Error when a name is not a valid identifier.
 */
export function createTableSql(options: ReconciliationSqlOptions = {}): string {
  const names = sqlNames(options);
  const { table } = names;
  const columns = [
    'id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY',
    'created_at TIMESTAMPTZ NOT NULL DEFAULT now()',
    'user_id TEXT',
    'action_type TEXT NOT NULL',
    'model_used TEXT NOT NULL',
    'tokens_used INTEGER NOT NULL CHECK (tokens_used >= 0)',
    'input_tokens INTEGER CHECK (input_tokens >= 0)',
    'output_tokens INTEGER CHECK (output_tokens >= 0)',
    // Fractional: a short call costs a small fraction of a cent.
    `${names.costColumn} NUMERIC(12, 4)`,
    'success BOOLEAN NOT NULL DEFAULT true',
    'error_message TEXT',
    'metadata JSONB',
    ...RECONCILIATION_COLUMNS.map((c) => `${c.name} ${c.sqlType}`),
  ];
  return [
    `-- recon-codemod: token usage table ${table} with OpenAI reconciliation fields.`,
    'BEGIN;',
    '',
    `CREATE TABLE IF NOT EXISTS ${table} (`,
    columns.map((c) => `  ${c}`).join(',\n'),
    ');',
    '',
    reconciliationObjectsSql(names),
    '',
    'COMMIT;',
    '',
  ].join('\n');
}
