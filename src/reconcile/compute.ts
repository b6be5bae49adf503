/**
 * The comparison itself, pure: the app's rows and OpenAI's usage and costs in, a report and a write plan out.
 *
 * What can be matched: OpenAI publishes no per-request id in any usage or billing surface, so rows are compared in
 * aggregate, per time bucket and model snapshot, never row by row. Dollars come per UTC day and line item only.
 */
import { BUCKET_SECONDS, type BucketWidth, type CostEntry, type OpenAiData, type UsageEntry } from './openai-data.js';
import { RATE_MULTIPLIERS, type PriceTable } from './prices.js';
import { DEFAULT_DOLLAR_FLOOR } from './usage.js';

export { DEFAULT_DOLLAR_FLOOR };

export const BUCKET_STATUSES = ['matched', 'discrepancy', 'unattributed', 'unverifiable'] as const;
export type BucketStatus = (typeof BUCKET_STATUSES)[number];

/** One token_usage row as reconciliation reads it. */
export interface AppRow {
  id: string;
  /** Unix seconds: `openai_created`, else `created_at`. */
  at: number;
  model_used: string;
  openai_model: string | null;
  openai_request_id: string | null;
  input_tokens: number | null;
  output_tokens: number | null;
  tokens_used: number;
  cached_input_tokens: number | null;
  service_tier: string | null;
  /** The app's own estimate, in cents (the table's cost column), for comparison only. */
  estimated_cost_cents: number | null;
  /** Seconds of audio, from `metadata.audio_seconds` / `metadata.duration_seconds`, for Whisper. */
  audio_seconds: number | null;
}

/**
 * The app's rows summed per bucket, UTC day, requested model, snapshot, service tier and id kind: what the database
 * returns (`readGroups` in rows.ts, one `GROUP BY`), so reconciliation never holds the rows themselves.
 * `aggregateRows` makes the same from rows in memory.
 */
export interface AppGroup {
  /** Bucket start, unix seconds. */
  start: number;
  /** The earliest row time in the group: the price valid then prices the group (prices change per date). */
  at: number;
  day: number;
  model_used: string;
  openai_model: string | null;
  service_tier: string | null;
  /** True for rows with an id OpenAI issued (idKind 'openai'); the others are counted, not compared. */
  verifiable: boolean;
  rows: number;
  /** Distinct request ids (verifiable groups); rows - requests are duplicate rows of a request already counted. */
  requests: number;
  input_tokens: number;
  input_missing: number;
  cached_tokens: number;
  cached_missing: number;
  /** Sum over the rows of min(cached, input): what the price counts as cached. */
  cached_priced: number;
  output_tokens: number;
  audio_seconds: number;
  own_cents: number | null;
}

export interface ReconcileOptions {
  since: number;
  until: number;
  bucket: BucketWidth;
  /** Relative difference still counted as matched (0.01 = 1%). */
  tolerance: number;
  /** Unix seconds; buckets that ended less than `lateAfterSeconds` before it may still be incomplete. */
  now: number;
  lateAfterSeconds?: number;
  project?: string | null;
  prices: PriceTable;
  /** Dollars still counted as matched whatever the relative tolerance (default 0: only the tolerance). */
  absoluteDollars?: number;
}

export type IdKind = 'openai' | 'none' | 'synthetic';
/** Prefixes of ids OpenAI never issued (see idKind); the database applies the same list (`LIKE 'prefix%'`). */
export const SYNTHETIC_ID_PREFIXES = ['aitxt-', 'aiobj-', 'gen_', 'gen-'] as const;

/**
 * `none`: no id. `synthetic`: an id OpenAI never issued (the AI SDK's `aitxt-…`/`aiobj-…` when the provider sent none;
 * gateway ids `gen_…`/`gen-…` of Vercel AI Gateway or OpenRouter, billed by the gateway, not by your organization).
 */
export function idKind(id: string | null): IdKind {
  if (!id) return 'none';
  if (SYNTHETIC_ID_PREFIXES.some((prefix) => id.startsWith(prefix))) return 'synthetic';
  return 'openai';
}

/** `gpt-4o-mini-2024-07-18` → `gpt-4o-mini`; a name without a date suffix is its own family. */
export function modelFamily(model: string): string {
  return model.replace(/-\d{4}-\d{2}-\d{2}$/, '');
}

/** A Costs API line item: `"<model>, <kind>"` in practice, but the format is undocumented: parse defensively. */
export function parseLineItem(lineItem: string | null): { model: string; kind: string | null } | null {
  if (!lineItem) return null;
  const match = /^([A-Za-z0-9][A-Za-z0-9._:-]*)(?:\s*,\s*(.+))?$/.exec(lineItem.trim());
  if (!match || !/\d|gpt|whisper|embedding|dall|tts|o\d/i.test(match[1])) return null;
  return { model: match[1], kind: match[2]?.trim() ?? null };
}

