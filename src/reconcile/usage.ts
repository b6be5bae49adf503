/**
 * reconcile's usage text, apart from the command so that `recon-codemod reconcile --help` prints it even where the
 * packages reconcile needs (@pydantic/genai-prices, openai) are not installed yet.
 */
import { DEFAULT_COST_COLUMN, DEFAULT_TABLE } from '../schema/sql.js';

/** Bad usage of reconcile (exit 2, nothing written), in both its modes. */
export class UsageError extends Error {}

/** `--since`/`--until`: a date (midnight UTC) or an ISO time, in epoch milliseconds. */
export function parseTimeMs(text: string, flag: string): number {
  const iso = /^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text;
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new UsageError(`${flag}: not a date: ${text} (use YYYY-MM-DD or an ISO time)`);
  return ms;
}

/** `--tolerance`: a fraction (0.02) or a percentage (2%); 1 % by default. */
export function parseTolerance(text: string | undefined): number {
  if (text === undefined) return 0.01;
  const value = text.endsWith('%') ? Number(text.slice(0, -1)) / 100 : Number(text);
  if (!Number.isFinite(value) || value < 0 || value >= 1)
    throw new UsageError(`--tolerance: expected a fraction (0.02) or a percentage (2%), got ${text}`);
  return value;
}

/** Below this many dollars a bucket's difference is rounding, unless one amount is more than 1.5x the other. */
export const DEFAULT_DOLLAR_FLOOR = 0.005;

export const RECONCILE_USAGE = `Usage: recon-codemod reconcile --since DATE --until DATE [--bucket 1m|1h|1d] [options]
       recon-codemod reconcile --usage usage.json [--costs costs.json] [options]     (offline, saved API responses)
       recon-codemod reconcile --gateway vercel|openrouter [options]   (per request: reconcile --gateway vercel --help)

Compares the app's token_usage rows with what OpenAI recorded (Usage API) and billed (Costs API), per time bucket
and model snapshot, and prints the capture rate: the share of OpenAI's requests and dollars the rows account for.
Needs OPENAI_ADMIN_KEY (an organization admin key) unless --usage is given. OpenAI publishes no per-request id in
any usage or billing data, so rows are matched in aggregate, never one by one. The database sums the rows per bucket
(only the sums reach this process), and the organization is compared as a whole unless --project is given: rows
carry no project, so --project assumes every row in the window belongs to that project. Dollars come per whole UTC
day (the Costs API): they are compared only in 1d buckets. A request id recorded on several rows counts once.

Options:
  --since DATE        start of the window, inclusive (YYYY-MM-DD = UTC midnight, or an ISO time)
  --until DATE        end of the window, exclusive
  --bucket W          1m, 1h or 1d (default 1d; offline: the saved data's width)
  --db URL            a Postgres URL for the rows (default: the embedded PGlite store in .recon/db)
  --table T           the token-usage table (default ${DEFAULT_TABLE})
  --cost-column C     the table's own estimate in cents, shown for comparison (default ${DEFAULT_COST_COLUMN})
  --project ID        only this OpenAI project's usage and costs
  --tolerance X       relative difference still matched: 0.02 or 2% (default 1%)
  --dollar-floor D    a dollar difference up to D is still matched when neither amount is over 1.5x the other
                      (rounding in tiny buckets; default ${DEFAULT_DOLLAR_FLOOR}, 0 turns it off)
  --base-url URL      OpenAI's API base URL, for a proxy or a test server (default: OPENAI_BASE_URL, else
                      https://api.openai.com/v1)
  --json FILE         write the report as JSON
  --html FILE         write a self-contained HTML page (charts inline, no network)
  --write             set reconciliation_status, reconciled_at, actual_cost_cents on the rows of matched and
                      discrepant buckets: set-based UPDATEs in the database, one transaction per batch of whole
                      buckets, progress on stderr; rows already holding the values are skipped, so a rerun after
                      an interruption resumes (rows outside the window are never touched)
  --usage FILE        offline: saved Usage API responses (a page or an array of pages, any usage endpoint)
  --costs FILE        offline: saved Costs API responses
  --prices FILE       a price table in @pydantic/genai-prices' Provider format instead of the bundled OpenAI prices
  -h, --help          show this help

Exit codes:
  0  report made (whatever the statuses)
  1  OpenAI's API or the database failed (nothing written; retry)
  2  bad usage, missing or refused admin key (nothing written)
`;
