/**
 * `recon/require-reconciliation-fields`: every tracking call passes `openai_request_id`, `openai_created` and
 * `system_fingerprint`.
 *
 * The rule is a thin reporter over the codemod's engine: it asks the engine's entry point (`addReconciliationFields`,
 * the schema step included) for the file's plan and reports each call whose plan is not `complete`. The suggestion is
 * the plan's own edits, so the quick fix an editor offers is, byte for byte, the edit `recon-codemod --write` makes;
 * when that edit also needs the schema step in another file (the tracker's parameter type, its insert row), which a
 * suggestion cannot edit, there is no suggestion and the message names those files. There is no second
 * implementation of "which calls" or "what is missing" here, which is what lets the tests prove the rule and the
 * codemod agree on every fixture.
 */
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { activeFields, DEFAULT_CONFIG, resolveConfig, type ReconConfig } from '../../src/config.js';
import {
  addReconciliationFields,
  isReportedByLint,
  originalOffset,
  schemaTarget,
  standaloneEdit,
  type CallPlan,
  type FilePlan,
  type ProjectHost,
  type TransformResult,
} from '../../src/engine/index.js';
import { createNodeHost, toPosix } from '../../src/node-host.js';
import { requireOptional } from '../../src/optional.js';
import {
  OPTIONAL_FIELD_NAMES,
  RECONCILIATION_FIELD_NAMES,
  type OptionalFieldName,
  type ReconciliationFieldName,
} from '../../src/schema/fields.js';

// Optional peer dependencies of the plugin (the codemod alone needs neither): missing, they are asked for in one line.
const { ESLintUtils } = requireOptional<typeof import('@typescript-eslint/utils')>(
  '@typescript-eslint/utils',
  'recon-codemod/eslint-plugin',
  {
    also: ['@typescript-eslint/parser'],
  },
);

export const RULE_NAME = 'require-reconciliation-fields';

/** Where each rule's documentation lives: in the repository, beside the rule. */
export const docsUrl = (name: string): string =>
  `https://github.com/recon-codemod/recon-codemod/blob/main/eslint-plugin/docs/rules/${name}.md`;

const createRule = ESLintUtils.RuleCreator(docsUrl);

/** The rule's options: the part of the codemod's config that decides what a tracking call is and what it must pass. */
export interface RuleOptions {
  /** Names of the tracking function (default `['trackTokenUsage']`). */
  callees?: string[];
  /** Module specifiers (or suffixes) the tracker is imported from; empty: any module (default `[]`). */
  trackingModules?: string[];
  /** The property names written at the call, per canonical field (default: the canonical names). */
  fieldNames?: Partial<Record<ReconciliationFieldName, string>>;
  /** Optional columns a complete call must also pass (`openai_model`, `cached_input_tokens`, `service_tier`; default none). */
  optionalFields?: OptionalFieldName[];
  /** Self-hosted gateways whose chat completion id is their generation id (`[{ name: 'litellm', baseURL }]`; default none). */
  gateways?: Array<{ name: string; baseURL: string }>;
}

export type Options = [RuleOptions];
export type MessageIds =
  | 'missingFields'
  | 'missingFieldsTrackerElsewhere'
  | 'manual'
  | 'suggestAdd'
  | 'suggestAddWithTracker'
  | 'suspectValue'
  | 'suggestReplace';

const identifier = { type: 'string', pattern: '^[A-Za-z_$][\\w$]*$' } as const;

/** How long a project's host (its cached reads of the tracker module, wrappers, tsconfig aliases) is reused. */
export const HOST_TTL_MS = 10_000;

interface CachedHost {
  host: ProjectHost;
  created: number;
}

const hostsByRoot = new Map<string, CachedHost>();
const rootByDirectory = new Map<string, string>();

/** The project a file belongs to: the nearest directory with a tsconfig.json or package.json (else the file's own). */
export function projectRootOf(directory: string): string {
  const visited: string[] = [];
  let root: string | undefined;
  for (let dir = directory; ; dir = dirname(dir)) {
    const known = rootByDirectory.get(dir);
    if (known !== undefined) {
      root = known;
      break;
    }
    visited.push(dir);
    if (existsSync(join(dir, 'tsconfig.json')) || existsSync(join(dir, 'package.json'))) {
      root = dir;
      break;
    }
    if (dirname(dir) === dir) break;
  }
  root ??= directory;
  for (const dir of visited) rootByDirectory.set(dir, root);
  return root;
}

