export * from './fields.js';
export { tokenUsageSchema, type TokenUsage, type TokenUsageRow, type ReconciliationFieldValues, type OptionalFieldValues } from './zod.js';
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
