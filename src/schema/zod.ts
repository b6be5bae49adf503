import { z } from 'zod';
import {
  OPTIONAL_FIELDS,
  RECONCILIATION_FIELDS,
  type OptionalFieldName,
  type OptionalFieldValue,
  type ReconciliationField,
  type ReconciliationFieldName,
  type ReconciliationFieldValue,
  type ReconciliationStatus,
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
  return field.tsType === 'number' ? z.number() : z.string().min(1, { error: `${field.name} must not be empty` });
}

// Built from the field list so a field added there is validated here without a second edit.
const reconciliationFieldsShape = Object.fromEntries(
  RECONCILIATION_FIELDS.map((field) => [field.name, fieldSchema(field).nullable().optional()]),
) as ReconciliationFieldsShape;

type OptionalFieldsShape = {
  [K in OptionalFieldName]: z.ZodOptional<z.ZodNullable<OptionalFieldValue<K> extends number ? z.ZodNumber : z.ZodString>>;
};

const count = (name: string) =>
  z.number().int({ error: `${name} must be an integer` }).nonnegative({ error: `${name} must not be negative` });

// The optional columns (openai_model, cached_input_tokens, service_tier): a number is a count, a string non-empty.
const optionalFieldsShape = Object.fromEntries(
  OPTIONAL_FIELDS.map((field) => [
    field.name,
    (field.tsType === 'number' ? count(field.name) : z.string().min(1, { error: `${field.name} must not be empty` }))
      .nullable()
      .optional(),
  ]),
) as OptionalFieldsShape;

/**
 * One token-usage row as a tracking call passes it. Unknown keys are dropped (a route passing an extra property
 * still gets its row stored). `reconciliation_status`, `actual_cost_cents` and `reconciled_at` are not part of it:
 * the tracker derives the status, reconciliation fills in the rest.
 */
export const tokenUsageSchema = z.object({
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
});

/** What a tracking call passes (`success` may be omitted: it defaults to true). */
export type TokenUsage = z.input<typeof tokenUsageSchema>;

/** A validated row as the tracker stores it. */
export type TokenUsageRow = z.output<typeof tokenUsageSchema> & { reconciliation_status: ReconciliationStatus };

/** The three reconciliation fields with `null` where the SDK result has no value. */
export type ReconciliationFieldValues = { [K in ReconciliationFieldName]: ReconciliationFieldValue<K> | null };

/** The optional columns with `null` where the SDK result has no value. */
export type OptionalFieldValues = { [K in OptionalFieldName]: OptionalFieldValue<K> | null };
