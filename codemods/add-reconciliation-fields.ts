/**
 * The codemod as an importable module: candidate files in, plan and new texts out. Touches no disk; the CLI, the
 * jscodeshift adapter and tests all call this.
 */
import { DEFAULT_CONFIG, type ReconConfig } from '../src/config.js';
import { analyzeFile } from '../src/engine/analyze.js';
import type { ProjectHost } from '../src/engine/host.js';
import { applyEdits, checkParses } from '../src/engine/edits.js';
import { planSchemaStep, type SchemaChange } from '../src/engine/schema-step.js';
import type { FilePlan, TextEdit } from '../src/engine/types.js';

export interface SourceInput {
  /** Absolute, `/`-separated path. */
  path: string;
  text: string;
}

export interface TransformOptions {
  config?: ReconConfig;
  /**
   * How to read files that are not among the inputs (the tracker's module, a wrapper's types). Defaults to the
   * inputs only. The inputs themselves are always served from `files`, so a plan never mixes old and new text.
   */
  readFile?: (path: string) => string | undefined;
  pathAliases?: ProjectHost['pathAliases'];
  /** Insert a `// recon-codemod: <reason>` comment above each manual call (the lint rule then accepts it). */
  todo?: boolean;
  /** Replace suspect values (calls reported `suspect-value`) where the right value is certain (default: false). */
  fixSuspect?: boolean;
  /** Add the fields to the tracker's parameter type and insert row when they lack them (default: true). */
  schemaStep?: boolean;
  /** Called after each file, for progress reporting. */
  onFile?: (plan: FilePlan, index: number, total: number) => void;
}

export interface TransformResult {
  files: FilePlan[];
  /**
   * The schema step's edits, by path, in offsets of the original text. In a file they apply to, the calls' edits are
   * offsets of the text with these applied (a type check at the CLI's edge uses this to re-apply a subset).
   */
  schemaEdits: Map<string, TextEdit[]>;
}

export function addReconciliationFields(files: readonly SourceInput[], options: TransformOptions = {}): TransformResult {
  const config = options.config ?? DEFAULT_CONFIG;
  const byPath = new Map(files.map((f) => [f.path, f.text]));
  const original = (path: string) => byPath.get(path) ?? options.readFile?.(path);
  // One host for both steps, so each file is parsed once; it serves the schema step's edits once they exist.
  const schemaTexts = new Map<string, string>();
  const host: ProjectHost = { readFile: (path) => schemaTexts.get(path) ?? original(path), pathAliases: options.pathAliases };

  // The schema step first: call sites are then planned against the tracker's type as it will be.
  const schema = options.schemaStep === false ? new Map<string, SchemaChange>() : planSchemaStep(files, config, host);
  const schemaErrors = new Map<string, string>();
  const schemaEdits = new Map<string, TextEdit[]>();
  for (const [path, change] of schema) {
    const text = original(path);
    if (text === undefined || change.edits.length === 0) continue;
    const edited = applyEdits(text, change.edits);
    const errors = checkParses(path, edited);
    if (errors.length) schemaErrors.set(path, `the schema step's edit would not parse (${errors[0]}); nothing written`);
    else {
      schemaTexts.set(path, edited);
      schemaEdits.set(path, change.edits);
    }
  }
  const plans = files.map((file, index) => {
    const schemaText = schemaTexts.get(file.path);
    let plan = analyzeFile(schemaText === undefined ? file : { path: file.path, text: schemaText }, config, host, { todo: options.todo, fixSuspect: options.fixSuspect });
    plan = withSchema(plan, schema.get(file.path), schemaText, schemaErrors.get(file.path));
    options.onFile?.(plan, index, files.length);
    return plan;
  });
  // Types or trackers outside the inputs (excluded, or not mentioning the callee) are still edited.
  for (const [path, change] of schema) {
    if (byPath.has(path)) continue;
    plans.push(withSchema({ path, status: 'unchanged', calls: [] }, change, schemaTexts.get(path), schemaErrors.get(path)));
  }
  return { files: plans, schemaEdits };
}

function withSchema(plan: FilePlan, change: SchemaChange | undefined, schemaText: string | undefined, error: string | undefined): FilePlan {
  if (!change) return plan;
  const schemaPlan = { typeName: change.typeName, added: change.added, passedThrough: change.passedThrough, ...(change.manual ? { manual: change.manual } : {}) };
  if (error) return { ...plan, status: 'error', error, output: undefined, schema: schemaPlan };
  if (plan.status === 'unchanged' && schemaText !== undefined) return { ...plan, status: 'changed', output: schemaText, schema: schemaPlan };
  return { ...plan, schema: schemaPlan };
}

export default addReconciliationFields;
