import type { OptionalFieldName, ReconciliationFieldName } from '../schema/fields.js';

/**
 * How to read each field from a result, per kind of result. Verified against the shipped types of openai 6 and ai 5
 * (see SDK-FACTS and README "Field mapping"); `null` means the SDK does not return that value for this kind.
 */
export interface FieldReader {
  /**
   * Builds the expression from the base expression text (`completion` → `completion.id`); `optional`: the base may be
   * undefined at the call, so read it with optional chaining (`completion?.id`).
   */
  read(base: string, optional?: boolean): string;
  /** The SDK types the value as possibly undefined (optional in the response). */
  mayBeUndefined?: boolean;
  /** The SDK types the value as possibly null. */
  mayBeNull?: boolean;
}

export interface ResultKind {
  /** Stable id used in reports (`openai.chat.completion`). */
  id: string;
  /** Human label for reasons and reports. */
  label: string;
  fields: Record<ReconciliationFieldName, FieldReader | null> & Partial<Record<OptionalFieldName, FieldReader | null>>;
  /**
   * Properties the object the readers start from does not have (per the SDK types), though they are often read for
   * the fields: a value read from one is always undefined, so a call that passes it is not complete.
   */
  absent?: readonly string[];
}

export const member = (name: string, flags: Omit<FieldReader, 'read'> = {}): FieldReader => ({
  read: (b, optional) => `${b}${optional ? '?.' : '.'}${name}`,
  ...flags,
});
const requestIdProperty = member('_request_id', { mayBeUndefined: true, mayBeNull: true });
const unixSecondsOfDate = (name: string): FieldReader => ({
  read: (b, optional) =>
    optional ? `(${b}?.${name} ? Math.floor(${b}.${name}.getTime() / 1000) : undefined)` : `Math.floor(${b}.${name}.getTime() / 1000)`,
});

export const RESULT_KINDS = {
  chatCompletion: {
    id: 'openai.chat.completion',
    label: 'OpenAI chat completion',
    fields: {
      openai_request_id: member('id'),
      openai_created: member('created'),
      system_fingerprint: member('system_fingerprint', { mayBeUndefined: true }),
      openai_model: member('model'),
      cached_input_tokens: member('usage?.prompt_tokens_details?.cached_tokens', { mayBeUndefined: true }),
      service_tier: member('service_tier', { mayBeUndefined: true, mayBeNull: true }),
    },
  },
  /** One chunk of a chat stream: the same three values as the completion, on every chunk. */
  chatCompletionChunk: {
    id: 'openai.chat.chunk',
    label: 'OpenAI chat stream chunk',
    fields: {
      openai_request_id: member('id'),
      openai_created: member('created'),
      system_fingerprint: member('system_fingerprint', { mayBeUndefined: true }),
    },
  },
  response: {
    id: 'openai.responses',
    label: 'OpenAI Responses API response',
    fields: {
      openai_request_id: member('id'),
      openai_created: member('created_at'),
      system_fingerprint: null,
      openai_model: member('model'),
      cached_input_tokens: member('usage?.input_tokens_details.cached_tokens', { mayBeUndefined: true }),
      service_tier: member('service_tier', { mayBeUndefined: true, mayBeNull: true }),
    },
    absent: ['created', 'system_fingerprint'],
  },
  requestIdOnly: {
    id: 'openai.request-id-only',
    label: 'OpenAI result with no id in its body (audio, embeddings, moderations)',
    fields: { openai_request_id: requestIdProperty, openai_created: null, system_fingerprint: null },
    // Moderations do carry a body `id` (modr-…); transcriptions, translations and embeddings do not (see OPENAI_METHODS).
    absent: ['created', 'system_fingerprint'],
  },
  image: {
    id: 'openai.images',
    label: 'OpenAI images result',
    fields: { openai_request_id: requestIdProperty, openai_created: member('created'), system_fingerprint: null },
    absent: ['id', 'system_fingerprint'],
  },
  /** `.withResponse()` of a kind whose body has no id: the `x-request-id` header as `request_id`. */
  withResponseHeaderId: {
    id: 'openai.with-response.request-id',
    label: 'OpenAI .withResponse() result (x-request-id header)',
    fields: { openai_request_id: member('request_id', { mayBeNull: true }), openai_created: null, system_fingerprint: null },
  },
  /** The `response` metadata of an AI SDK result or `onFinish` event (ai v4+): id, timestamp (a Date), no fingerprint. */
  aiResponse: {
    id: 'ai.response',
    label: 'Vercel AI SDK response metadata',
    // The snapshot is `modelId`; cached tokens are on the result's `usage`, not here: not read.
    fields: { openai_request_id: member('id'), openai_created: unixSecondsOfDate('timestamp'), system_fingerprint: null, openai_model: member('modelId') },
    absent: ['created', 'system_fingerprint'],
  },
  /** An OpenAI `APIError` caught in a `catch`: the request failed, but its `x-request-id` is known. */
  apiError: {
    id: 'openai.api-error',
    label: 'OpenAI APIError (failed request)',
    fields: { openai_request_id: member('requestID', { mayBeUndefined: true, mayBeNull: true }), openai_created: null, system_fingerprint: null },
  },
  /** Another provider's result, tied to the call by its token usage: there is no OpenAI request to record. */
  notOpenAI: {
    id: 'not-openai',
    label: 'request to another provider (no OpenAI request)',
    fields: { openai_request_id: null, openai_created: null, system_fingerprint: null },
  },
  /**
   * A chat completion served through a known gateway (docs/gateways.md): its body id is the gateway's generation id,
   * so the OpenAI fields are null and the gateway fields (`llm_gateway`, `gateway_generation_id`) carry it.
   */
  gatewayChatCompletion: {
    id: 'gateway.chat.completion',
    label: "chat completion through a gateway (its id is the gateway's generation id, not OpenAI's)",
    fields: { openai_request_id: null, openai_created: null, system_fingerprint: null },
  },
  /** openai v3 (axios): the completion is under `.data`. */
  chatCompletionV3: {
    id: 'openai.v3.chat.completion',
    label: 'OpenAI v3 createChatCompletion response',
    fields: {
      openai_request_id: member('data.id'),
      openai_created: member('data.created'),
      system_fingerprint: member('data.system_fingerprint', { mayBeUndefined: true }),
    },
  },
} satisfies Record<string, ResultKind>;