/**
 * One disk host per project, shared by every file of a lint run, so the tracker's module is read and parsed once per
 * run rather than once per file. Hosts expire after {@link HOST_TTL_MS} so a long-lived editor session sees edits to
 * the tracker's type (which decides `null` vs `undefined` in a suggestion).
 */
export function hostFor(filePath: string, now = Date.now()): ProjectHost {
  const root = projectRootOf(dirname(filePath));
  const cached = hostsByRoot.get(root);
  if (cached && now - cached.created < HOST_TTL_MS) return cached.host;
  const host = createNodeHost(root);
  hostsByRoot.set(root, { host, created: now });
  return host;
}

/** Forget every cached host and project root (tests; a watcher that knows files moved). */
export function clearHostCache(): void {
  hostsByRoot.clear();
  rootByDirectory.clear();
}

/** Resolved configs by the options object ESLint hands every file of one configuration. */
const configByOptions = new WeakMap<object, ReconConfig>();

function configFor(options: RuleOptions): ReconConfig {
  const cached = configByOptions.get(options);
  if (cached) return cached;
  const { callees, trackingModules, fieldNames, optionalFields, gateways } = options;
  const config = resolveConfig(
    { callees, trackingModules, fieldNames, optionalFields, ...(gateways ? { gateways } : {}) },
    `recon/${RULE_NAME} options`,
  );
  configByOptions.set(options, config);
  return config;
}

function fieldList(call: CallPlan, config: ReconConfig): string {
  const props = new Map(activeFields(config).map((f) => [f.field, f.prop]));
  return call.missing.map((field) => `\`${props.get(field) ?? field}\``).join(', ');
}

/** The other files the schema step edits for a call, each named relative to the working directory when inside it. */
function trackerElsewhere(result: TransformResult, paths: string[], cwd: string): string {
  return paths
    .map((path) => {
      const shown = toPosix(relative(cwd, path));
      return schemaTarget(
        result,
        path,
        dirname(cwd) === cwd || shown.startsWith('../') || isAbsolute(shown) ? path : shown,
      );
    })
    .join(' and ');
}

