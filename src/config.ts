import {
  OPTIONAL_FIELDS,
  OPTIONAL_FIELD_NAMES,
  RECONCILIATION_FIELDS,
  RECONCILIATION_FIELD_NAMES,
  type OptionalFieldName,
  type ReconciliationFieldName,
} from './schema/fields.js';

/**
 * What the codemod and the lint rule both read: which calls are tracking calls and what the fields are called.
 * One definition, so the rule and the codemod can never disagree on what "complete" means.
 */
export interface ReconConfig {
  /** Names of the tracking function, as exported by the tracking module or defined in the file. */
  callees: string[];
  /**
   * Module specifiers (or suffixes of them, e.g. `lib/tokens/tracking`) the tracker is imported from.
   * Empty: an import of a callee name from any module counts.
   */
  trackingModules: string[];
  /** The property names written at the call, keyed by the canonical field name. */
  fieldNames: Record<ReconciliationFieldName, string>;
  /** Globs of files never analysed (tests of the tracker itself). */
  exclude: string[];
  /**
   * Optional columns to add at call sites too (`openai_model`, `cached_input_tokens`, `service_tier`, which make
   * `reconcile`'s cost estimate exact). Never by default.
   */
  optionalFields: OptionalFieldName[];
  /**
   * OpenAI-compatible gateways (a self-hosted proxy…) whose chat completion body `id` is their own generation
   * id: a client with this `baseURL` gets `llm_gateway: name` and `gateway_generation_id` from the result, and null
   * for the OpenAI fields. OpenRouter is known without it; any other base URL stays manual.
   */
  gateways?: Array<{ name: string; baseURL: string }>;
}

/** A field written at call sites: one of the three, or an optional column the config asks for. */
export type CallSiteField = ReconciliationFieldName | OptionalFieldName;

/** The fields a complete call carries under this config, in order, with the property name written and its type. */
export function activeFields(
  config: ReconConfig,
): Array<{ field: CallSiteField; prop: string; tsType: 'string' | 'number' }> {
  return [
    ...RECONCILIATION_FIELDS.map((f) => ({
      field: f.name as CallSiteField,
      prop: config.fieldNames[f.name],
      tsType: f.tsType,
    })),
    ...OPTIONAL_FIELDS.filter((f) => config.optionalFields.includes(f.name)).map((f) => ({
      field: f.name as CallSiteField,
      prop: f.name as string,
      tsType: f.tsType,
    })),
  ];
}

export const DEFAULT_CONFIG: ReconConfig = {
  callees: ['trackTokenUsage'],
  trackingModules: [],
  fieldNames: Object.fromEntries(RECONCILIATION_FIELD_NAMES.map((n) => [n, n])) as Record<
    ReconciliationFieldName,
    string
  >,
  exclude: ['**/*.test.*', '**/*.spec.*', '**/__tests__/**'],
  optionalFields: [],
};

/** Merge a partial user config over the defaults, validating the shape; throws an Error naming the bad key. */
export function resolveConfig(partial: unknown, origin = 'config'): ReconConfig {
  if (partial === undefined || partial === null) return structuredClone(DEFAULT_CONFIG);
  if (typeof partial !== 'object' || Array.isArray(partial)) throw new Error(`${origin}: expected an object`);
  const input = partial as Record<string, unknown>;
  const known = new Set(['callees', 'trackingModules', 'fieldNames', 'exclude', 'optionalFields', 'gateways']);
  for (const key of Object.keys(input)) {
    if (!known.has(key)) throw new Error(`${origin}: unknown key "${key}" (known: ${[...known].join(', ')})`);
  }
  const stringArray = (key: string): string[] | undefined => {
    const value = input[key];
    if (value === undefined) return undefined;
    if (!Array.isArray(value) || !value.every((v) => typeof v === 'string' && v.length > 0)) {
      throw new Error(`${origin}: "${key}" must be an array of non-empty strings`);
    }
    return value as string[];
  };
  const config = structuredClone(DEFAULT_CONFIG);
  config.callees = stringArray('callees') ?? config.callees;
  if (config.callees.length === 0) throw new Error(`${origin}: "callees" must name at least one function`);
  config.trackingModules = stringArray('trackingModules') ?? config.trackingModules;
  config.exclude = stringArray('exclude') ?? config.exclude;
  const optional = stringArray('optionalFields') ?? config.optionalFields;
  for (const name of optional) {
    if (!(OPTIONAL_FIELD_NAMES as readonly string[]).includes(name)) {
      throw new Error(`${origin}: optionalFields: unknown field "${name}" (known: ${OPTIONAL_FIELD_NAMES.join(', ')})`);
    }
  }
  config.optionalFields = optional as OptionalFieldName[];
  if (input.gateways !== undefined) {
    const gateways = input.gateways;
    const valid =
      Array.isArray(gateways) &&
      gateways.every(
        (g) =>
          typeof g === 'object' &&
          g !== null &&
          typeof g.name === 'string' &&
          /^[a-z0-9][a-z0-9_.-]*$/.test(g.name) &&
          typeof g.baseURL === 'string' &&
          /^https?:\/\//.test(g.baseURL),
      );
    if (!valid)
      throw new Error(
        `${origin}: "gateways" must be an array of { "name": "acme-proxy", "baseURL": "https://…" } (lower-case name, http(s) URL)`,
      );
    config.gateways = (gateways as Array<{ name: string; baseURL: string }>).map(({ name, baseURL }) => ({
      name,
      baseURL,
    }));
  }
  if (input.fieldNames !== undefined) {
    const names = input.fieldNames;
    if (typeof names !== 'object' || names === null || Array.isArray(names)) {
      throw new Error(`${origin}: "fieldNames" must be an object`);
    }
    for (const [key, value] of Object.entries(names)) {
      if (!(RECONCILIATION_FIELD_NAMES as readonly string[]).includes(key)) {
        throw new Error(
          `${origin}: fieldNames: unknown field "${key}" (known: ${RECONCILIATION_FIELD_NAMES.join(', ')})`,
        );
      }
      if (typeof value !== 'string' || !/^[A-Za-z_$][\w$]*$/.test(value)) {
        throw new Error(`${origin}: fieldNames.${key} must be an identifier`);
      }
      config.fieldNames[key as ReconciliationFieldName] = value;
    }
  }
  return config;
}
