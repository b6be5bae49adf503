/**
 * `--write`'s type check, at the CLI's edge (the engine stays pure: it never sees a type checker).
 *
 * Before anything is written, the edited texts are served from memory to one TypeScript Program per tsconfig (the
 * project's own, with its own `typescript` when it has one) and each changed file's errors are compared with the same
 * file's errors before the edit. An error the edit added is attributed to the edit it sits in (or the nearest edit in
 * the same statement), and that edit is taken back: the call becomes `manual` (`edit-does-not-compile`, with tsc's
 * message). Then the check runs again on what is left, until nothing new is found. A file whose edits all go back
 * keeps its bytes.
 *
 * The units that can be taken back:
 *  - a call's edits (the fields added to its literal, and any `response` added to a destructuring);
 *  - the schema step's edits to one file (the tracker's type, its insert row): taken back when they add an error
 *    (there, or in a file that names the type), together with every call that needs them; and when every call that
 *    needed them has been taken back.
 * An error that cannot be placed takes back every edit of its file.
 *
 * "Added" means: an error of the edited file that is not in the original at the same place with the same code.
 * Positions are mapped back through the edits themselves (exact: the check knows every edit it applied), so an
 * existing error below an insertion still matches, and an error inside inserted text is always new. Messages are not
 * compared (an existing error may word a type differently once the type has grown), codes and places are.
 */
import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { applyEdits, ts as bundledTs, type CallPlan, type FilePlan, type TextEdit } from './engine/index.js';
import { nearestTsconfig, toPosix } from './paths.js';

type TS = typeof bundledTs;
type Program = bundledTs.Program;
type SourceFile = bundledTs.SourceFile;
type Diagnostic = bundledTs.Diagnostic;

export interface VerifyOptions {
  /** The text each plan was made from (before the schema step), by path. */
  original: (path: string) => string | undefined;
  /** The schema step's edits by path, in offsets of the original text (the calls' edits then apply on top). */
  schemaEdits: ReadonlyMap<string, readonly TextEdit[]>;
  /** For messages: the path as the report shows it. */
  relativePath: (path: string) => string;
  /** Rounds of check-and-take-back before every remaining offending file is taken back whole (default 4). */
  maxRounds?: number;
}

export interface VerifyOutcome {
  /** Why nothing was type-checked, when nothing was. */
  skipped?: string;
  typescript?: { version: string; own: boolean };
  tsconfigs: string[];
  /** Changed files whose errors were compared (plus files that name an edited type). */
  checkedFiles: number;
  /** Calls taken back to `manual` (`edit-does-not-compile`). */
  reverted: number;
  /** Files whose schema-step edit was taken back. */
  schemaReverted: number;
  /**
   * Changed files written as the dry run showed them, without a type check, and why: no tsconfig covers them, plain
   * JS the tsconfig does not check, or imports of packages that do not resolve (dependencies not installed: every
   * type from them is `any`, so tsc's verdict on the edit would mean nothing).
   */
  unverified: Array<{ path: string; why: string }>;
  rounds: number;
  ms: number;
}

interface Unit {
  kind: 'call' | 'schema';
  file: FileState;
  /** Index into the file plan's calls (kind `call`). */
  callIndex?: number;
  /** Offsets of the original text. */
  edits: TextEdit[];
  /** The call's start, in offsets of the original text. */
  callStart?: number;
  kept: boolean;
  reason?: string;
  /** Schema units this call's added keys are declared in / calls that need this schema unit. */
  needs: Set<Unit>;
  dependents: Set<Unit>;
}

interface Span {
  start: number;
  end: number;
  afterStart: number;
  afterEnd: number;
  owners: Unit[];
}

interface FileState {
  path: string;
  plan: FilePlan;
  original: string;
  units: Unit[];
  /** `--todo` comments, in offsets of the original text: kept unless the whole file goes back. */
  todo: TextEdit[];
  keepTodo: boolean;
  /** The plan's edits could not be re-applied one by one (their offsets do not compose): all or nothing. */
  indivisible: boolean;
  /** The current text and where each kept edit landed in it. */
  text: string;
  spans: Span[];
  group?: Group;
}

