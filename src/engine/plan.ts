/**
 * The engine's one entry point for a run: candidate files in, the whole plan (the schema step, then every file's
 * calls) and new texts out. Touches no disk; the CLI, the jscodeshift adapter, the public API and tests all call
 * this, through the engine's index (codemods/add-reconciliation-fields.ts re-exports it for the package's export).
 */
import { DEFAULT_CONFIG, type ReconConfig } from '../config.js';
import { analysisFailed, analyzeFile } from './analyze.js';
import { readSourceFile, type ProjectHost } from './host.js';
import { applyEdits, checkParses } from './edits.js';
import { planSchemaStep, type SchemaChange } from './schema-step.js';
import { syntaxErrors, ts } from './ts.js';
import type { CallPlan, FilePlan, TextEdit } from './types.js';

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
  exactOptionalPropertyTypes?: ProjectHost['exactOptionalPropertyTypes'];
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

export function addReconciliationFields(
  files: readonly SourceInput[],
  options: TransformOptions = {},
): TransformResult {
  const config = options.config ?? DEFAULT_CONFIG;
  const byPath = new Map(files.map((f) => [f.path, f.text]));
  const original = (path: string) => byPath.get(path) ?? options.readFile?.(path);
  // One host for both steps, so each file is parsed once; it serves the schema step's edits once they exist.
  const schemaTexts = new Map<string, string>();
  const host: ProjectHost = {
    readFile: (path) => schemaTexts.get(path) ?? original(path),
    pathAliases: options.pathAliases,
    exactOptionalPropertyTypes: options.exactOptionalPropertyTypes,
    // Runs over the same files (the lint rule's, file after file) share their parses: a parse is reused for the same text only.
    ...(options.readFile ? { parseCacheKey: options.readFile } : {}),
  };

  // The schema step first: call sites are then planned against the tracker's type as it will be.
  const { schema, failed } =
    options.schemaStep === false
      ? { schema: new Map<string, SchemaChange>(), failed: new Map<string, string>() }
      : schemaStep(files, config, host);
  const schemaErrors = new Map<string, string>();
  const schemaEdits = new Map<string, TextEdit[]>();
  for (const [path, change] of schema) {
    const text = original(path);
    if (text === undefined || change.edits.length === 0) continue;
    let edited: string;
    try {
      edited = applyEdits(text, change.edits);
    } catch (error) {
      schemaErrors.set(
        path,
        `the schema step's edits could not be applied (${(error as Error).message}); nothing written`,
      );
      continue;
    }
    // Parsed through the host, whose parse the calls are then planned against (and a later run with the same cache reuses).
    schemaTexts.set(path, edited);
    const errors = syntaxErrors(readSourceFile(host, path)!);
    if (errors.length) {
      schemaTexts.delete(path);
      schemaErrors.set(path, `the schema step's edit would not parse (${errors[0]}); nothing written`);
    } else schemaEdits.set(path, change.edits);
  }
  const analyze = (file: SourceInput) => {
    const failure = failed.get(file.path);
    if (failure !== undefined)
      return { path: file.path, status: 'error', error: failure, calls: [] } satisfies FilePlan;
    const schemaText = schemaTexts.get(file.path);
    const change = schema.get(file.path);
    const plan = analyzeFile(schemaText === undefined ? file : { path: file.path, text: schemaText }, config, host, {
      todo: options.todo,
      fixSuspect: options.fixSuspect,
    });
    return withSchema(
      schemaText === undefined ? plan : withOriginalLines(plan, file.text, change!.edits),
      change,
      schemaText,
      schemaErrors.get(file.path),
    );
  };
  let plans = files.map((file, index) => {
    const plan: FilePlan = analyze(file);
    options.onFile?.(plan, index, files.length);
    return plan;
  });
  // The schema step is kept only where a call uses it: a tracker none of whose calls is updated keeps its type.
  const used = new Set(
    plans.flatMap((p) => p.calls.flatMap((c) => (c.status === 'updated' && c.tracker ? [c.tracker] : []))),
  );
  const unused = [...schema].filter(([, change]) => !change.trackers.some((t) => used.has(t))).map(([path]) => path);
  for (const path of unused) {
    schema.delete(path);
    schemaTexts.delete(path);
    schemaErrors.delete(path);
    schemaEdits.delete(path);
  }
  if (unused.length) plans = plans.map((plan, index) => (unused.includes(plan.path) ? analyze(files[index]) : plan));
  // Types or trackers outside the inputs (excluded, or not mentioning the callee) are still edited.
  for (const [path, change] of schema) {
    if (byPath.has(path)) continue;
    plans.push(
      withSchema({ path, status: 'unchanged', calls: [] }, change, schemaTexts.get(path), schemaErrors.get(path)),
    );
  }
  return { files: plans.map((plan) => withSchemaFiles(plan, schema, schemaEdits)), schemaEdits };
}