interface Side {
  requests: number;
  input_tokens: number;
  cached_tokens: number | null;
  output_tokens: number;
  audio_seconds: number;
  estimated_dollars: number;
}

export interface BucketReport {
  start: string;
  end: string;
  model: string;
  status: BucketStatus;
  notes: string[];
  app: Side & {
    rows: number;
    unverifiable_rows: number;
    /** Null when a row lacks cached_input_tokens. */
    cached_tokens: number | null;
    /** The table's own estimate (its cost column), in dollars. */
    own_estimate_dollars: number | null;
  };
  openai: Side & {
    cached_tokens: number;
    /** The Costs API's dollars for this bucket and model; null when the day has no costs (yet). */
    billed_dollars: number | null;
    /** True when the dollars are a share of a day's line item (sub-day buckets, several snapshots). */
    billed_is_allocation: boolean;
  };
  diff: {
    requests: number;
    input_tokens: number;
    cached_tokens: number | null;
    output_tokens: number;
    dollars: number | null;
  };
}

export interface DayReport {
  day: string;
  app_estimated_dollars: number;
  openai_estimated_dollars: number;
  billed_dollars: number;
}

export interface Report {
  version: 1;
  generated_at: string;
  window: { since: string; until: string; bucket: BucketWidth; project: string | null };
  tolerance: number;
  price_source: string;
  rate_multipliers: typeof RATE_MULTIPLIERS;
  capture: {
    requests: { app: number; openai: number; rate: number | null };
    dollars: { app_estimated: number; billed: number; rate: number | null };
  };
  status_counts: Record<BucketStatus, number>;
  buckets: BucketReport[];
  daily: DayReport[];
  costs: {
    by_line_item: Array<{ line_item: string | null; model: string | null; dollars: number }>;
    /** Line items whose format was not understood: their dollars count in the total but match no bucket. */
    unparsed: Array<{ day: string; line_item: string | null; dollars: number }>;
    /** Dollars for a model and day with no usage bucket to carry them. */
    unmatched: Array<{ day: string; model: string; dollars: number }>;
    /** Days the window covers only in part: billed for the whole day, so compared with no bucket. */
    partial_days: Array<{ day: string; dollars: number }>;
  };
  /** `duplicates`: rows repeating a request id already counted in their bucket (each request counts once). */
  rows: { in_window: number; verifiable: number; unverifiable: number; duplicates: number };
  ignored_usage_results: Record<string, number>;
  known_differences: string[];
  allocation: string;
}

/**
 * What `--write` sets for one compared bucket and model: the status on every verifiable row of its `parts` (the
 * `AppGroup`s it was summed from), and the bucket's billed cents shared over those rows in proportion to their
 * estimated cost. `rate` prices one row of a part linearly, so the database can compute each row's weight itself.
 */
export interface WritePlanEntry {
  start: number;
  end: number;
  model: string;
  status: 'matched' | 'discrepancy';
  /** Null when the bucket has no billed dollars to allocate: only the status is written. */
  billed_cents: number | null;
  /** Verifiable rows the bucket holds (duplicates included): the write checks it touches exactly these. */
  rows: number;
  /** Distinct request ids among those rows when they were read: fewer than `rows` when some repeat an id (then the
   * write looks for the copies, which get no cents); when absent, the write looks anyway. */
  requests?: number;
  parts: Array<{
    day: number;
    model_used: string;
    openai_model: string | null;
    service_tier: string | null;
    /** Dollars per uncached input token, cached input token, output token and audio second. */
    rate: { input: number; cached: number; output: number; audio: number };
  }>;
}

const iso = (seconds: number): string => new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
const round = (value: number, digits = 6): number => {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
};
const emptySide = () => ({
  requests: 0,
  input_tokens: 0,
  cached_tokens: 0,
  output_tokens: 0,
  audio_seconds: 0,
  estimated_dollars: 0,
});

/** Within a relative tolerance (and, for dollars, within half a cent). */
function within(a: number, b: number, tolerance: number, absolute = 0): boolean {
  return Math.abs(a - b) <= Math.max(tolerance * Math.max(Math.abs(a), Math.abs(b)), absolute) + 1e-9;
}

/**
 * The dollar check: within the relative tolerance, or within `floor` dollars (rounding in tiny buckets) as long as
 * neither amount is more than FLOOR_MAX_RATIO times the other: $0.0055 against $0.0010 is never matched.
 */
const FLOOR_MAX_RATIO = 1.5;
export function dollarsAgree(a: number, b: number, tolerance: number, floor: number): boolean {
  if (within(a, b, tolerance)) return true;
  const [low, high] = [Math.min(Math.abs(a), Math.abs(b)), Math.max(Math.abs(a), Math.abs(b))];
  return Math.abs(a - b) <= floor + 1e-12 && high <= low * FLOOR_MAX_RATIO;
}

