import type { OptionalFieldName, ReconciliationFieldName } from '../schema/fields.js';

/*
 * Result kinds, as data: the one place that says which SDK results carry the reconciliation fields, and where.
 * Pure data (no TypeScript compiler, no fs): the engine, the runtime `extractReconciliationFields` and the README's
 * mapping table (scripts/result-kinds-table.mjs, checked by test/result-kinds.test.ts) all read this table.
 *
 * One entry of RESULT_KINDS:
 *   id, label          stable id for reports (`openai.chat.completion`), and a human label for reasons
 *   fields             per field: a FieldReader { path: 'usage?.prompt_tokens_details?.cached_tokens', convert?, cast?,
 *                      mayBeUndefined?, mayBeNull? } read from the result (the engine renders the access: see
 *                      renderRead), or null: the SDK returns no such value for this kind
 *   absent?            properties the result does not have though code often reads them (always undefined)
 *   recognise          how a value is known to be of this kind:
 *     methods?         client method paths after the client (`openai.chat.completions.create` → ['chat',
 *                      'completions', 'create']); matched on the callee's tail, longest path first (table order
 *                      never matters). Per method: noBodyId (the body has no `id`), binary (no body at all)
 *     streamFinals?    a stream helper's final result: `stream.finalChatCompletion()` after `….chat.completions.stream()`
 *     v3Methods?       openai v3 (`OpenAIApi`) methods, called on the client itself
 *     aiFunctions?     `ai` package functions whose result carries the kind (aiStreaming: of those, the streaming
 *                      ones; endCallbacks: the option callbacks whose event carries it)
 *     rest?            raw `fetch` URLs of the OpenAI REST API whose JSON body is this kind
 *     types?           the openai package's declared type names (`subpathOnly`: not when imported from `openai` itself)
 *     bodyObjects?     the body's `object` values at run time (`chat.completion`), for extractReconciliationFields
 *     byDataFlow?      for the README: how the engine's data flow recognises a kind no call names (a chunk, an error)
 *   stream?            how a stream carries it: `stream: true` on method path `on` yields chunks of `chunkKind`;
 *                      a `for await` loop that keeps them gives `capturedKind` (the AI SDK's: aiStreaming, endCallbacks)
 *   plainTextFormats?  `response_format` values that make the result a plain string (no id at all)
 *   refusal?           recognised, but carries no id: the call is manual with this reason
 *   bodyTypeEditable?  a fetch body cast to an inline type lacking the fields gets them added to that type
 *   noBase?            the paths are names the engine declares (a captured stream), read with no base
 *   majors             which SDK majors the mapping holds for (documentation; SdkMapping applies the exceptions)
 *   fixtures           fixtures/<name> that prove the entry (a test checks each exists)
 *
 * Adding a shape = one entry (or one method path on an existing entry) + its fixture.
 */

/** Where a field is read from a result: a property path, rendered by the engine (see renderRead). */
export interface FieldReader {
  /** The property path from the result (`id`, `data.id`, `usage?.prompt_tokens_details?.cached_tokens`). */
  path: string;
  /** The value needs converting: `unix-seconds-of-date` is `Math.floor(<Date>.getTime() / 1000)`. */
  convert?: 'unix-seconds-of-date';
  /** In TypeScript files, the object holding the last property is first cast to this type (the SDK's types lack it). */
  cast?: string;
  /** The SDK types the value as possibly undefined (optional in the response). */
  mayBeUndefined?: boolean;
  /** The SDK types the value as possibly null. */
  mayBeNull?: boolean;
}

export interface MethodPath {
  path: readonly string[];
  /** The body has no `id` at all (a value read from `.id` is always undefined). */
  noBodyId?: true;
  /** The result is binary (no body to read): only `.withResponse()` gives its request id. */
  binary?: true;
}

