/**
 * The reconciliation fields, defined once. The codemod, the lint rule, the SQL migration, the zod schema and the
 * runtime tracker all read their field lists from here (a test checks that they agree).
 */

/** The three fields the codemod adds at every tracking call. */
export type ReconciliationFieldName = 'openai_request_id' | 'openai_created' | 'system_fingerprint';

/**
 * Optional call-site columns that make reconciliation's cost estimate exact: the model snapshot OpenAI answered with,
 * the cached part of the prompt, the service tier. Not among the three the codemod adds by default; a team adds them
 * when it wants them (the codemod only when asked). `recon-codemod sql` creates the columns either way.
 */
export type OptionalFieldName = 'openai_model' | 'cached_input_tokens' | 'service_tier';

/**
 * Calls served through an AI gateway (Vercel AI Gateway, OpenRouter, a configured proxy): which gateway, its id for
 * the generation, and the cost it reported. Written at a call site in place of the OpenAI fields (which are then
 * null): a gateway's id is never OpenAI's, and the reverse.
 */
export type GatewayFieldName = 'llm_gateway' | 'gateway_generation_id' | 'gateway_cost_usd';

/** Bookkeeping columns the reconciliation job fills in; never written at a call site. */
export type ReconciliationColumnName =
  | ReconciliationFieldName
  | OptionalFieldName
  | GatewayFieldName
  | 'actual_cost_cents'
  | 'reconciled_at'
  | 'reconciliation_status'
  | 'idempotency_key';

export interface ReconciliationColumn {
  name: ReconciliationColumnName;
  /** The TypeScript type of a present value (the column is always nullable). */
  tsType: 'string' | 'number';
  sqlType: 'TEXT' | 'BIGINT' | 'INTEGER' | 'TIMESTAMPTZ' | 'NUMERIC';
  nullable: true;
  description: string;
}

export interface ReconciliationField extends ReconciliationColumn {
  name: ReconciliationFieldName;
  /**
   * Unused: where each SDK keeps the value is the engine's result-kinds table (src/engine/result-kinds.ts), which the
   * codemod, the runtime extractor and the README's mapping table all read. Kept optional for older entries.
   */
  sources?: Readonly<Record<string, string>>;
}

/** An optional call-site column: like a ReconciliationField, but not added by default. */
export interface OptionalField extends ReconciliationColumn {
  name: OptionalFieldName;
  /** Unused, as ReconciliationField's: see src/engine/result-kinds.ts. */
  sources?: Readonly<Record<string, string>>;
}

// Kept `as const` so the TypeScript type of each field (its `tsType`) is known at compile time; the zod schema and the
// `TokenUsage` type derive from it instead of restating it.
const FIELD_DEFINITIONS = [
  {
    name: 'openai_request_id',
    tsType: 'string',
    sqlType: 'TEXT',
    nullable: true,
    description:
      "OpenAI's id for the request: the completion's body id (chatcmpl-…, resp_…) or, where the body has none, the x-request-id header (req_…).",
  },
  {
    name: 'openai_created',
    tsType: 'number',
    sqlType: 'BIGINT',
    nullable: true,
    description: 'When OpenAI created the completion, in unix seconds.',
  },
  {
    name: 'system_fingerprint',
    tsType: 'string',
    sqlType: 'TEXT',
    nullable: true,
    description: 'The backend configuration fingerprint OpenAI returned with a chat completion, when it returned one.',
  },
] as const satisfies readonly ReconciliationField[];

export const RECONCILIATION_FIELDS: readonly ReconciliationField[] = FIELD_DEFINITIONS;

// `as const` for the same reason as FIELD_DEFINITIONS: the zod schema derives each field's type from its `tsType`.
const OPTIONAL_FIELD_DEFINITIONS = [
  {
    name: 'openai_model',
    tsType: 'string',
    sqlType: 'TEXT',
    nullable: true,
    description:
      'The model snapshot OpenAI answered with (e.g. gpt-4o-mini-2024-07-18), as its usage reports name it; the requested model is model_used.',
  },
  {
    name: 'cached_input_tokens',
    tsType: 'number',
    sqlType: 'INTEGER',
    nullable: true,
    description:
      'The prompt tokens served from the prompt cache; already included in input_tokens (never add them again).',
  },
  {
    name: 'service_tier',
    tsType: 'string',
    sqlType: 'TEXT',
    nullable: true,
    description:
      'The service tier OpenAI processed the request with (default, flex, priority, scale); it changes the rate.',
  },
] as const satisfies readonly OptionalField[];

/** The optional columns (where each SDK keeps the value: src/engine/result-kinds.ts). */
export const OPTIONAL_FIELDS: readonly OptionalField[] = OPTIONAL_FIELD_DEFINITIONS;

export const OPTIONAL_FIELD_NAMES: readonly OptionalFieldName[] = OPTIONAL_FIELDS.map((f) => f.name);

/** The TypeScript type of a present value of optional field `K`. */
export type OptionalFieldValue<K extends OptionalFieldName> = Extract<
  (typeof OPTIONAL_FIELD_DEFINITIONS)[number],
  { name: K }
>['tsType'] extends 'number'
  ? number
  : string;

/** The TypeScript type of a present value of field `K`, read from that field's `tsType` above. */
export type ReconciliationFieldValue<K extends ReconciliationFieldName> = Extract<
  (typeof FIELD_DEFINITIONS)[number],
  { name: K }
