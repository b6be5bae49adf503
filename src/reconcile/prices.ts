/**
 * Estimated dollars from a dated price table: `@pydantic/genai-prices` (its bundled data, so nothing is fetched at run
 * time), with the price valid at the given time. A `Provider` in genai-prices' format can replace the bundled OpenAI
 * prices (`--prices FILE`: negotiated rates, or a price the bundle does not know yet).
 *
 * Token semantics, the same as OpenAI's: `input_tokens` is the whole prompt and already includes the cached tokens;
 * `output_tokens` already includes the reasoning tokens. genai-prices takes the cached tokens as a part of the input
 * (`cache_read_tokens`), so nothing is counted twice.
 */
import { calcPrice, type Provider } from '@pydantic/genai-prices';

/**
 * Rate multipliers genai-prices does not encode for OpenAI. Source: https://openai.com/api/pricing/ and
 * https://platform.openai.com/docs/guides/flex-processing, as read on 2025-11-16: the Batch API costs 50% of the
 * standard rate on inputs and outputs; Flex processing is priced at Batch rates. Priority processing has a per-model
 * premium that is not in the table: it is estimated at the standard rate and reported as a known difference.
 */
export const RATE_MULTIPLIERS = { asOf: '2025-11-16', batch: 0.5, flex: 0.5 } as const;

export interface PriceInput {
  model: string;
  /** Unix seconds: the price valid at this time is used. */
  at: number;
  input_tokens?: number;
  cached_tokens?: number;
  output_tokens?: number;
  /** Audio seconds (Whisper is billed per second of audio). */
  audio_seconds?: number;
  batch?: boolean | null;
  service_tier?: string | null;
}

export interface PriceResult {
  /** Dollars; null when the table has no price for the model. */
  dollars: number | null;
  /** Why the estimate may differ from the bill (the rate of a tier the table lacks). */
  note?: 'priority-rate-unknown' | 'scale-tier-rate-unknown';
}

export interface PriceTable {
  price(input: PriceInput): PriceResult;
  /** Where the prices come from, for the report. */
  source: string;
}

export function priceTable(provider?: Provider): PriceTable {
  return {
    source: provider
      ? `custom price table (provider "${provider.id}")`
      : '@pydantic/genai-prices bundled data (dated prices; no network)',
    price(input) {
      const usage: Record<string, number> = {};
      if (input.audio_seconds) usage.audio_seconds = input.audio_seconds;
      if (input.input_tokens || input.output_tokens || !input.audio_seconds) {
        usage.input_tokens = input.input_tokens ?? 0;
        usage.output_tokens = input.output_tokens ?? 0;
        // A part of input_tokens, never more than it.
        usage.cache_read_tokens = Math.min(input.cached_tokens ?? 0, usage.input_tokens);
      }
      let result;
      try {
        result = calcPrice(usage, input.model, {
          ...(provider ? { provider } : { providerId: 'openai' }),
          timestamp: new Date(input.at * 1000),
        });
      } catch {
        result = null;
      }
      if (!result) return { dollars: null };
      let multiplier = 1;
      let note: PriceResult['note'];
      if (input.batch) multiplier = RATE_MULTIPLIERS.batch;
      else if (input.service_tier === 'flex') multiplier = RATE_MULTIPLIERS.flex;
      else if (input.service_tier === 'priority') note = 'priority-rate-unknown';
      else if (input.service_tier === 'scale') note = 'scale-tier-rate-unknown';
      return { dollars: result.total_price * multiplier, ...(note ? { note } : {}) };
    },
  };
}