export interface Recognition {
  methods?: readonly MethodPath[];
  streamFinals?: readonly { final: string; path: readonly string[] }[];
  v3Methods?: readonly string[];
  aiFunctions?: readonly string[];
  aiStreaming?: readonly string[];
  endCallbacks?: readonly string[];
  rest?: readonly RegExp[];
  types?: readonly { name: string; subpathOnly?: true }[];
  bodyObjects?: readonly string[];
  /** Recognised by the engine's data flow, not by a call (a stream chunk, a caught error): how, for the README. */
  byDataFlow?: string;
}

export interface ResultKind {
  id: string;
  label: string;
  fields: Record<ReconciliationFieldName, FieldReader | null> & Partial<Record<OptionalFieldName, FieldReader | null>>;
  absent?: readonly string[];
  recognise?: Recognition;
  stream?: { on: readonly string[]; chunkKind: string; capturedKind?: string };
  plainTextFormats?: readonly string[];
  refusal?: string;
  /** A raw fetch's body cast to an inline type that lacks the fields: the engine adds them to that type. */
  bodyTypeEditable?: true;
  /** The paths are names of their own (the engine declares them), read with no base. */
  noBase?: true;
  majors?: { openai?: string; ai?: string };
  fixtures?: readonly string[];
}

const read = (path: string, flags: Omit<FieldReader, 'path'> = {}): FieldReader => ({ path, ...flags });
const requestIdProperty = read('_request_id', { mayBeUndefined: true, mayBeNull: true });
const NO_IDS = { openai_request_id: null, openai_created: null, system_fingerprint: null } as const;

