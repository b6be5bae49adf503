import { describe, expect, expectTypeOf, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../src/config.js';
import {
  GATEWAY_FIELD_NAMES,
  OPTIONAL_FIELD_NAMES,
  RECONCILIATION_COLUMNS,
  RECONCILIATION_FIELD_NAMES,
  RECONCILIATION_FIELDS,
} from '../../src/schema/fields.js';
import { createTableSql, migrationSql } from '../../src/schema/sql.js';
import { tokenUsageSchema, type ReconciliationFieldValues, type TokenUsage } from '../../src/schema/zod.js';
import { extractReconciliationFields } from '../../src/tracking/extract.js';

const columnNames = RECONCILIATION_COLUMNS.map((c) => c.name);

describe('every field list agrees with RECONCILIATION_FIELDS', () => {
  it('the config the codemod and the lint rule read', () => {
    expect(Object.keys(DEFAULT_CONFIG.fieldNames)).toEqual(RECONCILIATION_FIELD_NAMES);
  });

  it('the zod schema: the three fields, with the TypeScript type each declares', () => {
    const schemaKeys = Object.keys(tokenUsageSchema.shape);
    expect(schemaKeys.filter((key) => columnNames.includes(key as never))).toEqual([
      ...RECONCILIATION_FIELD_NAMES,
      ...OPTIONAL_FIELD_NAMES,
      ...GATEWAY_FIELD_NAMES,
    ]);
    const sample = { string: 'chatcmpl-1', number: 1731763938 };
    const base = { action_type: 'a', model_used: 'm', tokens_used: 1 };
    for (const field of RECONCILIATION_FIELDS) {
      const other = field.tsType === 'string' ? sample.number : sample.string;
      expect(tokenUsageSchema.safeParse({ ...base, [field.name]: sample[field.tsType] }).success, field.name).toBe(
        true,
      );
      expect(tokenUsageSchema.safeParse({ ...base, [field.name]: other }).success, field.name).toBe(false);
      expect(tokenUsageSchema.safeParse({ ...base, [field.name]: null }).success, field.name).toBe(true);
    }
  });

  it('the TypeScript types', () => {
    expectTypeOf<Pick<TokenUsage, 'openai_request_id' | 'openai_created' | 'system_fingerprint'>>().toEqualTypeOf<{
      openai_request_id?: string | null | undefined;
      openai_created?: number | null | undefined;
      system_fingerprint?: string | null | undefined;
    }>();
    expectTypeOf<keyof ReconciliationFieldValues>().toEqualTypeOf<(typeof RECONCILIATION_FIELD_NAMES)[number]>();
  });

  it('the runtime extractor', () => {
    expect(Object.keys(extractReconciliationFields(undefined))).toEqual(RECONCILIATION_FIELD_NAMES);
  });

  it('the SQL: each column, with its SQL type, in the migration and the CREATE TABLE', () => {
    const added = [...migrationSql().matchAll(/ADD COLUMN IF NOT EXISTS (\w+) (\w+)/g)].map(([, name, type]) => [
      name,
      type,
    ]);
    expect(added).toEqual(RECONCILIATION_COLUMNS.map((c) => [c.name, c.sqlType]));
    for (const column of RECONCILIATION_COLUMNS) {
      expect(createTableSql()).toContain(`\n  ${column.name} ${column.sqlType}`);
    }
  });
});
