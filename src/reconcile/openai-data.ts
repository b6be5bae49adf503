/**
 * OpenAI's side of reconciliation: the Usage API (token and request counts per time bucket) and the Costs API
 * (dollars per UTC day), fetched page by page with the openai client, or read from saved API responses.
 *
 * Everything is fetched before anything is computed or written: a failure on any page fails the whole fetch.
 */
import type OpenAI from 'openai';
import type {
  UsageAudioTranscriptionsResponse,
  UsageCompletionsResponse,
  UsageCostsResponse,
  UsageEmbeddingsResponse,
} from 'openai/resources/admin/organization/usage';

export type BucketWidth = '1m' | '1h' | '1d';
export const BUCKET_SECONDS: Record<BucketWidth, number> = { '1m': 60, '1h': 3600, '1d': 86400 };
/** The API's most buckets per page for each width (the `limit` parameter's maximum). */
const MAX_BUCKETS_PER_PAGE: Record<BucketWidth, number> = { '1m': 1440, '1h': 168, '1d': 31 };

/** One page of any usage endpoint or of costs, as the API returns it. */
export interface Page {
  object: 'page';
  data: Array<{ object: 'bucket'; start_time: number; end_time: number; results: Array<Record<string, unknown>> }>;
  has_more: boolean;
  next_page: string | null;
}

export type UsageKind = 'completions' | 'embeddings' | 'audio_transcriptions';

/** One usage result, flattened: a bucket's counts for one model (and batch flag, service tier). */
export interface UsageEntry {
  kind: UsageKind;
  start: number;
  end: number;
  model: string | null;
  project_id: string | null;
  batch: boolean | null;
  service_tier: string | null;
  requests: number;
  input_tokens: number;
  cached_tokens: number;
  output_tokens: number;
  /** Audio seconds processed (transcriptions). */
  seconds: number;
}

/** One costs result: dollars of one UTC day, per line item. */
export interface CostEntry {
  start: number;
  end: number;
  line_item: string | null;
  project_id: string | null;
  amount: number;
  currency: string;
}

export interface OpenAiData {
  usage: UsageEntry[];
  costs: CostEntry[];
  /** Result objects of a kind this tool does not compare (images, moderations, …): counted, kept visible. */
  ignored: Record<string, number>;
}

/** What went wrong talking to OpenAI, in words a person can act on. */
export class FetchError extends Error {
  constructor(
    message: string,
    /** `auth`: the key was refused (nothing to retry); `transient`: an outage, a timeout, a rate limit (retry later). */
    readonly kind: 'auth' | 'transient' | 'other',
  ) {
    super(message);
  }
}

const RESULT_KINDS: Record<string, UsageKind> = {
  'organization.usage.completions.result': 'completions',
  'organization.usage.embeddings.result': 'embeddings',
  'organization.usage.audio_transcriptions.result': 'audio_transcriptions',
};

const num = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) ? value : 0);
const str = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);

/** Flattens usage pages (any endpoint; the result's `object` says which) into entries. */
export function usageEntries(pages: readonly Page[]): { usage: UsageEntry[]; ignored: Record<string, number> } {
  const usage: UsageEntry[] = [];
  const ignored: Record<string, number> = {};
  for (const page of pages) {
    for (const bucket of page.data ?? []) {
      for (const result of bucket.results ?? []) {
        const kind = RESULT_KINDS[String(result.object)];
        if (!kind) {
          ignored[String(result.object)] = (ignored[String(result.object)] ?? 0) + 1;
          continue;
        }
        usage.push({
          kind,
          start: bucket.start_time,
          end: bucket.end_time,
          model: str(result.model),
          project_id: str(result.project_id),
          batch: typeof result.batch === 'boolean' ? result.batch : null,
          service_tier: str(result.service_tier),
          requests: num(result.num_model_requests),
          input_tokens: num(result.input_tokens),
          cached_tokens: num(result.input_cached_tokens),
          output_tokens: num(result.output_tokens),
          seconds: num(result.seconds),
        });
      }
    }
  }
  return { usage, ignored };
}

/** Flattens costs pages into entries; results without an amount are kept with 0 (and stay visible by line item). */
export function costEntries(pages: readonly Page[]): CostEntry[] {
  const costs: CostEntry[] = [];
  for (const page of pages) {
    for (const bucket of page.data ?? []) {
      for (const result of bucket.results ?? []) {
        if (result.object !== 'organization.costs.result') continue;
        const amount = (result.amount ?? {}) as { value?: unknown; currency?: unknown };
        costs.push({
          start: bucket.start_time,
          end: bucket.end_time,
          line_item: str(result.line_item),
          project_id: str(result.project_id),
          amount: num(amount.value),
          currency: str(amount.currency) ?? 'usd',
        });
      }
    }
  }
  return costs;
}

