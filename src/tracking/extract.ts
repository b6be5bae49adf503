import { kindOfBodyObject, type FieldReader } from '../engine/result-kinds.js';
import {
  GATEWAY_ID_PATTERN,
  OPENAI_ID_PATTERN,
  OPTIONAL_FIELD_NAMES,
  RECONCILIATION_FIELD_NAMES,
} from '../schema/fields.js';
import type { GatewayFieldValues, OptionalFieldValues, ReconciliationFieldValues } from '../schema/zod.js';

type Json = Record<string, unknown>;

const NO_FIELDS = Object.freeze(
  Object.fromEntries(RECONCILIATION_FIELD_NAMES.map((name) => [name, null])),
) as ReconciliationFieldValues;

const NO_OPTIONAL_FIELDS = Object.freeze(
  Object.fromEntries(OPTIONAL_FIELD_NAMES.map((name) => [name, null])),
) as OptionalFieldValues;

// Ids the AI SDK makes up when the provider sent none (`aitxt-…` from generateText/streamText, `aiobj-…` from
// generateObject/streamObject); their timestamp is then `new Date()` too. Neither ever matches OpenAI's records.
const AI_SDK_INVENTED_ID = /^ai(txt|obj)-/;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null;

/**
 * A field of a parsed body, read along its path in the engine's result-kinds table (the body's `object` names the
 * kind: `chat.completion`, `text_completion`, `response`): the one mapping the codemod writes into code.
 */
function readPath(body: Json, reader: FieldReader | null | undefined): unknown {
  if (!reader || reader.convert) return undefined;
  let value: unknown = body;
  for (const key of reader.path.split(/\??\./)) {
    if (!isObject(value)) return undefined;
    value = value[key];
  }
  return value;
}
const nonEmptyString = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);

/** Unix seconds, or null for anything else (a float, a negative number, a millisecond value: never converted). */
function unixSeconds(value: unknown): number | null {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 && value <= 1e11 ? value : null;
}

/** The AI SDK's `LanguageModelResponseMetadata`: `{ id, timestamp: Date, modelId }`. */
function isAiSdkResponseMetadata(value: unknown): value is { id: string; timestamp: Date } {
  return (
    isObject(value) &&
    typeof value.id === 'string' &&
    value.timestamp instanceof Date &&
    typeof value.modelId === 'string'
  );
}

function fromAiSdkResponse(response: { id: string; timestamp: Date }): ReconciliationFieldValues {
  if (AI_SDK_INVENTED_ID.test(response.id)) return NO_FIELDS;
  return {
    openai_request_id: nonEmptyString(response.id),
    openai_created: unixSeconds(Math.floor(response.timestamp.getTime() / 1000)),
    // The AI SDK does not parse the fingerprint out of the body.
    system_fingerprint: null,
  };
}

/** A parsed OpenAI response body, as the awaited openai-node call (or `res.json()` of a raw fetch) returns it. */
function fromOpenAiBody(body: Json): ReconciliationFieldValues {
  const kind = kindOfBodyObject(body.object);
  if (kind) {
    return {
      openai_request_id: nonEmptyString(readPath(body, kind.fields.openai_request_id)),
      openai_created: unixSeconds(readPath(body, kind.fields.openai_created)),
      system_fingerprint: nonEmptyString(readPath(body, kind.fields.system_fingerprint)),
    };
  }
  // Audio, images, embeddings, moderations: no id in the body, only the x-request-id header that openai-node attaches
  // as the non-enumerable `_request_id`. Of these, only images say when they were created.
  const headerRequestId = nonEmptyString(body._request_id);
  if (headerRequestId !== null) {
    const isImagesResponse = 'created' in body && !('object' in body);
    return {
      openai_request_id: headerRequestId,
      openai_created: isImagesResponse ? unixSeconds(body.created) : null,
      system_fingerprint: null,
    };
  }
  return NO_FIELDS;
}

const tokenCount = (value: unknown): number | null =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : null;

/** `model`, the cached prompt tokens and `service_tier` of a chat completion (or chunk) or a Responses API result. */
function optionalFromOpenAiBody(body: Json): OptionalFieldValues {
  const kind = kindOfBodyObject(body.object);
  if (!kind) return NO_OPTIONAL_FIELDS;
  return {
    openai_model: nonEmptyString(readPath(body, kind.fields.openai_model)),
    cached_input_tokens: tokenCount(readPath(body, kind.fields.cached_input_tokens)),
    service_tier: nonEmptyString(readPath(body, kind.fields.service_tier)),
  };
}

/** The AI SDK keeps the answering model in `response.modelId` and the cached prompt tokens in `usage.cachedInputTokens`. */
function optionalFromAiSdk(response: { id: string; modelId?: unknown }, usage: unknown): OptionalFieldValues {
  if (AI_SDK_INVENTED_ID.test(response.id)) return NO_OPTIONAL_FIELDS;
  return {
    openai_model: nonEmptyString(response.modelId),
    cached_input_tokens: isObject(usage) ? tokenCount(usage.cachedInputTokens) : null,
    // The AI SDK does not surface the service tier in its result.
    service_tier: null,
  };
}

function optionalFieldsOf(result: unknown): OptionalFieldValues {
  if (!isObject(result)) return NO_OPTIONAL_FIELDS;
  if (isAiSdkResponseMetadata(result)) return optionalFromAiSdk(result as Json & { id: string }, undefined);
  if (isAiSdkResponseMetadata(result.response))
    return optionalFromAiSdk(result.response as Json & { id: string }, result.usage);
  if ('request_id' in result && 'response' in result && isObject(result.data))
    return optionalFromOpenAiBody(result.data);
  if (typeof result.status === 'number' && isObject(result.data) && typeof result.data.object === 'string') {
    return optionalFromOpenAiBody(result.data);
  }
  return optionalFromOpenAiBody(result);
}