export const rule = createRule<Options, MessageIds>({
  name: RULE_NAME,
  meta: {
    type: 'problem',
    docs: {
      description:
        'Require the OpenAI reconciliation fields (openai_request_id, openai_created, system_fingerprint) at every token-usage tracking call',
    },
    hasSuggestions: true,
    messages: {
      missingFields:
        '`{{callee}}` does not pass {{fields}}. Their source here is `{{source}}`; the suggestion adds what is missing, as `recon-codemod --write` would.',
      missingFieldsTrackerElsewhere:
        "`{{callee}}` does not pass {{fields}}. Their source here is `{{source}}`, but {{tracker}} must take them first: `recon-codemod --write` changes both. No suggestion: this file's edit alone would not compile, or the tracker would drop the fields.",
      manual: '`{{callee}}` does not pass {{fields}}, and recon-codemod leaves this call to you. {{reason}}.',
      suggestAdd: 'Add {{fields}} (source: `{{source}}`).',
      suggestAddWithTracker:
        'Add {{fields}} (source: `{{source}}`), and add them to {{tracker}}, which must take them first.',
      suspectValue: '`{{callee}}` passes a wrong value: {{reason}}.',
      suggestReplace: 'Replace {{values}}, as `recon-codemod --write --fix-suspect` would.',
    },
    schema: [
      {
        type: 'object',
        additionalProperties: false,
        properties: {
          callees: {
            type: 'array',
            items: identifier,
            minItems: 1,
            uniqueItems: true,
            description: 'Names of the tracking function.',
          },
          trackingModules: {
            type: 'array',
            items: { type: 'string', minLength: 1 },
            uniqueItems: true,
            description:
              'Module specifiers (or suffixes, e.g. `lib/tokens/tracking`) the tracker is imported from; empty: any.',
          },
          fieldNames: {
            type: 'object',
            additionalProperties: false,
            properties: Object.fromEntries(RECONCILIATION_FIELD_NAMES.map((name) => [name, identifier])),
            description: 'The property names written at the call, per canonical field.',
          },
          optionalFields: {
            type: 'array',
            items: { type: 'string', enum: [...OPTIONAL_FIELD_NAMES] },
            uniqueItems: true,
            description: 'Optional columns a complete call must also pass (never by default).',
          },
          gateways: {
            type: 'array',
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['name', 'baseURL'],
              properties: {
                name: { type: 'string', pattern: '^[a-z0-9][a-z0-9_.-]*$' },
                baseURL: { type: 'string', pattern: '^https?://' },
              },
            },
            description:
              'OpenAI-compatible gateways (a LiteLLM proxy) whose chat completion id is their generation id, by base URL.',
          },
        },
      },
    ],
    defaultOptions: [
      {
        callees: [...DEFAULT_CONFIG.callees],
        trackingModules: [...DEFAULT_CONFIG.trackingModules],
        fieldNames: { ...DEFAULT_CONFIG.fieldNames },
        optionalFields: [...DEFAULT_CONFIG.optionalFields],
      },
    ],
  },
  create(context, [options]) {
    const text = context.sourceCode.text;
    // The bail-out: a file that never mentions a callee name has no tracking call. No parse, no disk, no host.
    const callees = options.callees ?? DEFAULT_CONFIG.callees;
    if (!callees.some((callee) => text.includes(callee))) return {};

    return {
      Program() {
        const config = configFor(options);
        const filename = isAbsolute(context.filename) ? context.filename : resolve(context.cwd, context.filename);
        const path = toPosix(filename);
        const host = hostFor(filename);
        let result: TransformResult;
        try {
          // The codemod's own run over this one file, schema step included: the plan `recon-codemod --write` makes.
          result = addReconciliationFields([{ path, text }], {
            config,
            readFile: host.readFile,
            pathAliases: host.pathAliases,
            exactOptionalPropertyTypes: host.exactOptionalPropertyTypes,
          });
        } catch {
          // One file never stops the lint run: a file this rule cannot analyse gets no report (the CLI reports it).
          return;
        }
        const plan: FilePlan = result.files[0];
        // Where the schema step edits this file, the calls were planned in its edited text: offsets of the text as it is.
        const schemaEdits = result.schemaEdits.get(path) ?? [];
        // A file the engine cannot parse or analyse has no calls in its plan; ESLint's parser reports its own syntax errors.
        for (const call of plan.calls) {
          // Documented exceptions: a spread the engine cannot see into, a manual call with a `// recon-codemod:` comment.
          if (!isReportedByLint(call)) continue;
          const at = (offset: number) => context.sourceCode.getLocFromIndex(originalOffset(offset, schemaEdits));
          const loc = { start: at(call.start), end: at(call.end) };
          const fields = fieldList(call, config);
          const { edits, elsewhere } = standaloneEdit(result, path, call);
          if (call.status === 'manual' && call.reasonCode === 'suspect-value') {
            // The right values, as a suggestion, only when every one is certain.
            const fix = call.suspectFix ? edits : undefined;
            const values = (call.suspect ?? []).map((v) => `\`${v.prop}: ${v.value}\` by \`${v.expected}\``).join(', ');
            context.report({
              loc,
              messageId: 'suspectValue',
              data: { callee: call.callee, reason: (call.reason ?? 'the engine gave no reason').replace(/\.$/, '') },
              suggest: fix
                ? [
                    {
                      messageId: 'suggestReplace',
                      data: { values },
                      fix: (fixer) => fix.map((edit) => fixer.replaceTextRange([edit.start, edit.end], edit.text)),
                    },
                  ]
                : [],
            });
            continue;
          }
          if (call.status === 'manual') {
            context.report({
              loc,
              messageId: 'manual',
              data: {
                callee: call.callee,
                fields,
                reason: (call.reason ?? 'the engine gave no reason').replace(/\.$/, ''),
              },
            });
            continue;
          }
          const source = call.source ?? 'the result in scope';
          if (elsewhere.length) {
            // The codemod edits the tracker's type (or row) in another file as well; a suggestion cannot, and this
            // file's edit without it is no fix: the message names what `--write` also changes, and nothing is offered.
            context.report({
              loc,
              messageId: 'missingFieldsTrackerElsewhere',
              data: { callee: call.callee, fields, source, tracker: trackerElsewhere(result, elsewhere, context.cwd) },
            });
            continue;
          }
          context.report({
            loc,
            messageId: 'missingFields',
            data: { callee: call.callee, fields, source },
            // Suggestions only, never a fix: a wrong id silently auto-applied would corrupt reconciliation.
            // With the schema step's edits of this same file when the call needs them (its tracker's type or row is here).
            suggest: [
              {
                ...(call.schemaFiles?.length
                  ? {
                      messageId: 'suggestAddWithTracker' as const,
                      data: { fields, source, tracker: schemaTarget(result, path, 'this file') },
                    }
                  : { messageId: 'suggestAdd' as const, data: { fields, source } }),
                fix: (fixer) => edits.map((edit) => fixer.replaceTextRange([edit.start, edit.end], edit.text)),
              },
            ],
          });
        }
      },
    };
  },
});

export default rule;