/** Accepts what a person saves: one page, an array of pages, or `{ "pages": [...] }`. */
export function pagesOf(json: unknown, what: string): Page[] {
  const list = Array.isArray(json)
    ? json
    : typeof json === 'object' && json !== null && Array.isArray((json as { pages?: unknown }).pages)
      ? (json as { pages: unknown[] }).pages
      : [json];
  for (const page of list) {
    if (typeof page !== 'object' || page === null || !Array.isArray((page as Page).data)) {
      throw new Error(`${what}: expected a saved API page ({ "object": "page", "data": [...] }) or an array of them`);
    }
  }
  return list as Page[];
}

export interface FetchOptions {
  since: number;
  until: number;
  bucket: BucketWidth;
  project?: string;
  /** Called once per page fetched, for a progress line. */
  onPage?: (endpoint: string, page: number) => void;
}

type AnyUsageResponse =
  UsageCompletionsResponse | UsageEmbeddingsResponse | UsageAudioTranscriptionsResponse | UsageCostsResponse;

/** Follows `next_page` until `has_more` is false. Any failing page fails the whole endpoint. */
async function allPages(
  endpoint: string,
  fetchPage: (page: string | undefined) => Promise<AnyUsageResponse>,
  onPage?: (endpoint: string, page: number) => void,
): Promise<Page[]> {
  const pages: Page[] = [];
  let cursor: string | undefined;
  for (let n = 1; ; n += 1) {
    let page: Page;
    try {
      page = (await fetchPage(cursor)) as unknown as Page;
    } catch (error) {
      throw describeApiError(error, endpoint, n);
    }
    onPage?.(endpoint, n);
    pages.push(page);
    if (!page.has_more) return pages;
    if (!page.next_page) throw new FetchError(`${endpoint}: page ${n} says has_more but gives no next_page`, 'other');
    cursor = page.next_page;
  }
}

function describeApiError(error: unknown, endpoint: string, page: number): FetchError {
  const where = `${endpoint} (page ${page})`;
  const status = (error as { status?: unknown }).status;
  const message = error instanceof Error ? error.message : String(error);
  if (status === 401 || status === 403) {
    return new FetchError(
      `OpenAI refused the admin key on ${where}: ${message}\n` +
        'The Usage and Costs APIs need an organization admin key (sk-admin-…, from platform.openai.com → Organization → Admin keys) in OPENAI_ADMIN_KEY; a project key does not work.',
      'auth',
    );
  }
  if (status === 429 || (typeof status === 'number' && status >= 500) || status === undefined) {
    return new FetchError(
      `OpenAI's API failed on ${where}: ${message}\nNothing was written: the report needs every page. Retry in a few minutes (the client already retried); a narrower --since/--until or a wider --bucket means fewer pages.`,
      'transient',
    );
  }
  return new FetchError(`OpenAI's API rejected the request on ${where}: ${message}`, 'other');
}

/**
 * Fetches the window's usage (completions, embeddings, audio transcriptions) grouped by model, batch and service
 * tier, and its costs grouped by line item, through `client.admin.organization.usage` (openai-node 6).
 */
export async function fetchOpenAiData(client: OpenAI, options: FetchOptions): Promise<OpenAiData> {
  const { since, until, bucket, project, onPage } = options;
  const usageClient = client.admin.organization.usage;
  const common = {
    start_time: since,
    end_time: until,
    bucket_width: bucket,
    limit: MAX_BUCKETS_PER_PAGE[bucket],
    ...(project ? { project_ids: [project] } : {}),
  };
  const completions = await allPages(
    'usage/completions',
    (page) =>
      usageClient.completions({ ...common, group_by: ['model', 'batch', 'service_tier'], ...(page ? { page } : {}) }),
    onPage,
  );
  const embeddings = await allPages(
    'usage/embeddings',
    (page) => usageClient.embeddings({ ...common, group_by: ['model'], ...(page ? { page } : {}) }),
    onPage,
  );
  const transcriptions = await allPages(
    'usage/audio_transcriptions',
    (page) => usageClient.audioTranscriptions({ ...common, group_by: ['model'], ...(page ? { page } : {}) }),
    onPage,
  );
  // Costs come in UTC days only.
  const costDays = Math.ceil((until - since) / 86400);
  const costs = await allPages(
    'costs',
    (page) =>
      usageClient.costs({
        start_time: since,
        end_time: until,
        bucket_width: '1d',
        limit: Math.min(180, Math.max(1, costDays)),
        group_by: ['line_item'],
        ...(project ? { project_ids: [project] } : {}),
        ...(page ? { page } : {}),
      }),
    onPage,
  );
  const { usage, ignored } = usageEntries([...completions, ...embeddings, ...transcriptions]);
  return { usage, costs: costEntries(costs), ignored };
}