/** Integer cents summing exactly to `total`, in proportion to `weights` (largest remainder). */
export function allocateCents(totalCents: number, weights: number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  const shares = weights.map((w) => (sum > 0 ? (totalCents * w) / sum : totalCents / weights.length));
  const floors = shares.map(Math.floor);
  let rest = totalCents - floors.reduce((a, b) => a + b, 0);
  const order = shares.map((s, i) => [s - Math.floor(s), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (const [, i] of order) {
    if (rest <= 0) break;
    floors[i] += 1;
    rest -= 1;
  }
  return floors;
}

type Totals = ReturnType<typeof emptySide>;

interface Group {
  start: number;
  key: string;
  app: Totals & { rows: number; unverifiable: number; cachedKnown: boolean; ownCents: number | null };
  openai: Totals & { billed: number | null; allocated: boolean; tiers: Set<string> };
  parts: WritePlanEntry['parts'];
  notes: Set<string>;
  appRowsLackTier: boolean;
}

/** The app's rows summed as the database sums them (`readGroups`): for rows already in memory (tests, small tables). */
export function aggregateRows(
  appRows: readonly AppRow[],
  { since, until, bucket }: Pick<ReconcileOptions, 'since' | 'until' | 'bucket'>,
): AppGroup[] {
  const width = BUCKET_SECONDS[bucket];
  const groups = new Map<string, AppGroup>();
  const seen = new Set<string>();
  for (const row of [...appRows].sort((a, b) => a.at - b.at || compareIds(a.id, b.id))) {
    if (row.at < since || row.at >= until) continue;
    const start = since + Math.floor((row.at - since) / width) * width;
    const day = Math.floor(row.at / 86400);
    const verifiable = idKind(row.openai_request_id) === 'openai';
    const id = JSON.stringify([start, day, row.model_used, row.openai_model, row.service_tier, verifiable]);
    let g = groups.get(id);
    if (!g) {
      g = {
        start,
        at: row.at,
        day,
        model_used: row.model_used,
        openai_model: row.openai_model,
        service_tier: row.service_tier,
        verifiable,
        rows: 0,
        requests: 0,
        input_tokens: 0,
        input_missing: 0,
        cached_tokens: 0,
        cached_missing: 0,
        cached_priced: 0,
        output_tokens: 0,
        audio_seconds: 0,
        own_cents: null,
      };
      groups.set(id, g);
    }
    g.rows += 1;
    // A request id recorded twice in a group counts once: the first row (by time, then id) carries it.
    if (verifiable && seen.has(`${id}|${row.openai_request_id}`)) continue;
    if (verifiable) seen.add(`${id}|${row.openai_request_id}`);
    g.requests += 1;
    const output = row.output_tokens ?? 0;
    const input = row.input_tokens ?? Math.max(0, row.tokens_used - output);
    if (row.input_tokens === null) g.input_missing += 1;
    if (row.cached_input_tokens === null) g.cached_missing += 1;
    g.input_tokens += input;
    g.output_tokens += output;
    g.cached_tokens += row.cached_input_tokens ?? 0;
    g.cached_priced += Math.min(row.cached_input_tokens ?? 0, input);
    g.audio_seconds += row.audio_seconds ?? 0;
    if (row.estimated_cost_cents !== null) g.own_cents = (g.own_cents ?? 0) + row.estimated_cost_cents;
  }
  return [...groups.values()];
}

/** Ids compare as numbers when both are integers (the default table's bigint key), else as text: the database's order. */
function compareIds(a: string, b: string): number {
  if (/^\d+$/.test(a) && /^\d+$/.test(b)) return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
  return a < b ? -1 : a > b ? 1 : 0;
}

/** One row's dollars as a linear function of its counts, so the database can weigh each row for the allocation. */
function rateOf(
  prices: PriceTable,
  model: string,
  at: number,
  service_tier: string | null,
): WritePlanEntry['parts'][number]['rate'] {
  const M = 1_000_000;
  const per = (input: Parameters<PriceTable['price']>[0]): number => (prices.price(input).dollars ?? 0) / M;
  return {
    input: per({ model, at, input_tokens: M, service_tier }),
    cached: per({ model, at, input_tokens: M, cached_tokens: M, service_tier }),
    output: per({ model, at, output_tokens: M, service_tier }),
    audio: per({ model, at, audio_seconds: M, service_tier }),
  };
}

/**
 * Compares the app's groups of rows with OpenAI's usage and costs, in phases: the model key of each group
 * (modelKeys), OpenAI's side and the app's side per bucket and key (addOpenAiSide, addAppSide), the day's dollars
 * shared over its buckets (allocateCosts), a status per bucket and the write plan (judgeBuckets), and the report
 * (buildReport).
 */
export function reconcile(
  appGroups: readonly AppGroup[],
  data: OpenAiData,
  options: ReconcileOptions,
): { report: Report; plan: WritePlanEntry[] } {
  const inWindow = (t: number): boolean => t >= options.since && t < options.until;
  const usage = data.usage.filter((e) => inWindow(e.start));
  const rows = appGroups.filter((g) => inWindow(g.start));
  const keys = modelKeys(usage, rows);
  const groups = new Map<string, Group>();
  addOpenAiSide(groups, usage, keys.keyOf, options.prices);
  const counts = addAppSide(groups, rows, keys.rowKey, options.prices);
  const costs = allocateCosts(groups, data, options);
  const verdicts = judgeBuckets(groups, keys, options);
  return { report: buildReport(groups, data, options, counts, costs, verdicts), plan: verdicts.plan };
}

/** The model key each group of rows is compared under: its snapshot, its requested model, or the model's family. */
interface ModelKeys {
  rowKey: Map<AppGroup, string>;
  /** `${start}|${family}`: buckets where rows without a snapshot compare the whole family. */
  merged: Set<string>;
  /** `${start}|${snapshot}`: buckets where rows took their requested model's only snapshot. */
  inferred: Set<string>;
  keyOf: (start: number, model: string) => string;
}

function modelKeys(usage: readonly UsageEntry[], rows: readonly AppGroup[]): ModelKeys {
  // Snapshots OpenAI reported, per bucket and family, and over the whole window.
  const snapshotsIn = new Map<number, Map<string, Set<string>>>();
  const windowSnapshots = new Map<string, Set<string>>();
  for (const entry of usage) {
    if (!entry.model) continue;
    const family = modelFamily(entry.model);
    const perBucket = snapshotsIn.get(entry.start) ?? new Map<string, Set<string>>();
    snapshotsIn.set(entry.start, perBucket);
    (perBucket.get(family) ?? perBucket.set(family, new Set()).get(family)!).add(entry.model);
    (windowSnapshots.get(family) ?? windowSnapshots.set(family, new Set()).get(family)!).add(entry.model);
  }

  // A row without the snapshot takes its requested model's only snapshot; with several candidates in the bucket, the
  // bucket compares the whole family instead (the rows cannot say which snapshot answered).
  const merged = new Set<string>(); // `${start}|${family}`
  const rowKey = new Map<AppGroup, string>();
  const inferred = new Set<string>();
  for (const row of rows) {
    const start = row.start;
    if (row.openai_model) {
      rowKey.set(row, row.openai_model);
      continue;
    }
    const family = modelFamily(row.model_used);
    if (family !== row.model_used) {
      rowKey.set(row, row.model_used);
      continue;
    }
    const candidates = snapshotsIn.get(start)?.get(family) ?? windowSnapshots.get(family) ?? new Set<string>();
    if (candidates.size === 1) {
      const [snapshot] = candidates;
      rowKey.set(row, snapshot);
      if (snapshot !== row.model_used) inferred.add(`${start}|${snapshot}`);
    } else {
      rowKey.set(row, family);
      if (candidates.size > 1) merged.add(`${start}|${family}`);
    }
  }
  const keyOf = (start: number, model: string): string =>
    merged.has(`${start}|${modelFamily(model)}`) ? modelFamily(model) : model;
  for (const [row, key] of rowKey) rowKey.set(row, keyOf(row.start, key));
  return { rowKey, merged, inferred, keyOf };
}

/** The group of bucket `start` and model key `key`, made empty on first use. */
function groupOf(groups: Map<string, Group>, start: number, key: string): Group {
  const id = `${start}|${key}`;
  let group = groups.get(id);
  if (!group) {
    group = {
      start,
      key,
      app: { ...emptySide(), rows: 0, unverifiable: 0, cachedKnown: true, ownCents: null },
      openai: { ...emptySide(), billed: null, allocated: false, tiers: new Set() },
      parts: [],
      notes: new Set(),
      appRowsLackTier: false,
    };
    groups.set(id, group);
  }
  return group;
}

/** OpenAI's usage summed into the groups, priced with the table. */
function addOpenAiSide(
  groups: Map<string, Group>,
  usage: readonly UsageEntry[],
  keyOf: ModelKeys['keyOf'],
  prices: PriceTable,
): void {
  // OpenAI's side: counts, and the table's price for them (batch and tier change the rate).
  for (const entry of usage) {
    const model = entry.model ?? '(model not reported)';
    const group = groupOf(groups, entry.start, keyOf(entry.start, model));
    const side = group.openai;
    side.requests += entry.requests;
    side.input_tokens += entry.input_tokens;
    side.cached_tokens += entry.cached_tokens;
    side.output_tokens += entry.output_tokens;
    side.audio_seconds += entry.seconds;
    if (entry.batch) side.tiers.add('batch');
    if (entry.service_tier && entry.service_tier !== 'default' && entry.service_tier !== 'auto')
      side.tiers.add(entry.service_tier);
    if (!entry.model) {
      group.notes.add('usage-not-grouped-by-model');
      continue;
    }
    const price = prices.price(priceInputOfEntry(entry, model));
    if (price.dollars === null) group.notes.add(`no-price:${model}`);
    else side.estimated_dollars += price.dollars;
    if (price.note) group.notes.add(price.note);
  }
}

interface RowCounts {
  rowsInWindow: number;
  unverifiableRows: number;
  duplicateRows: number;
}

/** The app's groups of rows summed into the groups, priced per group; the row counts for the report. */
function addAppSide(
  groups: Map<string, Group>,
  rows: readonly AppGroup[],
  rowKey: ModelKeys['rowKey'],
  prices: PriceTable,
): RowCounts {
  // The app's side: sums per group of rows, priced per group (a row's price is linear in its counts).
  let unverifiableRows = 0;
  let rowsInWindow = 0;
  let duplicateRows = 0;
  for (const part of rows) {
    rowsInWindow += part.rows;
    const group = groupOf(groups, part.start, rowKey.get(part)!);
    if (!part.verifiable) {
      group.app.unverifiable += part.rows;
      unverifiableRows += part.rows;
      continue;
    }
    const side = group.app;
    side.rows += part.rows;
    side.requests += part.requests;
    if (part.rows > part.requests) {
      duplicateRows += part.rows - part.requests;
      group.notes.add('duplicate-rows');
    }
    if (part.input_missing > 0) group.notes.add('input-tokens-not-recorded');
    side.input_tokens += part.input_tokens;
    side.output_tokens += part.output_tokens;
    if (part.cached_missing > 0) side.cachedKnown = false;
    side.cached_tokens += part.cached_tokens;
    if (part.service_tier === null) group.appRowsLackTier = true;
    side.audio_seconds += part.audio_seconds;
    if (part.own_cents !== null) side.ownCents = (side.ownCents ?? 0) + part.own_cents;
    const model = part.openai_model ?? (group.key === modelFamily(group.key) ? part.model_used : group.key);
    const price = prices.price({
      model,
      at: part.at,
      input_tokens: part.input_tokens,
      cached_tokens: part.cached_priced,
      output_tokens: part.output_tokens,
      audio_seconds: part.audio_seconds || undefined,
      service_tier: part.service_tier,
    });
    if (price.dollars === null) group.notes.add(`no-price:${model}`);
    if (price.note) group.notes.add(price.note);
    side.estimated_dollars += price.dollars ?? 0;
    group.parts.push({
      day: part.day,
      model_used: part.model_used,
      openai_model: part.openai_model,
      service_tier: part.service_tier,
      rate: rateOf(prices, model, part.at, part.service_tier),
    });
  }
  return { rowsInWindow, unverifiableRows, duplicateRows };
}

interface Costs {
  byLineItem: Map<string, { line_item: string | null; model: string | null; dollars: number }>;
  unparsed: Report['costs']['unparsed'];
  unmatched: Report['costs']['unmatched'];
  billedPerDay: Map<number, number>;
  billedTotal: number;
  partialDays: Map<number, number>;
  currencies: Set<string>;
}

/** The Costs API's dollars per UTC day and line item, shared over the groups of that day and model family. */
function allocateCosts(groups: Map<string, Group>, data: OpenAiData, options: ReconcileOptions): Costs {
  const { since, until, bucket } = options;
  const inWindow = (t: number): boolean => t >= since && t < until;
  // Dollars: the Costs API gives a UTC day per line item. Each (day, model family) amount goes to that day's buckets of
  // the family in proportion to OpenAI's usage priced with the table.
  const costs = data.costs.filter((c) => inWindow(c.start) || (c.start < until && c.end > since));
  const byLineItem = new Map<string, { line_item: string | null; model: string | null; dollars: number }>();
  const unparsed: Report['costs']['unparsed'] = [];
  const unmatched: Report['costs']['unmatched'] = [];
  const dayFamily = new Map<string, number>(); // `${day}|${family}` → dollars
  const billedPerDay = new Map<number, number>();
  let billedTotal = 0;
  // The Costs API bills whole UTC days: a costs bucket that is not one whole UTC day inside the window (a sub-day
  // window gets the day's dollars on a bucket starting at --since) goes to no bucket and stays out of the capture rate
  // (listed under costs.partial_days).
  const wholeDay = (c: CostEntry): boolean =>
    c.start % 86400 === 0 && c.end - c.start === 86400 && c.start >= since && c.end <= until;
  const partialDays = new Map<number, number>();
  const currencies = new Set<string>();
  for (const cost of costs) {
    currencies.add(cost.currency);
    const day = Math.floor(cost.start / 86400) * 86400;
    if (!wholeDay(cost)) {
      partialDays.set(day, (partialDays.get(day) ?? 0) + cost.amount);
      continue;
    }
    billedTotal += cost.amount;
    billedPerDay.set(day, (billedPerDay.get(day) ?? 0) + cost.amount);
    const parsed = parseLineItem(cost.line_item);
    const itemKey = cost.line_item ?? '(no line item)';
    const item = byLineItem.get(itemKey) ?? { line_item: cost.line_item, model: parsed?.model ?? null, dollars: 0 };
    item.dollars += cost.amount;
    byLineItem.set(itemKey, item);
    if (!parsed) {
      unparsed.push({ day: iso(day), line_item: cost.line_item, dollars: round(cost.amount) });
      continue;
    }
    const id = `${day}|${modelFamily(parsed.model)}`;
    dayFamily.set(id, (dayFamily.get(id) ?? 0) + cost.amount);
  }
  const daysWithCosts = new Set(costs.filter(wholeDay).map((c) => Math.floor(c.start / 86400) * 86400));
  for (const [id, dollars] of dayFamily) {
    const [dayText, family] = id.split('|');
    const day = Number(dayText);
    const targets = [...groups.values()].filter(
      (g) =>
        Math.floor(g.start / 86400) * 86400 === day &&
        modelFamily(g.key) === family &&
        g.openai.requests + g.openai.audio_seconds > 0,
    );
    if (targets.length === 0) {
      unmatched.push({ day: iso(day), model: family, dollars: round(dollars) });
      continue;
    }
    const weights = targets.map((g) => g.openai.estimated_dollars);
    const useWeights = weights.some((w) => w > 0) ? weights : targets.map((g) => g.openai.requests || 1);
    const sum = useWeights.reduce((a, b) => a + b, 0);
    targets.forEach((g, i) => {
      g.openai.billed = (g.openai.billed ?? 0) + (dollars * useWeights[i]) / sum;
      if (targets.length > 1 || bucket !== '1d') g.openai.allocated = true;
    });
  }
  // A day with costs but none for a family: that family's buckets were billed nothing that day.
  for (const g of groups.values()) {
    if (g.openai.billed === null && daysWithCosts.has(Math.floor(g.start / 86400) * 86400)) g.openai.billed = 0;
  }
  return { byLineItem, unparsed, unmatched, billedPerDay, billedTotal, partialDays, currencies };
}

interface Verdicts {
  buckets: BucketReport[];
  plan: WritePlanEntry[];
  knownDifferences: Set<string>;
  captureRequests: number;
  captureDollars: number;
  openaiRequests: number;
}

/** A status and notes per bucket and key, the write plan for the compared ones, and the capture totals. */
function judgeBuckets(
  groups: Map<string, Group>,
  { inferred, merged }: ModelKeys,
  options: ReconcileOptions,
): Verdicts {
  const { tolerance } = options;
  const absoluteDollars = options.absoluteDollars ?? DEFAULT_DOLLAR_FLOOR;
  const width = BUCKET_SECONDS[options.bucket];
  const lateAfter = options.lateAfterSeconds ?? 86400;
  // Statuses.
  const buckets: BucketReport[] = [];
  const plan: WritePlanEntry[] = [];
  const knownDifferences = new Set<string>();
  let captureRequests = 0;
  let captureDollars = 0;
  let openaiRequests = 0;
  for (const g of [...groups.values()].sort((a, b) => a.start - b.start || a.key.localeCompare(b.key))) {
    const { app, openai, notes } = g;
    if (app.rows + app.unverifiable === 0 && openai.requests + openai.audio_seconds === 0) continue;
    const end = g.start + width;
    if (inferred.has(`${g.start}|${g.key}`)) notes.add('snapshot-inferred-from-requested-model');
    if (merged.has(`${g.start}|${g.key}`)) notes.add('several-snapshots-compared-as-one-family');
    if (app.unverifiable > 0) notes.add('unverifiable-rows');
    if (end > options.now - lateAfter) notes.add('recent-bucket');
    let status: BucketStatus;
    if (app.rows === 0) {
      status = app.unverifiable > 0 ? 'unverifiable' : 'unattributed';
      if (openai.requests > 0) notes.add('untracked-calls');
    } else {
      if (openai.requests === 0 && openai.audio_seconds === 0) notes.add('no-usage-reported');
      if (openai.billed === null) notes.add('no-costs-reported');
      if (!app.cachedKnown && openai.cached_tokens > 0) notes.add('cached-tokens-not-recorded');
      if (openai.tiers.size > 0 && g.appRowsLackTier) notes.add('service-tier-not-recorded');
      const tokensAgree =
        within(app.input_tokens, openai.input_tokens, tolerance) &&
        within(app.output_tokens, openai.output_tokens, tolerance);
      if (openai.requests > app.requests && tokensAgree) notes.add('more-requests-than-rows');
      if (
        openai.requests > app.requests &&
        !tokensAgree &&
        openai.input_tokens + openai.output_tokens > app.input_tokens + app.output_tokens
      )
        notes.add('untracked-calls');
      // Dollars are billed per UTC day: only a bucket that is one whole UTC day compares them.
      const dayBucket = width === 86400 && g.start % 86400 === 0;
      if (!dayBucket && openai.billed !== null) notes.add('dollars-compared-per-day');
      const checks = [
        within(app.requests, openai.requests, tolerance),
        tokensAgree,
        !app.cachedKnown || within(app.cached_tokens, openai.cached_tokens, tolerance),
        openai.billed === null ||
          !dayBucket ||
          dollarsAgree(app.estimated_dollars, openai.billed, tolerance, absoluteDollars),
        openai.requests > 0 || openai.audio_seconds > 0,
      ];
      const verdict = checks.every(Boolean) ? 'matched' : 'discrepancy';
      status = verdict;
      const billedCents = openai.billed === null ? null : Math.round(openai.billed * 100);
      plan.push({
        start: g.start,
        end,
        model: g.key,
        status: verdict,
        billed_cents: billedCents,
        rows: app.rows,
        requests: app.requests,
        parts: g.parts,
      });
    }
    for (const note of notes) {
      const text = KNOWN_DIFFERENCES[note.split(':')[0]];
      if (text) knownDifferences.add(text);
    }
    openaiRequests += openai.requests;
    captureRequests += Math.min(app.requests, openai.requests);
    captureDollars += Math.min(app.estimated_dollars, openai.billed ?? 0);
    buckets.push({
      start: iso(g.start),
      end: iso(end),
      model: g.key,
      status,
      notes: [...notes].sort(),
      app: {
        rows: app.rows,
        unverifiable_rows: app.unverifiable,
        requests: app.requests,
        input_tokens: app.input_tokens,
        cached_tokens: app.cachedKnown ? app.cached_tokens : null,
        output_tokens: app.output_tokens,
        audio_seconds: round(app.audio_seconds, 3),
        estimated_dollars: round(app.estimated_dollars),
        own_estimate_dollars: app.ownCents === null ? null : round(app.ownCents / 100),
      },
      openai: {
        requests: openai.requests,
        input_tokens: openai.input_tokens,
        cached_tokens: openai.cached_tokens,
        output_tokens: openai.output_tokens,
        audio_seconds: round(openai.audio_seconds, 3),
        estimated_dollars: round(openai.estimated_dollars),
        billed_dollars: openai.billed === null ? null : round(openai.billed),
        billed_is_allocation: openai.allocated,
      },
      diff: {
        requests: app.requests - openai.requests,
        input_tokens: app.input_tokens - openai.input_tokens,
        cached_tokens: app.cachedKnown ? app.cached_tokens - openai.cached_tokens : null,
        output_tokens: app.output_tokens - openai.output_tokens,
        dollars: openai.billed === null ? null : round(app.estimated_dollars - openai.billed),
      },
    });
  }
  return { buckets, plan, knownDifferences, captureRequests, captureDollars, openaiRequests };
}

/** The report: the buckets, the daily chart, the costs and the known differences. */
function buildReport(
  groups: Map<string, Group>,
  data: OpenAiData,
  options: ReconcileOptions,
  counts: RowCounts,
  costs: Costs,
  verdicts: Verdicts,
): Report {
  const { since, until, bucket, tolerance, prices } = options;
  const { rowsInWindow, unverifiableRows, duplicateRows } = counts;
  const { byLineItem, unparsed, unmatched, billedPerDay, billedTotal, partialDays, currencies } = costs;
  const { buckets, knownDifferences, captureRequests, captureDollars, openaiRequests } = verdicts;
  if ([...currencies].some((c) => c !== 'usd'))
    knownDifferences.add('Some costs are not in USD; they are added as they are.');
  if (unparsed.length > 0) knownDifferences.add(KNOWN_DIFFERENCES['unparsed-line-items']);
  if (partialDays.size > 0) knownDifferences.add(KNOWN_DIFFERENCES['partial-day-costs']);
  if (duplicateRows > 0) knownDifferences.add(KNOWN_DIFFERENCES['duplicate-rows']);

  // Per UTC day, for the chart: the app's estimate, OpenAI's usage priced with the table, and the bill.
  const days = new Map<number, DayReport>();
  for (let day = Math.floor(since / 86400) * 86400; day < until; day += 86400) {
    days.set(day, {
      day: iso(day).slice(0, 10),
      app_estimated_dollars: 0,
      openai_estimated_dollars: 0,
      billed_dollars: round(billedPerDay.get(day) ?? 0),
    });
  }
  for (const g of groups.values()) {
    const day = days.get(Math.floor(g.start / 86400) * 86400);
    if (!day) continue;
    day.app_estimated_dollars = round(day.app_estimated_dollars + g.app.estimated_dollars);
    day.openai_estimated_dollars = round(day.openai_estimated_dollars + g.openai.estimated_dollars);
  }

  const statusCounts = Object.fromEntries(
    BUCKET_STATUSES.map((s) => [s, buckets.filter((b) => b.status === s).length]),
  ) as Record<BucketStatus, number>;
  const report: Report = {
    version: 1,
    generated_at: iso(options.now),
    window: { since: iso(since), until: iso(until), bucket, project: options.project ?? null },
    tolerance,
    price_source: prices.source,
    rate_multipliers: RATE_MULTIPLIERS,
    capture: {
      requests: {
        app: captureRequests,
        openai: openaiRequests,
        rate: openaiRequests > 0 ? round(captureRequests / openaiRequests, 4) : null,
      },
      dollars: {
        app_estimated: round(captureDollars),
        billed: round(billedTotal),
        rate: billedTotal > 0 ? round(captureDollars / billedTotal, 4) : null,
      },
    },
    status_counts: statusCounts,
    buckets,
    daily: [...days.values()],
    costs: {
      by_line_item: [...byLineItem.values()]
        .map((i) => ({ ...i, dollars: round(i.dollars) }))
        .sort((a, b) => String(a.line_item).localeCompare(String(b.line_item))),
      unparsed,
      unmatched,
      partial_days: [...partialDays].map(([day, dollars]) => ({ day: iso(day), dollars: round(dollars) })),
    },
    rows: {
      in_window: rowsInWindow,
      verifiable: rowsInWindow - unverifiableRows,
      unverifiable: unverifiableRows,
      duplicates: duplicateRows,
    },
    ignored_usage_results: data.ignored,
    known_differences: [...knownDifferences].sort(),
    allocation:
      "actual_cost_cents is an allocation, not a per-request bill: OpenAI bills per UTC day and line item, so each bucket's billed dollars are shared over its rows in proportion to their estimated cost (and a day's dollars over its sub-day buckets in proportion to OpenAI's usage priced with the table).",
  };
  return report;
}

function priceInputOfEntry(entry: UsageEntry, model: string) {
  return {
    model,
    at: entry.start,
    input_tokens: entry.input_tokens,
    cached_tokens: entry.cached_tokens,
    output_tokens: entry.output_tokens,
    audio_seconds: entry.kind === 'audio_transcriptions' ? entry.seconds : undefined,
    batch: entry.batch,
    service_tier: entry.service_tier,
  };
}

/** One sentence per note code, listed once in the report as a known source of difference. */
export const KNOWN_DIFFERENCES: Record<string, string> = {
  'cached-tokens-not-recorded':
    'Some rows lack cached_input_tokens while OpenAI reports cached input: their estimate prices every input token at the uncached rate (too high). Record usage.prompt_tokens_details.cached_tokens.',
  'service-tier-not-recorded':
    "OpenAI reports batch or non-default service-tier usage, but some rows lack service_tier: their estimate uses the standard rate. Record the response's service_tier.",
  'priority-rate-unknown':
    'Priority processing has a per-model premium that the price table lacks: estimated at the standard rate.',
  'scale-tier-rate-unknown': 'Scale Tier is prepaid capacity: its tokens are estimated at the standard rate.',
  'more-requests-than-rows':
    'OpenAI counts more requests than there are rows while the tokens agree: multi-step calls (AI SDK steps, tool loops) bill one request per step but are tracked as one row.',
  'no-usage-reported':
    'Rows in buckets for which OpenAI reports no usage: usage data can arrive late, so re-run for recent buckets.',
  'no-costs-reported': 'Days without costs from the Costs API (yet): dollars are not compared there.',
  'recent-bucket': "Buckets that ended less than a day before the run: OpenAI's usage and costs can still grow.",
  'unverifiable-rows':
    'Rows without an OpenAI id, or with an id OpenAI never issued (aitxt-/aiobj- from the AI SDK, gen_/gen- from gateways): not compared.',
  'snapshot-inferred-from-requested-model':
    'Rows without openai_model were assigned the only snapshot OpenAI reports for their requested model. Record openai_model.',
  'several-snapshots-compared-as-one-family':
    'Rows without openai_model whose requested model maps to several snapshots: the snapshots are compared together.',
  'input-tokens-not-recorded': 'Rows without input_tokens: their input is taken as tokens_used minus output_tokens.',
  'no-price': 'Models the price table does not know: their estimate is 0 (pass --prices FILE).',
  'usage-not-grouped-by-model': "Usage results without a model: they cannot be attributed to the app's rows.",
  'untracked-calls':
    'OpenAI counts more requests and tokens than the rows: calls the app does not track (another route, service or API key of the organization, or a call site without the tracker).',
  'dollars-compared-per-day':
    "The Costs API reports dollars per whole UTC day only: buckets narrower than a day show a share of the day's bill (*) and are compared on requests and tokens, not dollars. Use --bucket 1d to compare dollars.",
  'partial-day-costs':
    'The window covers part of a UTC day: the Costs API bills that day whole, so its dollars are compared with no bucket and left out of the capture rate (costs.partial_days).',
  'duplicate-rows':
    'Some request ids were recorded on more than one row: each request is counted once (rows.duplicates; a retried or replayed tracker insert).',
  'unparsed-line-items':
    'Cost line items whose format was not understood: counted in the billed total, matched to no bucket (listed under costs.unparsed).',
};
export type { CostEntry };