export const RESULT_KINDS = {
  chatCompletion: {
    id: 'openai.chat.completion',
    label: 'OpenAI chat completion',
    fields: {
      openai_request_id: read('id'),
      openai_created: read('created'),
      system_fingerprint: read('system_fingerprint', { mayBeUndefined: true }),
      openai_model: read('model'),
      cached_input_tokens: read('usage?.prompt_tokens_details?.cached_tokens', { mayBeUndefined: true }),
      service_tier: read('service_tier', { mayBeUndefined: true, mayBeNull: true }),
    },
    recognise: {
      methods: [
        { path: ['chat', 'completions', 'create'] },
        { path: ['chat', 'completions', 'parse'] },
        { path: ['beta', 'chat', 'completions', 'parse'] },
      ],
      streamFinals: [{ final: 'finalChatCompletion', path: ['chat', 'completions', 'stream'] }],
      // api.openai.com/v1/chat/completions, and Azure's /openai/deployments/<name>/chat/completions.
      rest: [/\/chat\/completions\b/],
      types: [{ name: 'ChatCompletion' }, { name: 'ParsedChatCompletion' }],
      // A stream chunk carries the same values; at run time it is read like the completion.
      bodyObjects: ['chat.completion', 'chat.completion.chunk'],
    },
    stream: {
      on: ['chat', 'completions', 'create'],
      chunkKind: 'openai.chat.chunk',
      capturedKind: 'openai.chat.stream',
    },
    bodyTypeEditable: true,
    majors: { openai: '4–7' },
    fixtures: [
      'chat-completion',
      'chat-completions-stream-helper',
      'raw-fetch-openai-json',
      'parameter-typed-with-sdk-type',
    ],
  },
  /** One chunk of a chat stream: the same three values as the completion, on every chunk. */
  chatCompletionChunk: {
    id: 'openai.chat.chunk',
    label: 'OpenAI chat stream chunk',
    fields: {
      openai_request_id: read('id'),
      openai_created: read('created'),
      system_fingerprint: read('system_fingerprint', { mayBeUndefined: true }),
    },
    recognise: {
      byDataFlow:
        '`for await (const chunk of …)` over `chat.completions.create({ stream: true })`, the call in the loop',
    },
    majors: { openai: '4–7' },
    fixtures: ['openai-stream-tracked-on-usage-chunk'],
  },
  /**
   * A chat stream whose chunks a `for await` loop keeps: the engine declares these names before the loop and sets
   * them from each chunk (`openaiRequestId ??= chunk.id`); the paths are the names, read with no base.
   */
  chatStreamCaptured: {
    id: 'openai.chat.stream',
    label: 'OpenAI chat stream (values kept from its chunks)',
    fields: {
      openai_request_id: read('openaiRequestId', { mayBeUndefined: true }),
      openai_created: read('openaiCreated', { mayBeUndefined: true }),
      system_fingerprint: read('systemFingerprint', { mayBeUndefined: true }),
    },
    recognise: {
      byDataFlow: 'the same stream, the call after a loop that keeps chunk data (the capture is added to it)',
    },
    noBase: true,
    majors: { openai: '4–7' },
    fixtures: ['openai-stream-captured-in-loop', 'openai-stream-tracked-after-loop'],
  },
  /** The legacy completions API (`completions.create`, `object: 'text_completion'`): like a chat completion. */
  completion: {
    id: 'openai.completion',
    label: 'OpenAI legacy completion',
    fields: {
      openai_request_id: read('id'),
      openai_created: read('created'),
      system_fingerprint: read('system_fingerprint', { mayBeUndefined: true }),
      openai_model: read('model'),
      cached_input_tokens: read('usage?.prompt_tokens_details?.cached_tokens', { mayBeUndefined: true }),
      service_tier: null,
    },
    recognise: {
      methods: [{ path: ['completions', 'create'] }],
      rest: [/\/(v1|openai(\/deployments\/[^/]+)?)\/completions\b/],
      types: [{ name: 'Completion', subpathOnly: true }],
      bodyObjects: ['text_completion'],
    },
    majors: { openai: '4–7' },
    fixtures: ['openai-legacy-completion'],
  },
  response: {
    id: 'openai.responses',
    label: 'OpenAI Responses API response',
    fields: {
      openai_request_id: read('id'),
      openai_created: read('created_at'),
      system_fingerprint: null,
      openai_model: read('model'),
      cached_input_tokens: read('usage?.input_tokens_details.cached_tokens', { mayBeUndefined: true }),
      service_tier: read('service_tier', { mayBeUndefined: true, mayBeNull: true }),
    },
    absent: ['created', 'system_fingerprint'],
    recognise: {
      methods: [{ path: ['responses', 'create'] }, { path: ['responses', 'parse'] }],
      streamFinals: [{ final: 'finalResponse', path: ['responses', 'stream'] }],
      rest: [/\/(v1|openai)\/responses\b/],
      // `Response` imported from `openai` itself is not this type.
      types: [{ name: 'Response', subpathOnly: true }],
      bodyObjects: ['response'],
    },
    bodyTypeEditable: true,
    majors: { openai: '4.87–7' },
    fixtures: ['responses-api'],
  },
  requestIdOnly: {
    id: 'openai.request-id-only',
    label: 'OpenAI result with no id in its body (audio, embeddings, moderations)',
    fields: { openai_request_id: requestIdProperty, openai_created: null, system_fingerprint: null },
    // Moderations do carry a body `id` (modr-…); transcriptions, translations and embeddings do not.
    absent: ['created', 'system_fingerprint'],
    recognise: {
      methods: [
        { path: ['audio', 'transcriptions', 'create'], noBodyId: true },
        { path: ['audio', 'translations', 'create'], noBodyId: true },
        { path: ['embeddings', 'create'], noBodyId: true },
        { path: ['moderations', 'create'] },
      ],
    },
    plainTextFormats: ['text', 'srt', 'vtt'],
    majors: { openai: '4.62–7 (`_request_id`)' },
    fixtures: ['audio-transcription', 'embeddings', 'moderation'],
  },
  image: {
    id: 'openai.images',
    label: 'OpenAI images result',
    fields: { openai_request_id: requestIdProperty, openai_created: read('created'), system_fingerprint: null },
    absent: ['id', 'system_fingerprint'],
    recognise: {
      methods: [
        { path: ['images', 'generate'] },
        { path: ['images', 'edit'] },
        { path: ['images', 'createVariation'] },
      ],
    },
    majors: { openai: '4.62–7 (`_request_id`)' },
    fixtures: ['images-generate'],
  },
  /** `.withResponse()` of a kind whose body has no id: the `x-request-id` header as `request_id`. */
  withResponseHeaderId: {
    id: 'openai.with-response.request-id',
    label: 'OpenAI .withResponse() result (x-request-id header)',
    fields: {
      openai_request_id: read('request_id', { mayBeNull: true }),
      openai_created: null,
      system_fingerprint: null,
    },
    recognise: { methods: [{ path: ['audio', 'speech', 'create'], binary: true }] },
    majors: { openai: '4.66.1–7' },
    fixtures: ['with-response'],
  },
  /** The `response` metadata of an AI SDK result or `onFinish` event (ai v4+): id, timestamp (a Date), no fingerprint. */
  aiResponse: {
    id: 'ai.response',
    label: 'Vercel AI SDK response metadata',
    // The snapshot is `modelId`; cached tokens are on the result's `usage`, not here: not read.
    fields: {
      openai_request_id: read('id'),
      openai_created: read('timestamp', { convert: 'unix-seconds-of-date' }),
      system_fingerprint: null,
      openai_model: read('modelId'),
    },
    absent: ['created', 'system_fingerprint'],
    recognise: {
      aiFunctions: ['generateText', 'generateObject', 'streamText', 'streamObject'],
      // Their `response` is a Promise that settles when the stream ends.
      aiStreaming: ['streamText', 'streamObject'],
      // `onFinish` (ai 4+), `onEnd` (ai 7, which deprecates onFinish), and one step's `onStepFinish`.
      endCallbacks: ['onFinish', 'onEnd', 'onStepFinish'],
    },
    majors: { ai: '3.3.27–7 (`response`; ai 7: `finalStep.response`)' },
    fixtures: ['ai-sdk-generate-text', 'ai-sdk-stream-text-on-finish', 'generate-object', 'stream-object-on-finish'],
  },
  /** `embed` / `embedMany`: a request, but its result has no response id (only headers and body, when present). */
  aiEmbedding: {
    id: 'ai.embedding',
    label: 'Vercel AI SDK embedding result',
    fields: NO_IDS,
    recognise: { aiFunctions: ['embed', 'embedMany'] },
    refusal: 'carries no response id: record null, or the x-request-id of its raw response headers',
    majors: { ai: '3–7' },
    fixtures: ['ai-sdk-embed-and-generate-text-untied'],
  },
  /** An OpenAI `APIError` caught in a `catch`: the request failed, but its `x-request-id` is known. */
  apiError: {
    id: 'openai.api-error',
    label: 'OpenAI APIError (failed request)',
    fields: {
      openai_request_id: read('requestID', { mayBeUndefined: true, mayBeNull: true }),
      openai_created: null,
      system_fingerprint: null,
    },
    recognise: { byDataFlow: 'a `catch` variable narrowed by `instanceof OpenAI.APIError`' },
    majors: { openai: '4–7' },
    fixtures: ['catch-narrowed-api-error', 'catch-narrowed-by-guard'],
  },
  /** Another provider's result, tied to the call by its token usage: there is no OpenAI request to record. */
  notOpenAI: {
    id: 'not-openai',
    label: 'request to another provider (no OpenAI request)',
    fields: NO_IDS,
    recognise: { byDataFlow: "another provider's client, model, stream or fetch the call's token counts come from" },
    fixtures: ['anthropic-not-openai', 'js-tracker-other-provider-null'],
  },
  /**
   * A result served through a known gateway (docs/gateways.md): its id is the gateway's generation id, so the OpenAI
   * fields are null and `llm_gateway` / `gateway_generation_id` carry it (the engine's gateway read: `x.id` of an
   * OpenRouter or configured proxy's chat completion, `providerMetadata.gateway.generationId` of an AI SDK result with
   * a Vercel AI Gateway model).
   */
  gatewayChatCompletion: {
    id: 'gateway.chat.completion',
    label: "result through a gateway (its id is the gateway's generation id, not OpenAI's)",
    fields: NO_IDS,
    recognise: {
      byDataFlow:
        "`chat.completions.create` on a client whose baseURL is OpenRouter's or a configured gateway's (`gateway_generation_id: x.id`); AI SDK `generateText`/`generateObject` with a Vercel AI Gateway model (`gateway_generation_id`: `x.providerMetadata.gateway.generationId` when a string)",
    },
    fixtures: ['openrouter-client-gateway-fields', 'ai-sdk-vercel-gateway-generation-id'],
  },
  /** openai v3 (axios): the completion is under `.data`. */
  chatCompletionV3: {
    id: 'openai.v3.chat.completion',
    label: 'OpenAI v3 createChatCompletion response',
    fields: {
      openai_request_id: read('data.id'),
      openai_created: read('data.created'),
      // openai 3's CreateChatCompletionResponse type has no system_fingerprint, though the body carries it.
      system_fingerprint: read('data.system_fingerprint', {
        mayBeUndefined: true,
        cast: '{ system_fingerprint?: string }',
      }),
    },
    recognise: { v3Methods: ['createChatCompletion', 'createCompletion'] },
    majors: { openai: '3' },
    fixtures: ['openai-v3-create-chat-completion', 'openai-v3-create-completion-and-stream'],
  },
} satisfies Record<string, ResultKind>;

