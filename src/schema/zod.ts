// zod/v4: the same API in zod 4 and in zod 3.25+, so an app on either shares its copy (zod is an optional peer).
import { z } from 'zod/v4';
import {
  GATEWAY_ID_PATTERN,
  OPENAI_ID_PATTERN,
  OPTIONAL_FIELDS,
  RECONCILIATION_FIELDS,
  type OptionalFieldName,
  type OptionalFieldValue,
  type ReconciliationField,
  type ReconciliationFieldName,
  type ReconciliationFieldValue,
  type ReconciliationStatus,
  type GatewayFieldName,
  type GatewayFieldValue,
} from './fields.js';

// Anything above this is a millisecond timestamp (1e11 seconds is the year 5138; 1e11 ms is 1973).
const MAX_UNIX_SECONDS = 1e11;

const unixSecondsSchema = z
  .number({ error: 'openai_created must be a number of unix seconds' })
  .int({ error: 'openai_created must be an integer number of unix seconds' })
  .nonnegative({ error: 'openai_created must not be negative' })
  .refine((value) => value <= MAX_UNIX_SECONDS, {
    error: (issue) =>
      `openai_created must be unix seconds, got ${String(issue.input)} which looks like milliseconds (divide by 1000 and floor)`,
  });

type FieldSchema<K extends ReconciliationFieldName> = z.ZodOptional<
  z.ZodNullable<ReconciliationFieldValue<K> extends number ? z.ZodNumber : z.ZodString>
>;
type ReconciliationFieldsShape = { [K in ReconciliationFieldName]: FieldSchema<K> };

function fieldSchema(field: ReconciliationField): z.ZodNumber | z.ZodString {
  if (field.name === 'openai_created') return unixSecondsSchema;
  // A gateway's generation id in OpenAI's column would never match OpenAI's records and hide the gateway's.
  if (field.name === 'openai_request_id') {
    return z
      .string()
      .min(1, { error: `${field.name} must not be empty` })
      .refine((id) => !GATEWAY_ID_PATTERN.test(id), {
        error: (issue) =>
          `openai_request_id must be an OpenAI id, got ${String(issue.input)}, a gateway's generation id: pass it as gateway_generation_id (with llm_gateway) and openai_request_id: null`,
      });
  }
  return field.tsType === 'number' ? z.number() : z.string().min(1, { error: `${field.name} must not be empty` });
}

// Built from the field list so a field added there is validated here without a second edit.
const reconciliationFieldsShape = Object.fromEntries(
  RECONCILIATION_FIELDS.map((field) => [field.name, fieldSchema(field).nullable().optional()]),
) as ReconciliationFieldsShape;

type OptionalFieldsShape = {
  [K in OptionalFieldName]: z.ZodOptional<
    z.ZodNullable<OptionalFieldValue<K> extends number ? z.ZodNumber : z.ZodString>
  >;
};

const count = (name: string) =>
  z
    .number()
    .int({ error: `${name} must be an integer` })
    .nonnegative({ error: `${name} must not be negative` });

// The optional columns (openai_model, cached_input_tokens, service_tier): a number is a count, a string non-empty.
const optionalFieldsShape = Object.fromEntries(
  OPTIONAL_FIELDS.map((field) => [
    field.name,
    (field.tsType === 'number' ? count(field.name) : z.string().min(1, { error: `${field.name} must not be empty` }))
      .nullable()
      .optional(),
  ]),
) as OptionalFieldsShape;

type GatewayFieldsShape = {
  [K in GatewayFieldName]: z.ZodOptional<
    z.ZodNullable<GatewayFieldValue<K> extends number ? z.ZodNumber : z.ZodString>
  >;
};

// Which gateway served the call, its generation id (never an OpenAI id) and the cost it reported (USD, not cents).
const gatewayFieldsShape: GatewayFieldsShape = {
  llm_gateway: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_.-]*$/, {
      error: 'llm_gateway must be a lower-case gateway name (vercel, openrouter, litellm…)',
    })
    .nullable()
    .optional(),
  gateway_generation_id: z
    .string()
    .min(1, { error: 'gateway_generation_id must not be empty' })
    .refine((id) => !OPENAI_ID_PATTERN.test(id), {
      error: (issue) =>
        `gateway_generation_id must be the gateway's id, got ${String(issue.input)}, an OpenAI id: pass it as openai_request_id`,
    })
    .nullable()
    .optional(),
  gateway_cost_usd: z.number().nonnegative({ error: 'gateway_cost_usd must not be negative' }).nullable().optional(),
};

/**
 * One token-usage row as a tracking call passes it. Unknown keys are dropped (a route passing an extra property
 * still gets its row stored). `reconciliation_status`, `actual_cost_cents` and `reconciled_at` are not part of it:
 * the tracker derives the status, reconciliation fills in the rest.
 */
export const tokenUsageSchema = z
  .object({
    user_id: z.string().min(1).nullable().optional(),
    action_type: z.string().min(1),
    model_used: z.string().min(1),
    tokens_used: count('tokens_used'),
    input_tokens: count('input_tokens').nullable().optional(),
    output_tokens: count('output_tokens').nullable().optional(),
    /** The app's own estimate, in cents; fractional (a short call costs a fraction of a cent). */
    estimated_cost_cents: z.number().nonnegative().nullable().optional(),
    success: z.boolean().default(true),
    error_message: z.string().nullable().optional(),
    metadata: z.record(z.string(), z.unknown()).nullable().optional(),
    ...reconciliationFieldsShape,
    ...optionalFieldsShape,
    ...gatewayFieldsShape,
  })
  .refine((row) => !row.gateway_generation_id || row.llm_gateway, {
    error:
      'gateway_generation_id needs llm_gateway (which gateway issued it: vercel, openrouter…), or reconcile cannot look it up',
    path: ['llm_gateway'],
  });

/** What a tracking call passes (`success` may be omitted: it defaults to true). */
export type TokenUsage = z.input<typeof tokenUsageSchema>;

/** A validated row as the tracker stores it. */
export type TokenUsageRow = z.output<typeof tokenUsageSchema> & { reconciliation_status: ReconciliationStatus };

/** The three reconciliation fields with `null` where the SDK result has no value. */
export type ReconciliationFieldValues = { [K in ReconciliationFieldName]: ReconciliationFieldValue<K> | null };

/** The gateway columns with `null` where the result has no value (or did not come through a gateway). */
export type GatewayFieldValues = { [K in GatewayFieldName]: GatewayFieldValue<K> | null };

/** The optional columns with `null` where the SDK result has no value. */
export type OptionalFieldValues = { [K in OptionalFieldName]: OptionalFieldValue<K> | null };