/** Each updated call names the files the schema step edits for its tracker (`CallPlan.schemaFiles`). */
function withSchemaFiles(
  plan: FilePlan,
  schema: Map<string, SchemaChange>,
  schemaEdits: Map<string, TextEdit[]>,
): FilePlan {
  if (!plan.calls.some((c) => c.status === 'updated' && c.tracker)) return plan;
  const calls = plan.calls.map((call) => {
    if (call.status !== 'updated' || !call.tracker) return call;
    const files = [...schema]
      .filter(([path, change]) => schemaEdits.has(path) && change.trackers.includes(call.tracker!))
      .map(([path]) => path);
    return files.length ? { ...call, schemaFiles: files } : call;
  });
  return { ...plan, calls };
}

/**
 * An offset of a text the schema step edited (where the calls of that file were planned) in the text as it was: the
 * schema step's edits only insert, and an offset of a call never lies inside one.
 */
export function originalOffset(offset: number, schemaEdits: readonly TextEdit[]): number {
  let shift = 0;
  for (const e of [...schemaEdits].sort((a, b) => a.start - b.start)) {
    const editedStart = e.start + shift;
    if (editedStart >= offset) break;
    shift += e.text.length - (e.end - e.start);
  }
  return offset - shift;
}

/** `the tracker's parameter type \`TokenUsage\` in <where>`: what the schema step edits in a file of the result. */
export function schemaTarget(result: TransformResult, path: string, where: string = path): string {
  const name = result.files.find((f) => f.path === path)?.schema?.typeName;
  const what =
    !name || name === 'the parameter'
      ? "the tracker's parameter"
      : name === 'the parameter type'
        ? "the tracker's parameter type"
        : `the tracker's parameter type \`${name}\``;
  return `${what} in ${where}`;
}

/**
 * A file's plan when only that file may be written (a jscodeshift transform): a call whose edit needs the schema step
 * in another file is left as it is, `untyped-tracker`, naming that file; the others are edited as the codemod does.
 */
export function fileAlone(result: TransformResult, path: string, text: string): FilePlan {
  const plan = result.files.find((f) => f.path === path);
  if (!plan) return { path, status: 'unchanged', calls: [] };
  const needing = new Map(
    plan.calls
      .map((c) => [c, standaloneEdit(result, path, c).elsewhere] as const)
      .filter(([, elsewhere]) => elsewhere.length),
  );
  if (plan.status === 'error' || needing.size === 0) return plan;
  const schemaEdits = result.schemaEdits.get(path) ?? [];
  const mapped = (edits: readonly TextEdit[]) =>
    edits.map((e) => ({ ...e, start: originalOffset(e.start, schemaEdits), end: originalOffset(e.end, schemaEdits) }));
  const kept = plan.calls.filter((c) => c.status === 'updated' && !needing.has(c));
  const edits = [
    ...(kept.some((c) => c.schemaFiles?.includes(path)) ? schemaEdits : []),
    ...mapped(kept.flatMap((c) => c.edits)),
    ...mapped(plan.todoEdits ?? []),
  ];
  // Two calls may share an edit (a destructuring both add to): once, as the codemod applies it.
  const unique = [...new Map(edits.map((e) => [`${e.start}:${e.end}:${e.text}`, e])).values()];
  const calls = plan.calls.map((call): CallPlan => {
    const elsewhere = needing.get(call);
    if (!elsewhere) return call;
    const { added: _a, edits: _e, schemaFiles: _s, notes: _n, ...rest } = call;
    const fields = call.missing.map((f) => `\`${f}\``).join(', ');
    const reason = `${elsewhere.map((p) => schemaTarget(result, p)).join(' and ')} must take ${fields} first, and only this file is written here: run \`npx recon-codemod --write\`, which edits both (or add them there, then run again)`;
    return { ...rest, status: 'manual', edits: [], reasonCode: 'untyped-tracker', reason };
  });
  if (unique.length === 0) return { path, status: 'unchanged', calls };
  const output = applyEdits(text, unique);
  const errors = checkParses(path, output);
  if (errors.length)
    return { path, status: 'error', error: `the edited text would not parse (${errors[0]}); nothing written`, calls };
  const { schema: _schema, todoEdits: _todo, ...rest } = plan;
  return { ...rest, status: 'changed', calls, output };
}