export const ALL_RESULT_KINDS: readonly ResultKind[] = Object.values(RESULT_KINDS);

/** The kind with this id. */
export function resultKindById(id: string): ResultKind | undefined {
  return ALL_RESULT_KINDS.find((k) => k.id === id);
}

/**
 * The expression reading `reader` from `base` (`completion` → `completion.id`); `optional`: the base may be undefined
 * at the call, so read it with optional chaining. An empty base reads the path as a name of its own.
 */
export function renderRead(reader: FieldReader, base: string, optional?: boolean): string {
  if (base === '') return reader.path;
  const dot = optional ? '?.' : '.';
  if (reader.convert === 'unix-seconds-of-date') {
    return optional
      ? `(${base}?.${reader.path} ? Math.floor(${base}.${reader.path}.getTime() / 1000) : undefined)`
      : `Math.floor(${base}.${reader.path}.getTime() / 1000)`;
  }
  if (reader.cast) {
    const at = reader.path.lastIndexOf('.');
    return `(${base}${dot}${reader.path.slice(0, at)} as ${reader.cast})${dot}${reader.path.slice(at + 1)}`;
  }
  return `${base}${dot}${reader.path}`;
}

/** A reader that is a plain property path (no conversion, no cast): its path, else undefined. */
export function plainPath(reader: FieldReader | null | undefined): string | undefined {
  return reader && !reader.convert && !reader.cast ? reader.path : undefined;
}