>['tsType'] extends 'number'
  ? number
  : string;

export const RECONCILIATION_FIELD_NAMES: readonly ReconciliationFieldName[] = RECONCILIATION_FIELDS.map((f) => f.name);

/** A gateway column, with where each gateway keeps the value (docs/gateways.md has the sources). */
export interface GatewayField extends ReconciliationColumn {
  name: GatewayFieldName;
  sources: Readonly<Record<string, string>>;
}

// `as const` for the zod schema, like the others.
const GATEWAY_FIELD_DEFINITIONS = [
  {
    name: 'llm_gateway',
    tsType: 'string',
    sqlType: 'TEXT',
    nullable: true,
    description:
      "The gateway that served the call (vercel, openrouter, or a configured proxy's name); null when the app called the provider directly.",
    sources: {
      'openai client, baseURL https://openrouter.ai/api/v1': "'openrouter'",
      'ai sdk gateway() / createGateway() / provider/model string': "'vercel'",
    },
  },
  {
    name: 'gateway_generation_id',
    tsType: 'string',
    sqlType: 'TEXT',
    nullable: true,
    description:
      "The gateway's id for the generation (gen_… on the Vercel AI Gateway, gen-… on OpenRouter), which its generation lookup takes; never an OpenAI id.",
    sources: {
      'openai client via openrouter': 'completion.id',
      'ai sdk via the vercel ai gateway': 'result.providerMetadata?.gateway?.generationId',
    },
  },
  {
    name: 'gateway_cost_usd',
    tsType: 'number',
    sqlType: 'NUMERIC',
    nullable: true,
    description:
      'The cost the gateway reported for the generation, in USD (from the response when it carries one, else filled in by reconcile --gateway from the lookup).',
    sources: {
      'openrouter chat completion': 'completion.usage.cost (not in openai-node types)',
      'generation lookup': 'data.total_cost',
    },
  },
] as const satisfies readonly GatewayField[];

/** The gateway columns, with where each gateway keeps the value. */
export const GATEWAY_FIELDS: readonly GatewayField[] = GATEWAY_FIELD_DEFINITIONS;

export const GATEWAY_FIELD_NAMES: readonly GatewayFieldName[] = GATEWAY_FIELDS.map((f) => f.name);

/** The TypeScript type of a present value of gateway field `K`. */
export type GatewayFieldValue<K extends GatewayFieldName> = Extract<
  (typeof GATEWAY_FIELD_DEFINITIONS)[number],
  { name: K }
>['tsType'] extends 'number'
  ? number
  : string;

/** The gateways whose generations `reconcile --gateway` can look up (docs/gateways.md). */
export const KNOWN_GATEWAYS = ['vercel', 'openrouter'] as const;
export type KnownGateway = (typeof KNOWN_GATEWAYS)[number];

/** Each known gateway's documented API base: `reconcile --gateway` looks generations up under it. */
export const GATEWAY_API_BASES: Record<KnownGateway, string> = {
  vercel: 'https://ai-gateway.vercel.sh/v1',
  openrouter: 'https://openrouter.ai/api/v1',
};

/**
 * The gateways whose OpenAI-compatible API returns their own generation id as the completion's `id`: an OpenAI SDK
 * client built with that API base gets the gateway fields. The Vercel AI Gateway's OpenAI-compatible API documents no
 * such id, so a client pointed at it stays manual (its AI SDK provider carries the id in `providerMetadata`).
 */
export const GATEWAYS_WITH_CLIENT_IDS: readonly KnownGateway[] = ['openrouter'];

/** Ids OpenAI issues (chat completion, Responses API, x-request-id header): never a gateway's generation id. */
export const OPENAI_ID_PATTERN = /^(chatcmpl-|resp_|req_)/;
/** Generation ids of the two known gateways (Vercel AI Gateway `gen_<ulid>`, OpenRouter `gen-…`): never OpenAI's. */
export const GATEWAY_ID_PATTERN = /^gen[-_]/;

export const RECONCILIATION_STATUSES = ['pending', 'matched', 'discrepancy', 'not_applicable'] as const;
export type ReconciliationStatus = (typeof RECONCILIATION_STATUSES)[number];

export const RECONCILIATION_COLUMNS: readonly ReconciliationColumn[] = [
  ...RECONCILIATION_FIELDS,
  ...OPTIONAL_FIELDS,
  ...GATEWAY_FIELDS,
  {
    name: 'actual_cost_cents',
    tsType: 'number',
    sqlType: 'INTEGER',
    nullable: true,
    description:
      "The billed cost of this row set by reconciliation, in cents: an allocation of a bucket's dollars for OpenAI rows, the gateway's own figure for gateway rows.",
  },
  {
    name: 'reconciled_at',
    tsType: 'string',
    sqlType: 'TIMESTAMPTZ',
    nullable: true,
    description: 'When reconciliation last set actual_cost_cents and the status of this row.',
  },
  {
    name: 'reconciliation_status',
    tsType: 'string',
    sqlType: 'TEXT',
    nullable: true,
    description: `One of ${RECONCILIATION_STATUSES.join(', ')}; pending when the row has a request id (OpenAI's or a gateway's generation id), else not_applicable.`,
  },
  {
    name: 'idempotency_key',
    tsType: 'string',
    sqlType: 'TEXT',
    nullable: true,
    description:
      'Set once per tracking call by the tracker (unique): a retry or a dead-letter replay of the same call never stores a second row.',
  },
];