interface Group {
  tsconfig: string;
  options: bundledTs.CompilerOptions;
  /** The tsconfig's own files. */
  projectFiles: string[];
  /** What the Program is built from: the changed files, the files that name an edited type, and the project's ambient declarations. */
  rootNames: string[];
  projectReferences?: readonly bundledTs.ProjectReference[];
  files: FileState[];
  /** Files that are not edited but name an edited type: checked too. Importer path → the schema units it names. */
  namers: Map<string, Set<Unit>>;
  /** The files whose errors are compared, and their errors before the edit once read. */
  before: Map<string, Diagnostic[] | undefined>;
  beforeProgram?: Program;
  diskCache: Map<string, SourceFile>;
  editedCache: Map<string, SourceFile>;
  program?: Program;
}

const MAX_NAMERS = 200;

/** "Cannot find module 'x'" and its variants: the file's types from that package are unknown. */
const UNRESOLVED = new Set([2307, 2792]);

/** A package import (`ai`, `@ai-sdk/openai`, `openai/resources`), not a relative path or an asset. */
function isPackage(specifier: string): boolean {
  return (
    !/^[./]/.test(specifier) &&
    !/^[@~#]\//.test(specifier) &&
    !/\.(css|scss|sass|less|svg|png|jpe?g|gif|webp|json|md|mdx|html)$/i.test(specifier)
  );
}

/** Type-check the changed plans and take back what does not compile. Mutates `plans` (status, output, calls, schema). */
export function verifyPlans(plans: FilePlan[], options: VerifyOptions): VerifyOutcome {
  const started = Date.now();
  parsedConfigs.clear();
  const outcome: VerifyOutcome = {
    tsconfigs: [],
    checkedFiles: 0,
    reverted: 0,
    schemaReverted: 0,
    unverified: [],
    rounds: 0,
    ms: 0,
  };
  const done = () => ({ ...outcome, ms: Date.now() - started });
  const changed = plans.filter((p) => p.status === 'changed' && p.output !== undefined);
  if (changed.length === 0) return done();

  // Which tsconfig each file belongs to (nearest one up to the project's root).
  const byConfig = new Map<string, FilePlan[]>();
  for (const plan of changed) {
    const config = nearestTsconfig(dirname(plan.path));
    if (!config) {
      outcome.unverified.push({ path: plan.path, why: 'no tsconfig.json' });
      continue;
    }
    byConfig.set(config, [...(byConfig.get(config) ?? []), plan]);
  }
  if (byConfig.size === 0) {
    outcome.skipped = 'no tsconfig.json';
    return done();
  }
  const loaded = timed('load typescript', () => loadTypeScript(dirname([...byConfig.keys()][0])));
  const ts = loaded.ts;
  outcome.typescript = { version: ts.version, own: loaded.own };

  const states: FileState[] = [];
  const stateByPath = new Map<string, FileState>();
  for (const plan of changed) {
    const state = fileState(plan, options);
    if (!state) {
      outcome.unverified.push({ path: plan.path, why: 'its original text is not available' });
      continue;
    }
    states.push(state);
    stateByPath.set(plan.path, state);
  }

  // One Program per tsconfig; a solution-style tsconfig hands each file to the referenced project that includes it.
  const groups = new Map<string, Group>();
  for (const [configPath, configPlans] of byConfig) {
    for (const plan of configPlans) {
      const state = stateByPath.get(plan.path);
      if (!state) continue;
      const parsed = projectFor(ts, configPath, plan.path);
      if (!parsed) {
        outcome.unverified.push({ path: plan.path, why: `${configPath} cannot be read` });
        continue;
      }
      const isJs = /\.[cm]?jsx?$/i.test(plan.path);
      // tsc reports next to nothing in a JS file it does not type-check (`checkJs`, or `// @ts-check` in the file).
      if (
        isJs &&
        !(parsed.parsed.options.allowJs && (parsed.parsed.options.checkJs || /\/\/\s*@ts-check\b/.test(state.original)))
      ) {
        outcome.unverified.push({ path: plan.path, why: 'plain JS that the tsconfig does not type-check' });
        continue;
      }
      let group = groups.get(parsed.path);
      if (!group) {
        group = {
          tsconfig: parsed.path,
          options: { ...parsed.parsed.options, noEmit: true },
          projectFiles: parsed.parsed.fileNames,
          rootNames: [],
          projectReferences: parsed.parsed.projectReferences,
          files: [],
          namers: new Map(),
          before: new Map(),
          diskCache: new Map(),
          editedCache: new Map(),
        };
        groups.set(parsed.path, group);
      }
      group.files.push(state);
      state.group = group;
    }
  }
  outcome.tsconfigs = [...groups.keys()];
  if (groups.size === 0) {
    outcome.skipped = 'no tsconfig.json covers the changed files';
    return done();
  }
  const verified = states.filter((s) => s.group);

  // Before: the original texts.
  for (const group of groups.values()) {
    // Not the whole project: the changed files and what they import, plus the files that name an edited type and
    // every ambient declaration (`.d.ts` files, `declare global`, `declare module`) that may shape their types.
    // A file's errors depend on those only, so the cost follows the changed files, not the size of the repo.
    const edited = new Set(group.files.map((f) => f.path));
    const roots = new Set(edited);
    const schemaTypes = group.files.filter(
      (f) =>
        f.units.some((u) => u.kind === 'schema') && f.plan.schema && /^[A-Za-z_$][\w$]*$/.test(f.plan.schema.typeName),
    );
    const typeNames = schemaTypes.map((f) => ({
      file: f,
      pattern: new RegExp(`\\b${f.plan.schema!.typeName.replace(/\$/g, '\\$')}\\b`),
    }));
    for (const file of group.projectFiles) {
      if (edited.has(file)) continue;
      if (/\.d\.[cm]?ts$/i.test(file)) {
        roots.add(file);
        continue;
      }
      const text = ts.sys.readFile(file);
      if (!text) continue;
      if (/\bdeclare\s+(global|module)\b/.test(text)) roots.add(file);
      for (const { file: typeFile, pattern } of typeNames) {
        if (group.namers.size >= MAX_NAMERS || !pattern.test(text)) continue;
        const units = group.namers.get(file) ?? new Set<Unit>();
        for (const u of typeFile.units) if (u.kind === 'schema') units.add(u);
        group.namers.set(file, units);
        roots.add(file);
      }
    }
    group.rootNames = [...roots];
    group.program = group.beforeProgram = createProgram(ts, group, new Map());
    // The SDKs' own types must be there: without them every result is `any` and tsc's verdict means nothing.
    const sdkMissing = missingSdks(ts, group);
    for (const path of [...group.files.map((f) => f.path), ...group.namers.keys()]) {
      if (sdkMissing.length && stateByPath.has(path)) {
        outcome.unverified.push({
          path,
          why: `${sdkMissing.map((m) => `'${m}'`).join(', ')} ${sdkMissing.length === 1 ? 'is' : 'are'} not installed`,
        });
        continue;
      }
      // Its errors before the edit are read only if it has any after it (most files have none: one check, not two).
      group.before.set(path, undefined);
    }
  }

  const maxRounds = options.maxRounds ?? 4;
  for (let round = 1; ; round++) {
    outcome.rounds = round;
    for (const s of verified) render(s);
    const overrides = new Map(verified.filter((s) => s.text !== s.original).map((s) => [s.path, s.text]));
    const found: Array<{ group: Group; path: string; diagnostic: Diagnostic; sf: SourceFile }> = [];
    for (const group of groups.values()) {
      group.program = createProgram(ts, group, overrides);
      if (round === 1) linkSchemaDependencies(ts, group, stateByPath);
      for (const [path, cached] of group.before) {
        const sf = group.program.getSourceFile(path);
        if (!sf) continue;
        const after = errorsOf(ts, group.program, sf);
        if (after.length === 0) continue;
        let before = cached;
        if (!before) {
          const original = group.beforeProgram!.getSourceFile(path);
          before = original ? errorsOf(ts, group.beforeProgram!, original) : [];
          group.before.set(path, before);
          const missing = [
            ...new Set(
              before
                .filter((d) => UNRESOLVED.has(d.code))
                .map((d) => /['"]([^'"]+)['"]/.exec(ts.flattenDiagnosticMessageText(d.messageText, ' '))?.[1])
                .filter((m): m is string => !!m && isPackage(m)),
            ),
          ];
          if (missing.length && stateByPath.has(path)) {
            // Still rendered (other files are checked against its edited text), but its own errors are not compared.
            outcome.unverified.push({
              path,
              why: `${missing.map((m) => `'${m}'`).join(', ')} ${missing.length === 1 ? 'does' : 'do'} not resolve (dependencies not installed?)`,
            });
            group.before.delete(path);
            continue;
          }
        }
        for (const diagnostic of addedErrors(after, before, stateByPath.get(path)))
          found.push({ group, path, diagnostic, sf });
      }
    }
    if (found.length === 0) break;
    const message = (d: Diagnostic, sf: SourceFile) => describe(ts, d, sf, options.relativePath);
    const keptBefore = verified.flatMap((s) => s.units.filter((u) => u.kept));
    if (round > maxRounds + 1 || keptBefore.length === 0) {
      // The take-backs did not settle (or errors remain with nothing left to take back but comments): write nothing.
      const why = `the edits add an error that could not be placed: ${message(found[0].diagnostic, found[0].sf)}`;
      for (const s of verified) {
        for (const u of s.units) revert(u, why, true);
        s.keepTodo = false;
      }
      if (round > maxRounds + 2) break;
      continue;
    }
    for (const { group, path, diagnostic, sf } of found) {
      const why = `the edit would not compile: ${message(diagnostic, sf)}`;
      const state = stateByPath.get(path);
      if (!state) {
        // A file that names an edited type: the schema step's edit of that type goes back.
        for (const u of group.namers.get(path) ?? [])
          revert(u, `the schema step's edit adds an error where the type is used: ${message(diagnostic, sf)}`);
        continue;
      }
      // After the rounds of precise take-backs, a file that still has a new error goes back whole.
      // (Owners may already be taken back by an earlier error of this round: the spans are this round's text.)
      const owners = round > maxRounds ? [] : attribute(ts, state, sf, diagnostic);
      if (owners.length) for (const u of owners) revert(u, why);
      else for (const u of state.units) revert(u, why, true);
    }
    if (keptBefore.every((u) => u.kept)) {
      // Nothing could be taken back for these errors (already-reverted owners, a namer of nothing): take back the
      // files they are in, and every schema edit.
      for (const { path, diagnostic, sf } of found) {
        for (const u of stateByPath.get(path)?.units ?? [])
          revert(u, `the edit would not compile: ${message(diagnostic, sf)}`, true);
      }
      if (keptBefore.every((u) => u.kept))
        for (const u of keptBefore)
          if (u.kind === 'schema')
            revert(u, `the edits add an error: ${message(found[0].diagnostic, found[0].sf)}`, true);
      if (keptBefore.every((u) => u.kept))
        for (const u of keptBefore)
          revert(
            u,
            `the edits add an error that could not be placed: ${message(found[0].diagnostic, found[0].sf)}`,
            true,
          );
    }
  }

  for (const group of groups.values()) outcome.checkedFiles += group.before.size;
  for (const state of verified) outcome.reverted += apply(state, outcome);
  return done();
}

const SDK_IMPORT = /(?:from|import|require)\s*\(?\s*['"](openai|ai|@ai-sdk\/[\w-]+)['"]/g;

/** SDK packages the project's sources import that do not resolve from its tsconfig's directory. */
function missingSdks(ts: TS, group: Group): string[] {
  const program = group.program!;
  const wanted = new Set<string>();
  for (const sf of program.getSourceFiles()) {
    if (sf.isDeclarationFile || program.isSourceFileFromExternalLibrary(sf)) continue;
    for (const m of sf.text.matchAll(SDK_IMPORT)) wanted.add(m[1]);
  }
  const from = join(dirname(group.tsconfig), '__recon_verify__.ts');
  const unresolved = [...wanted].filter(
    (name) => !ts.resolveModuleName(name, from, group.options, ts.sys).resolvedModule,
  );
  // A package the project declares itself (`declare module '@ai-sdk/openai' { … }` in a .d.ts) has types too.
  const declared = (name: string) =>
    program
      .getSourceFiles()
      .some(
        (sf) =>
          !program.isSourceFileFromExternalLibrary(sf) &&
          sf.text.includes(name) &&
          new RegExp(`declare\\s+module\\s+['"]${name.replace(/[/@-]/g, '\\$&')}['"]`).test(sf.text),
      );
  return unresolved.filter((name) => !declared(name)).sort();
}

/** The target's own `typescript` (resolved from its tsconfig's directory), else the one this tool ships with. */
export function loadTypeScript(fromDir: string): { ts: TS; own: boolean } {
  try {
    const require = createRequire(join(fromDir, 'package.json'));
    const ts = require(require.resolve('typescript')) as TS;
    const major = Number(/^(\d+)/.exec(ts.version ?? '')?.[1] ?? 0);
    if (major >= 4 && typeof ts.createProgram === 'function') return { ts, own: true };
  } catch {
    /* not installed there */
  }
  return { ts: bundledTs, own: false };
}

/** Parsed tsconfigs, by path: parsing one lists its files (a walk of the project), so once per run. */
const parsedConfigs = new Map<string, bundledTs.ParsedCommandLine | undefined>();

function parseConfig(ts: TS, configPath: string): bundledTs.ParsedCommandLine | undefined {
  if (!parsedConfigs.has(configPath)) {
    const read = ts.readConfigFile(configPath, ts.sys.readFile);
    parsedConfigs.set(
      configPath,
      read.error
        ? undefined
        : ts.parseJsonConfigFileContent(read.config, ts.sys, dirname(configPath), undefined, configPath),
    );
  }
  return parsedConfigs.get(configPath);
}

function projectFor(
  ts: TS,
  configPath: string,
  file: string,
  depth = 0,
): { path: string; parsed: bundledTs.ParsedCommandLine } | undefined {
  const parsed = parseConfig(ts, configPath);
  if (!parsed) return undefined;
  if (parsed.fileNames.includes(file) || depth > 3) return { path: configPath, parsed };
  // Solution-style (`files: []` + `references`): the referenced project that includes the file.
  for (const reference of parsed.projectReferences ?? []) {
    const refPath = toPosix(ts.resolveProjectReferencePath(reference));
    if (!existsSync(refPath)) continue;
    const inner = projectFor(ts, refPath, file, depth + 1);
    if (inner?.parsed.fileNames.includes(file)) return inner;
  }
  return { path: configPath, parsed };
}

/** Each unit's edits in offsets of the original text; `indivisible` when they do not give back the plan's output. */
function fileState(plan: FilePlan, options: VerifyOptions): FileState | undefined {
  const original = options.original(plan.path);
  if (original === undefined) return undefined;
  const schema = [...(options.schemaEdits.get(plan.path) ?? [])].sort((a, b) => a.start - b.start || a.end - b.end);
  const state: FileState = {
    path: plan.path,
    plan,
    original,
    units: [],
    todo: [],
    keepTodo: true,
    indivisible: false,
    text: original,
    spans: [],
  };
  // Calls' edits are offsets of the text with the schema edits applied: map them back.
  let unmappable = false;
  const toOriginal = (pos: number) => {
    let delta = 0;
    for (const s of schema) {
      const at = s.start + delta;
      if (pos <= at) break;
      const endAfter = at + s.text.length;
      if (pos < endAfter) {
        unmappable = true;
        return pos - delta;
      }
      delta += s.text.length - (s.end - s.start);
    }
    return pos - delta;
  };
  const mapEdit = (e: TextEdit): TextEdit => ({ start: toOriginal(e.start), end: toOriginal(e.end), text: e.text });
  const unit = (kind: Unit['kind'], edits: TextEdit[], callIndex?: number, callStart?: number): Unit => ({
    kind,
    file: state,
    edits,
    callIndex,
    callStart,
    kept: true,
    needs: new Set(),
    dependents: new Set(),
  });
  if (schema.length) state.units.push(unit('schema', schema));
  plan.calls.forEach((call, index) => {
    if (call.status === 'updated' && call.edits.length)
      state.units.push(unit('call', call.edits.map(mapEdit), index, toOriginal(call.start)));
  });
  state.todo = (plan.todoEdits ?? []).map(mapEdit);
  let all: string | undefined;
  try {
    all = applyEdits(
      original,
      dedupe([...state.units.flatMap((u) => u.edits), ...state.todo]).map((e) => e.edit),
    );
  } catch {
    all = undefined;
  }
  state.indivisible = unmappable || all !== plan.output;
  return state;
}

function dedupe(edits: TextEdit[], owners?: Array<Unit | undefined>): Array<{ edit: TextEdit; owners: Unit[] }> {
  const byKey = new Map<string, { edit: TextEdit; owners: Unit[] }>();
  edits.forEach((edit, i) => {
    const key = `${edit.start}:${edit.end}:${edit.text}`;
    const entry = byKey.get(key) ?? { edit, owners: [] };
    const owner = owners?.[i];
    if (owner && !entry.owners.includes(owner)) entry.owners.push(owner);
    byKey.set(key, entry);
  });
  return [...byKey.values()];
}

/** The file's text with its kept units (and `--todo` comments), and where each edit landed in it. */
function render(state: FileState) {
  const kept = state.units.filter((u) => u.kept);
  const whole = kept.length === state.units.length && state.keepTodo;
  if (!state.indivisible) {
    const edits: TextEdit[] = [];
    const owners: Array<Unit | undefined> = [];
    for (const u of kept) {
      for (const e of u.edits) {
        edits.push(e);
        owners.push(u);
      }
    }
    if (state.keepTodo) {
      for (const e of state.todo) {
        edits.push(e);
        owners.push(undefined);
      }
    }
    const entries = dedupe(edits, owners).sort((a, b) => a.edit.start - b.edit.start || a.edit.end - b.edit.end);
    let text = '';
    let cursor = 0;
    const spans: Span[] = [];
    for (const { edit, owners: o } of entries) {
      if (edit.start < cursor) {
        state.indivisible = true;
        break;
      }
      text += state.original.slice(cursor, edit.start);
      const afterStart = text.length;
      text += edit.text;
      spans.push({ start: edit.start, end: edit.end, afterStart, afterEnd: text.length, owners: o });
      cursor = edit.end;
    }
    if (!state.indivisible) {
      state.text = text + state.original.slice(cursor);
      state.spans = spans;
      return;
    }
  }
  // All or nothing: its errors are compared by code (see addedErrors) and any new one takes back the whole file.
  state.text = whole ? state.plan.output! : state.original;
  state.spans = [];
}

/** A position of the rendered text, in the original: undefined when it lies inside inserted text. */
function toOriginalPos(state: FileState | undefined, pos: number): number | undefined {
  if (!state) return pos;
  let delta = 0;
  for (const span of state.spans) {
    if (pos < span.afterStart) break;
    if (pos < span.afterEnd) return undefined;
    delta += span.afterEnd - span.afterStart - (span.end - span.start);
  }
  return pos - delta;
}

/** A position of the original text, in the rendered one (after any insertion made at that very position). */
function toRenderedPos(state: FileState, pos: number): number {
  let delta = 0;
  for (const span of state.spans) {
    if (span.end > pos) break;
    delta += span.afterEnd - span.afterStart - (span.end - span.start);
  }
  return pos + delta;
}

/** `RECON_VERIFY_DEBUG=1`: time each Program and each file's check on stderr. */
const DEBUG = !!process.env.RECON_VERIFY_DEBUG;
function timed<T>(label: string, f: () => T): T {
  if (!DEBUG) return f();
  const t = Date.now();
  const r = f();
  process.stderr.write(`verify: ${label} ${Date.now() - t} ms\n`);
  return r;
}

/**
 * Declaration files of installed packages and TypeScript's lib files, parsed (and bound) once per process and shared
 * by later runs in it, as an editor's language service shares them between projects: a process that runs the CLI
 * several times (a test worker, a watch tool) parses the SDKs' large declarations once. Keyed by what their parse
 * depends on (the TypeScript instance, the options that shape a source file, the language version and module format)
 * and checked against the file's size and mtime, so a package changed on disk is read again. One CLI run gets the same
 * objects as before: each file is parsed once either way.
 */
const installedFiles = new WeakMap<
  TS,
  {
    registry: bundledTs.DocumentRegistry;
    libDir: string;
    files: Map<string, { sf: SourceFile; size: number; mtimeMs: number }>;
  }
>();
const MAX_INSTALLED_FILES = 20_000;
const settingsKeys = new WeakMap<bundledTs.CompilerOptions, string>();

function installedSourceFile(
  ts: TS,
  options: bundledTs.CompilerOptions,
  fileName: string,
  languageVersion: bundledTs.ScriptTarget | bundledTs.CreateSourceFileOptions,
  parse: () => SourceFile | undefined,
): SourceFile | undefined {
  let cache = installedFiles.get(ts);
  if (!cache) {
    cache = {
      registry: ts.createDocumentRegistry(),
      libDir: toPosix(dirname(ts.getDefaultLibFilePath(options))),
      files: new Map(),
    };
    installedFiles.set(ts, cache);
  }
  if (!fileName.includes('/node_modules/') && dirname(fileName) !== cache.libDir) return parse();
  let stat;
  try {
    stat = statSync(fileName);
  } catch {
    return parse();
  }
  const version =
    typeof languageVersion === 'object'
      ? `${languageVersion.languageVersion}:${languageVersion.impliedNodeFormat}:${languageVersion.jsDocParsingMode}`
      : languageVersion;
  let settings = settingsKeys.get(options);
  // The registry's key ends with the tsconfig's directory (pathsBasePath, for module resolution), which no parse or
  // binding reads: without it, projects in different directories with the same options share the files.
  if (settings === undefined)
    settingsKeys.set(
      options,
      (settings = cache.registry.getKeyForCompilationSettings({ ...options, pathsBasePath: undefined })),
    );
  const key = `${settings}\0${version}\0${fileName}`;
  const hit = cache.files.get(key);
  if (hit && hit.size === stat.size && hit.mtimeMs === stat.mtimeMs) return hit.sf;
  const sf = parse();
  if (sf) {
    if (cache.files.size >= MAX_INSTALLED_FILES) cache.files.clear();
    cache.files.set(key, { sf, size: stat.size, mtimeMs: stat.mtimeMs });
  }
  return sf;
}

function createProgram(ts: TS, group: Group, overrides: ReadonlyMap<string, string>): Program {
  return timed(`program (${overrides.size} edited)`, () => createProgramUntimed(ts, group, overrides));
}

function createProgramUntimed(ts: TS, group: Group, overrides: ReadonlyMap<string, string>): Program {
  const base = ts.createCompilerHost(group.options);
  const host: bundledTs.CompilerHost = {
    ...base,
    // As tsc sets it (TypeScript 5.3+; older ones have no such mode and parse all): the JSDoc that can give a type
    // error is parsed, the rest (most of an SDK's declarations) is not.
    jsDocParsingMode: ts.JSDocParsingMode?.ParseForTypeErrors,
    getSourceFile(fileName, languageVersion, onError, shouldCreateNewSourceFile) {
      const text = overrides.get(fileName);
      if (text !== undefined) {
        const hit = group.editedCache.get(fileName);
        if (hit && hit.text === text) return hit;
        const sf = ts.createSourceFile(fileName, text, languageVersion, false);
        group.editedCache.set(fileName, sf);
        return sf;
      }
      // Unchanged files are the same objects from one Program to the next: TypeScript then reuses their parse and binding.
      let sf = group.diskCache.get(fileName);
      if (!sf) {
        sf = installedSourceFile(ts, group.options, fileName, languageVersion, () =>
          base.getSourceFile(fileName, languageVersion, onError, shouldCreateNewSourceFile),
        );
        if (sf) group.diskCache.set(fileName, sf);
      }
      return sf;
    },
    readFile: (fileName) => overrides.get(fileName) ?? base.readFile(fileName),
  };
  return ts.createProgram({
    rootNames: group.rootNames,
    options: group.options,
    host,
    projectReferences: group.projectReferences,
    oldProgram: group.program,
  });
}

function errorsOf(ts: TS, program: Program, sf: SourceFile): Diagnostic[] {
  return timed(`check ${sf.fileName}`, () =>
    [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)].filter(
      (d) => d.category === ts.DiagnosticCategory.Error && d.start !== undefined,
    ),
  );
}

/**
 * Errors of the rendered file that the original does not have: same code at the same (mapped) place. For a file
 * whose edits are all or nothing (no per-edit positions), by count per code.
 */
function addedErrors(after: Diagnostic[], before: Diagnostic[], state: FileState | undefined): Diagnostic[] {
  const byCode = !!state?.indivisible;
  const keyOf = (d: Diagnostic, at: number | undefined) => (byCode ? `${d.code}` : `${d.code}:${at}`);
  const remaining = new Map<string, number>();
  for (const d of before) remaining.set(keyOf(d, d.start), (remaining.get(keyOf(d, d.start)) ?? 0) + 1);
  const added: Diagnostic[] = [];
  for (const d of after) {
    const at = byCode ? d.start : toOriginalPos(state, d.start!);
    const key = keyOf(d, at);
    const left = at === undefined ? 0 : (remaining.get(key) ?? 0);
    if (left > 0) remaining.set(key, left - 1);
    else added.push(d);
  }
  return added;
}

/**
 * The units an error belongs to: those whose inserted text it touches; else, going out from the error's node, the
 * nearest units with an edit in the first enclosing node that has any (a statement, then its enclosing ones), short of
 * the file itself. Empty when it cannot be placed.
 */
function attribute(ts: TS, state: FileState, sf: SourceFile, d: Diagnostic): Unit[] {
  const start = d.start!;
  const end = start + Math.max(d.length ?? 0, 1);
  const touching = state.spans.filter((s) => s.afterEnd > s.afterStart && s.afterStart < end && start < s.afterEnd);
  if (touching.length) return [...new Set(touching.flatMap((s) => s.owners))];
  const chain: bundledTs.Node[] = [];
  let node: bundledTs.Node = sf;
  for (;;) {
    chain.push(node);
    let next: bundledTs.Node | undefined;
    ts.forEachChild(node, (child) => {
      if (!next && child.getStart(sf) <= start && start < child.end) next = child;
    });
    if (!next) break;
    node = next;
  }
  for (let i = chain.length - 1; i > 0; i--) {
    const from = chain[i].getStart(sf);
    const to = chain[i].end;
    const inside = state.spans.filter(
      (s) => s.afterEnd > s.afterStart && s.afterStart < to && from < s.afterEnd && s.owners.length,
    );
    if (!inside.length) continue;
    const distance = (s: Span) => (start < s.afterStart ? s.afterStart - start : start - s.afterEnd);
    const nearest = Math.min(...inside.map(distance));
    return [...new Set(inside.filter((s) => distance(s) === nearest).flatMap((s) => s.owners))];
  }
  return [];
}

/** Which schema units each call needs: its added keys, on the parameter type it is checked against, declared there. */
function linkSchemaDependencies(ts: TS, group: Group, stateByPath: ReadonlyMap<string, FileState>) {
  const program = group.program!;
  const checker = program.getTypeChecker();
  for (const state of group.files) {
    const sf = program.getSourceFile(state.path);
    if (!sf) continue;
    for (const unit of state.units) {
      if (unit.kind !== 'call' || unit.callStart === undefined) continue;
      const call = callAt(ts, sf, toRenderedPos(state, unit.callStart));
      const keys = Object.keys(state.plan.calls[unit.callIndex!].added ?? {});
      if (!call || !keys.length) continue;
      for (const arg of call.arguments) {
        const type = checker.getContextualType(arg);
        if (!type) continue;
        for (const key of keys) {
          for (const decl of checker.getPropertyOfType(type, key)?.declarations ?? []) {
            const declState = stateByPath.get(toPosix(decl.getSourceFile().fileName));
            const at = decl.getStart();
            for (const span of declState?.spans ?? []) {
              if (span.afterStart <= at && at < span.afterEnd) {
                for (const owner of span.owners) {
                  if (owner.kind !== 'schema') continue;
                  unit.needs.add(owner);
                  owner.dependents.add(unit);
                }
              }
            }
          }
        }
      }
    }
  }
}

function callAt(ts: TS, sf: SourceFile, pos: number): bundledTs.CallExpression | undefined {
  let found: bundledTs.CallExpression | undefined;
  const visit = (node: bundledTs.Node) => {
    if (found || node.end <= pos || node.pos > pos) return;
    if (ts.isCallExpression(node) && node.getStart(sf) === pos) {
      found = node;
      return;
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

function revert(unit: Unit, reason: string, wholeFile = false) {
  if (!unit.kept) return;
  unit.kept = false;
  unit.reason = reason;
  if (unit.file.indivisible && !wholeFile) for (const other of unit.file.units) revert(other, reason, true);
  if (unit.kind === 'schema') {
    const type = unit.file.plan.schema?.typeName ?? 'the tracker type';
    for (const dependent of unit.dependents)
      revert(
        dependent,
        `it needs \`${type}\` to have the fields, and the schema step's edit of it was taken back (${reason})`,
      );
  }
  for (const needed of unit.needs) {
    if ([...needed.dependents].every((d) => !d.kept)) revert(needed, 'every call that needed it was taken back');
  }
}

function describe(ts: TS, d: Diagnostic, sf: SourceFile, relativePath: (path: string) => string): string {
  const { line, character } = sf.getLineAndCharacterOfPosition(d.start!);
  let text = ts.flattenDiagnosticMessageText(d.messageText, ' ').replace(/\s+/g, ' ');
  if (text.length > 300) text = `${text.slice(0, 297)}...`;
  return `${relativePath(toPosix(sf.fileName))}:${line + 1}:${character + 1} TS${d.code}: ${text}`;
}

/** Write the outcome back into the plan; returns how many calls were taken back. */
function apply(state: FileState, outcome: VerifyOutcome): number {
  const taken = state.units.filter((u) => !u.kept);
  if (taken.length === 0 && state.keepTodo) return 0;
  const plan = state.plan;
  let reverted = 0;
  for (const unit of taken) {
    if (unit.kind === 'call') {
      const call = plan.calls[unit.callIndex!];
      const { added: _added, ...rest } = call;
      plan.calls[unit.callIndex!] = {
        ...rest,
        status: 'manual',
        edits: [],
        reasonCode: 'edit-does-not-compile',
        reason: `${(unit.reason ?? '').replace(/\.$/, '')}; nothing was written for this call`,
      } as CallPlan;
      reverted++;
    } else if (plan.schema) {
      plan.schema = {
        ...plan.schema,
        added: [],
        passedThrough: [],
        manual: `the schema step's edit of \`${plan.schema.typeName}\` was not written: ${unit.reason}`,
      };
      outcome.schemaReverted++;
    }
  }
  if (state.text === state.original) {
    plan.status = 'unchanged';
    plan.output = undefined;
  } else plan.output = state.text;
  return reverted;
}