export interface ExtractOptions {
  /**
   * Also return the optional columns `openai_model`, `cached_input_tokens` and `service_tier` (null where the SDK
   * result has none). Off by default, like the codemod: spreading them into an insert needs the columns, which
   * `recon-codemod sql` creates but a hand-made table may lack.
   */
  optionalFields?: boolean;
}

/**
 * The three reconciliation fields of an SDK result: the runtime twin of the codemod's mapping (the result kinds of
 * src/engine/result-kinds.ts), for code written after the migration.
 *
 * Understands an openai-node ChatCompletion (or stream chunk, or the JSON of a raw fetch), a Responses API Response,
 * a `.withResponse()` result `{ data, response, request_id }` (the body id, else the `x-request-id` header), an
 * awaited audio / image / embedding result (`_request_id`; images also `created`), an openai v3 axios response, and an
 * AI SDK `generateText` / `generateObject` result, `streamText` `onFinish` event, or the awaited `result.response`.
 *
 * Never invents a value: a field the result does not carry is `null`, an unrecognised shape gives all `null`s, and
 * an id the AI SDK made up because the provider sent none (`aitxt-…`) counts as no id.
 *
 * With `{ optionalFields: true }` it also returns the optional columns reconciliation prices with: `openai_model`
 * (chat completion / Responses `model`, AI SDK `response.modelId`), `cached_input_tokens`
 * (`usage.prompt_tokens_details.cached_tokens`, Responses `usage.input_tokens_details.cached_tokens`, AI SDK
 * `usage.cachedInputTokens`) and `service_tier` (chat completion / Responses `service_tier`).
 */
export function extractReconciliationFields(
  result: unknown,
  options: ExtractOptions & { optionalFields: true },
): ReconciliationFieldValues & OptionalFieldValues;
export function extractReconciliationFields(result: unknown, options?: ExtractOptions): ReconciliationFieldValues;
export function extractReconciliationFields(
  result: unknown,
  options: ExtractOptions = {},
): ReconciliationFieldValues | (ReconciliationFieldValues & OptionalFieldValues) {
  const fields = requiredFieldsOf(result);
  // A gateway's generation id (gen-…, gen_…) is not OpenAI's: nothing of the result is OpenAI's (extractGatewayFields).
  if (fields.openai_request_id !== null && GATEWAY_ID_PATTERN.test(fields.openai_request_id)) {
    return options.optionalFields ? { ...NO_FIELDS, ...NO_OPTIONAL_FIELDS } : NO_FIELDS;
  }
  return options.optionalFields ? { ...fields, ...optionalFieldsOf(result) } : fields;
}

const NO_GATEWAY_FIELDS: GatewayFieldValues = Object.freeze({
  llm_gateway: null,
  gateway_generation_id: null,
  gateway_cost_usd: null,
});

/**
 * The gateway fields of a result that came through a known gateway (docs/gateways.md), the runtime twin of the
 * codemod's gateway mapping:
 *  - `'openrouter'`: a chat completion (or chunk) body from OpenRouter: its `id` (gen-…), and `usage.cost` (USD)
 *    when the response carries it;
 *  - `'vercel'`: an AI SDK result or `onFinish` event of a Vercel AI Gateway model: `providerMetadata.gateway.generationId`
 *    (the cost is left to `reconcile --gateway`, its type in the metadata is not documented);
 *  - a configured proxy's name: the body `id` of its chat completion, as for OpenRouter.
 * Anything else gives all nulls; an OpenAI id is never returned as a gateway's.
 */
export function extractGatewayFields(result: unknown, gateway: string): GatewayFieldValues {
  if (!isObject(result)) return NO_GATEWAY_FIELDS;
  if (gateway === 'vercel') {
    const metadata =
      isObject(result.providerMetadata) && isObject(result.providerMetadata.gateway)
        ? result.providerMetadata.gateway
        : undefined;
    const id = nonEmptyString(metadata?.generationId);
    return id === null || !GATEWAY_ID_PATTERN.test(id)
      ? NO_GATEWAY_FIELDS
      : { llm_gateway: 'vercel', gateway_generation_id: id, gateway_cost_usd: null };
  }
  if (result.object !== 'chat.completion' && result.object !== 'chat.completion.chunk') return NO_GATEWAY_FIELDS;
  const id = nonEmptyString(result.id);
  if (id === null || OPENAI_ID_PATTERN.test(id)) return NO_GATEWAY_FIELDS;
  const cost =
    isObject(result.usage) &&
    typeof result.usage.cost === 'number' &&
    Number.isFinite(result.usage.cost) &&
    result.usage.cost >= 0
      ? result.usage.cost
      : null;
  return { llm_gateway: gateway, gateway_generation_id: id, gateway_cost_usd: cost };
}

function requiredFieldsOf(result: unknown): ReconciliationFieldValues {
  if (!isObject(result)) return NO_FIELDS;

  if (isAiSdkResponseMetadata(result)) return fromAiSdkResponse(result);
  if (isAiSdkResponseMetadata(result.response)) return fromAiSdkResponse(result.response);

  if ('request_id' in result && 'response' in result && isObject(result.data)) {
    const fields = fromOpenAiBody(result.data);
    return { ...fields, openai_request_id: fields.openai_request_id ?? nonEmptyString(result.request_id) };
  }
  // openai v3 (axios): the body is `data`, next to the HTTP `status`.
  if (typeof result.status === 'number' && isObject(result.data) && typeof result.data.object === 'string') {
    return fromOpenAiBody(result.data);
  }
  return fromOpenAiBody(result);
}