/** OpenAI SDK resource paths (after the client) → the kind of the awaited result. */
export const OPENAI_METHODS: ReadonlyArray<{ path: string[]; kind: ResultKind; binary?: boolean; noBodyId?: true }> = [
  { path: ['chat', 'completions', 'create'], kind: RESULT_KINDS.chatCompletion },
  { path: ['chat', 'completions', 'parse'], kind: RESULT_KINDS.chatCompletion },
  { path: ['beta', 'chat', 'completions', 'parse'], kind: RESULT_KINDS.chatCompletion },
  { path: ['responses', 'create'], kind: RESULT_KINDS.response },
  { path: ['responses', 'parse'], kind: RESULT_KINDS.response },
  // `noBodyId`: the body has no `id` at all (a value read from `.id` is always undefined).
  { path: ['audio', 'transcriptions', 'create'], kind: RESULT_KINDS.requestIdOnly, noBodyId: true },
  { path: ['audio', 'translations', 'create'], kind: RESULT_KINDS.requestIdOnly, noBodyId: true },
  { path: ['embeddings', 'create'], kind: RESULT_KINDS.requestIdOnly, noBodyId: true },
  { path: ['moderations', 'create'], kind: RESULT_KINDS.requestIdOnly },
  { path: ['images', 'generate'], kind: RESULT_KINDS.image },
  { path: ['images', 'edit'], kind: RESULT_KINDS.image },
  { path: ['images', 'createVariation'], kind: RESULT_KINDS.image },
  { path: ['audio', 'speech', 'create'], kind: RESULT_KINDS.withResponseHeaderId, binary: true },
];

/** Packages whose clients are other providers: their ids are never OpenAI ids. */
export const OTHER_PROVIDER_PACKAGES = [
  '@anthropic-ai/sdk',
  '@google/generative-ai',
  '@google/genai',
  '@google-cloud/vertexai',
  'groq-sdk',
  'together-ai',
  '@mistralai/mistralai',
  'cohere-ai',
  'replicate',
  '@ai-sdk/anthropic',
  '@ai-sdk/google',
  '@ai-sdk/google-vertex',
  '@ai-sdk/mistral',
  '@ai-sdk/groq',
  '@ai-sdk/cohere',
  '@ai-sdk/amazon-bedrock',
  '@ai-sdk/xai',
  '@ai-sdk/deepseek',
  '@openrouter/ai-sdk-provider',
];

/** AI SDK (`ai`) functions whose result or `onFinish` event carries `response` metadata. */
export const AI_SDK_FUNCTIONS = ['generateText', 'generateObject', 'streamText', 'streamObject'];
/** Of those, the ones whose result is a stream: its `response` settles when the stream ends. */
export const AI_SDK_STREAMING = new Set(['streamText', 'streamObject']);

/** The openai package's client classes (a client of another class is not taken for one). */
export const OPENAI_CLIENT_CLASSES = ['OpenAI', 'AzureOpenAI'];