/** The kind without its TypeScript-only casts (for a plain JavaScript file). */
export function withoutCasts(kind: ResultKind): ResultKind {
  if (!Object.values(kind.fields).some((r) => r?.cast)) return kind;
  const fields = Object.fromEntries(Object.entries(kind.fields).map(([f, r]) => [f, r && { ...r, cast: undefined }]));
  return { ...kind, fields: fields as ResultKind['fields'] };
}

/** Every client method path with its kind, longest path first: a more specific path always wins, whatever the table order. */
export const CLIENT_METHODS: ReadonlyArray<MethodPath & { kind: ResultKind }> = ALL_RESULT_KINDS.flatMap((kind) =>
  (kind.recognise?.methods ?? []).map((m) => ({ ...m, kind })),
).sort((a, b) => b.path.length - a.path.length);

/** The kind whose client method path is the longest tail of `names` (`['openai', 'chat', 'completions', 'create']`). */
export function clientMethodOf(names: readonly string[]): (MethodPath & { kind: ResultKind }) | undefined {
  return CLIENT_METHODS.find(
    (m) => names.length >= m.path.length && m.path.every((p, i) => names[names.length - m.path.length + i] === p),
  );
}

/** Stream helpers' final results (`finalChatCompletion`), with their kinds. */
export const STREAM_FINALS: ReadonlyArray<{ final: string; path: readonly string[]; kind: ResultKind }> =
  ALL_RESULT_KINDS.flatMap((kind) => (kind.recognise?.streamFinals ?? []).map((s) => ({ ...s, kind })));

