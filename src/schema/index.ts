export * from './fields.js';
// Types only: the zod schema is `recon-codemod/schema/zod`, so that this entry loads without zod (an optional peer).
export type { TokenUsage, TokenUsageRow, ReconciliationFieldValues, OptionalFieldValues } from './zod.js';
export {
  migrationSql,
  createTableSql,
  assertSqlIdentifier,
  DEFAULT_TABLE,
  DEFAULT_VIEW,
  DEFAULT_COST_COLUMN,
  COST_COLUMN_CANDIDATES,
  type ReconciliationSqlOptions,
} from './sql.js';
export { runSqlCommand, SQL_USAGE, type SqlCommandIo } from './sql-command.js';
