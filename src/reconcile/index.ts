export { runReconcileCommand, nodeReconcileIo, RECONCILE_USAGE, type ReconcileIo } from './command.js';
export {
  reconcile,
  aggregateRows,
  dollarsAgree,
  DEFAULT_DOLLAR_FLOOR,
  SYNTHETIC_ID_PREFIXES,
  idKind,
  modelFamily,
  parseLineItem,
  allocateCents,
  BUCKET_STATUSES,
  KNOWN_DIFFERENCES,
  type AppRow,
  type AppGroup,
  type BucketReport,
  type BucketStatus,
  type Report,
  type ReconcileOptions,
  type WritePlanEntry,
} from './compute.js';
export {
  fetchOpenAiData,
  usageEntries,
  costEntries,
  pagesOf,
  FetchError,
  BUCKET_SECONDS,
  type BucketWidth,
  type OpenAiData,
  type Page,
} from './openai-data.js';
export { priceTable, RATE_MULTIPLIERS, type PriceTable } from './prices.js';
export { renderHtml, renderTerminal, barChart, headline } from './render.js';
export { readRows, readGroups, writePlan, WRITE_BATCH_ROWS, pgliteDb, postgresDb, type Db } from './rows.js';
