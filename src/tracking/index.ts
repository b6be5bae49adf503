/**
 * `recon-codemod/tracking`: the runtime tracker. Imports only the field list, and on the first row zod and a database
 * driver; never
 * the codemod's analyser, so it is safe to bundle into an app.
 */
import type { TokenUsage } from '../schema/zod.js';
import { createTracker, type AppColumns, type Tracker, type TrackResult } from './tracker.js';

export {
  createTracker,
  type Tracker,
  type TrackerOptions,
  type TrackerLogger,
  type TrackResult,
  type DeadLetter,
  type AppColumns,
} from './tracker.js';
export {
  pgliteStore,
  postgresStore,
  supabaseStore,
  openEmbeddedStore,
  RowRejectedError,
  type TokenUsageStore,
  type PgliteStore,
  type PgliteStoreOptions,
  type PostgresStoreOptions,
  type SupabaseClientLike,
} from './stores.js';
export { StoreBusyError, type OpenEmbeddedStoreOptions, type EmbeddedStoreHandle } from './embedded.js';
export { extractReconciliationFields, extractGatewayFields, type ExtractOptions } from './extract.js';
// Types only: the zod schema itself is `recon-codemod/schema/zod` (zod is an optional peer the tracker loads on use).
export type { TokenUsage, TokenUsageRow, ReconciliationFieldValues } from '../schema/zod.js';

// Created on the first call, so importing this module opens nothing.
let defaultTracker: Tracker | undefined;

/**
 * Stores one usage row with the default tracker (embedded PGlite in `.recon/db`, dead letters in
 * `.recon/dead-letter.jsonl`). Never throws; see createTracker.
 */
export function trackTokenUsage(usage: TokenUsage & AppColumns): Promise<TrackResult> {
  defaultTracker ??= createTracker();
  return defaultTracker.trackTokenUsage(usage);
}