/** openai v3 client methods, with their kinds. */
export const V3_METHODS: ReadonlyMap<string, ResultKind> = new Map(
  ALL_RESULT_KINDS.flatMap((kind) => (kind.recognise?.v3Methods ?? []).map((m) => [m, kind] as const)),
);

/** `ai` functions with their kinds (a kind with a `refusal` is recognised but refused). */
export const AI_FUNCTIONS: ReadonlyMap<string, ResultKind> = new Map(
  ALL_RESULT_KINDS.flatMap((kind) => (kind.recognise?.aiFunctions ?? []).map((f) => [f, kind] as const)),
);

/** AI SDK (`ai`) functions whose result or `onFinish` event carries `response` metadata. */
export const AI_SDK_FUNCTIONS: readonly string[] = RESULT_KINDS.aiResponse.recognise.aiFunctions;
/** Of those, the ones whose result is a stream: its `response` settles when the stream ends. */
export const AI_SDK_STREAMING: ReadonlySet<string> = new Set(RESULT_KINDS.aiResponse.recognise.aiStreaming);
/** The callbacks whose event carries the final response. */
export const AI_END_CALLBACKS: readonly string[] = RESULT_KINDS.aiResponse.recognise.endCallbacks;

/** The OpenAI REST endpoint a raw `fetch` URL names, with the kind of its JSON body. */
export function restKindOf(url: string): ResultKind | undefined {
  // Most specific first: the longest pattern source stands for the most specific path.
  const candidates = ALL_RESULT_KINDS.flatMap((kind) =>
    (kind.recognise?.rest ?? []).filter((r) => r.test(url)).map((r) => ({ r, kind })),
  );
  return candidates.sort((a, b) => b.r.source.length - a.r.source.length)[0]?.kind;
}

/** The kind an openai package type names (`ChatCompletion` from `openai/resources/...`), if any. */
export function kindOfSdkType(ref: { name: string; module: string }): ResultKind | undefined {
  return ALL_RESULT_KINDS.find((kind) =>
    kind.recognise?.types?.some((t) => t.name === ref.name && !(t.subpathOnly && ref.module === 'openai')),
  );
}

/** The kind whose chunks a `stream: true` call of this client method path yields. */
export function streamOf(names: readonly string[]): { chunk: ResultKind; captured?: ResultKind } | undefined {
  for (const kind of ALL_RESULT_KINDS) {
    const on = kind.stream?.on;
    if (!on || names.length < on.length || !on.every((p, i) => names[names.length - on.length + i] === p)) continue;
    const chunk = resultKindById(kind.stream!.chunkKind);
    const captured = kind.stream!.capturedKind ? resultKindById(kind.stream!.capturedKind) : undefined;
    return chunk && { chunk, captured };
  }
  return undefined;
}

/** The kind of each chunk a `stream: true` call of this client method path yields. */
export function streamChunkKindOf(names: readonly string[]): ResultKind | undefined {
  return streamOf(names)?.chunk;
}

/** The kind of a parsed response body, by its `object` (`chat.completion`), at run time. */
export function kindOfBodyObject(object: unknown): ResultKind | undefined {
  return typeof object === 'string'
    ? ALL_RESULT_KINDS.find((kind) => kind.recognise?.bodyObjects?.includes(object))
    : undefined;
}