/**
 * One call's edit on its own, as an editor's quick fix applies it to the file as it is: in offsets of that text, with
 * the schema step's edits of this same file when the call needs them (its tracker's type or row is here). `elsewhere`
 * lists the other files the schema step must edit for this call: with any, this file's edit alone would not compile
 * (or the tracker would drop the fields), and it is no fix on its own.
 */
export function standaloneEdit(
  result: TransformResult,
  path: string,
  call: CallPlan,
): { edits: TextEdit[]; elsewhere: string[] } {
  const schemaEdits = result.schemaEdits.get(path) ?? [];
  const own = (edits: readonly TextEdit[]) =>
    edits.map((e) => ({ ...e, start: originalOffset(e.start, schemaEdits), end: originalOffset(e.end, schemaEdits) }));
  const files = call.schemaFiles ?? [];
  const edits = call.status === 'updated' ? call.edits : (call.suspectFix ?? []);
  return {
    edits: [...(files.includes(path) ? schemaEdits : []), ...own(edits)],
    elsewhere: files.filter((f) => f !== path),
  };
}

/**
 * The schema step, which reads every input: an input whose reading throws is that file's error (`failed`), and the
 * step is planned over the others. Only when it throws is it run again file by file to find which.
 */
function schemaStep(
  files: readonly SourceInput[],
  config: ReconConfig,
  host: ProjectHost,
): { schema: Map<string, SchemaChange>; failed: Map<string, string> } {
  const failed = new Map<string, string>();
  try {
    return { schema: planSchemaStep(files, config, host), failed };
  } catch {
    for (const file of files) {
      try {
        planSchemaStep([file], config, host);
      } catch (error) {
        failed.set(file.path, analysisFailed(error));
      }
    }
  }
  const rest = files.filter((f) => !failed.has(f.path));
  try {
    return { schema: planSchemaStep(rest, config, host), failed };
  } catch (error) {
    // Not one file's doing: no file is planned against a schema step that could not be planned.
    for (const file of rest) failed.set(file.path, analysisFailed(error));
    return { schema: new Map(), failed };
  }
}

/**
 * Calls in a file the schema step edited were found in the edited text: report their lines and columns in the text
 * the user has (the edits only insert; a call never lies inside one).
 */
function withOriginalLines(plan: FilePlan, original: string, edits: readonly TextEdit[]): FilePlan {
  const toOriginal = (offset: number) => originalOffset(offset, edits);
  const lines = ts.createSourceFile('original', original, ts.ScriptTarget.Latest, false, ts.ScriptKind.Unknown);
  return {
    ...plan,
    calls: plan.calls.map((c) => {
      const { line, character } = lines.getLineAndCharacterOfPosition(toOriginal(c.start));
      return { ...c, line: line + 1, column: character + 1 };
    }),
  };
}

function withSchema(
  plan: FilePlan,
  change: SchemaChange | undefined,
  schemaText: string | undefined,
  error: string | undefined,
): FilePlan {
  if (!change) return plan;
  const schemaPlan = {
    typeName: change.typeName,
    added: change.added,
    passedThrough: change.passedThrough,
    ...(change.manual ? { manual: change.manual } : {}),
  };
  if (error) return { ...plan, status: 'error', error, output: undefined, schema: schemaPlan };
  if (plan.status === 'unchanged' && schemaText !== undefined)
    return { ...plan, status: 'changed', output: schemaText, schema: schemaPlan };
  return { ...plan, schema: schemaPlan };
}
