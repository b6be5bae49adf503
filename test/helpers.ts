import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const REPO = fileURLToPath(new URL('..', import.meta.url));
export const BIN = join(REPO, 'bin', 'recon-codemod.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run the real bin in a process of its own (compiled by `npm run build`, which `npm test` runs first). */
export function spawnCli(args: string[], cwd: string, env: Record<string, string> = {}): CliResult {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', CI: '1', ...env },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/**
 * After each test file (test/setup.ts): its temp copies are removed. What the CLI loaded (ts-morph, TypeScript, the
 * lib and openai declarations its type check parsed) stays for the next file in this test worker (isolate: false).
 */
export async function releaseTestResources(): Promise<void> {
  for (const dir of copies.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/**
 * Run the CLI as bin/recon-codemod.js does (the built `main`, its exit code, its output, a crash as `fatal`, exit 2),
 * in this test worker: `main` takes its cwd, env and output as arguments and touches no process state, so runs share
 * what one run loaded (ts-morph, TypeScript, parsed declarations, shared with tscErrors too) where a process per run
 * would load it all again (a second or more of CPU). A few tests still spawn the bin itself (spawnCli).
 */
export async function runCli(args: string[], cwd: string, env: Record<string, string> = {}): Promise<CliResult> {
  const { main } = (await import(
    pathToFileURL(join(REPO, 'dist', 'src', 'cli.js')).href
  )) as typeof import('../src/cli.js');
  let stdout = '';
  let stderr = '';
  let code: number | null;
  try {
    code = await main(args, {
      cwd,
      stdout: (text) => void (stdout += text),
      stderr: (text) => void (stderr += text),
      stdoutIsTTY: false,
      stderrIsTTY: false,
      env: { ...process.env, NO_COLOR: '1', CI: '1', ...env },
    });
  } catch (error) {
    // As bin/recon-codemod.js does.
    stderr += `recon-codemod: fatal: ${(error as Error)?.stack ?? error}\n`;
    code = 2;
  }
  return { code, stdout, stderr };
}

/**
 * A test app's tsconfig.json text: what a Next.js app's checks come to (strict, ES2022, Bundler resolution, no emit,
 * library declarations skipped), with the test's own compiler options and files on top.
 */
export function appTsconfig(
  compilerOptions: Record<string, unknown> = {},
  files: { include?: string[]; files?: string[] } = { include: ['*.ts'] },
): string {
  return JSON.stringify({
    compilerOptions: {
      target: 'ES2022',
      module: 'ESNext',
      moduleResolution: 'Bundler',
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      ...compilerOptions,
    },
    ...files,
  });
}

const copies: string[] = [];

/** A fresh temp directory, removed after the test file's tests. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  copies.push(dir);
  return dir;
}

/** A fresh temp copy of a fixture directory, removed after the test file's tests. */
export function copyFixture(name: string): string {
  const dir = tempDir(`recon-${name.replace(/\W/g, '-')}-`);
  cpSync(join(REPO, 'fixtures', name), dir, { recursive: true });
  return dir;
}

/**
 * Every file under a directory, relative path → bytes; not node_modules (an app copy's is a link to this repo's whole
 * install: reading it took seconds and half a gigabyte, twice per snapshot comparison).
 */
export function snapshotTree(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (d: string) => {
    for (const entry of readdirSync(d)) {
      if (entry === 'node_modules') continue;
      const full = join(d, entry);
      if (statSync(full).isDirectory()) walk(full);
      else out.set(relative(dir, full), readFileSync(full));
    }
  };
  walk(dir);
  return out;
}

/** Files that do not change during a run (node_modules, TypeScript's lib files), parsed once per test worker. */
const stableSourceFiles = new Map<string, import('typescript').SourceFile>();
let documentKeys: import('typescript').DocumentRegistry | undefined;

/**
 * `tsc -p tsconfig --noEmit`, in-process: the errors as tsc prints them without --pretty (`file(line,col): error
 * TS1234: text`, paths relative to the tsconfig's directory), config errors included. The repo's TypeScript (the one
 * `node_modules/.bin/tsc` runs); the declaration files of node_modules and the lib files are parsed once per test file
 * and shared by every check in it, as an editor's language service does.
 */
export function tscErrors(tsconfig: string): string[] {
  return typeCheck(tsconfig).errors;
}

/** tscErrors, and the files the program loaded (what `tsc --listFiles` prints). */
export function typeCheck(tsconfig: string): { errors: string[]; files: string[] } {
  const ts = typescript();
  const dir = dirname(tsconfig);
  const read = ts.readConfigFile(tsconfig, ts.sys.readFile);
  const format = (d: import('typescript').Diagnostic) => {
    const text = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    if (!d.file || d.start === undefined) return `error TS${d.code}: ${text}`;
    const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
    return `${relative(dir, d.file.fileName)}(${line + 1},${character + 1}): error TS${d.code}: ${text}`;
  };
  if (read.error) return { errors: [format(read.error)], files: [] };
  const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, dir, { noEmit: true }, tsconfig);
  documentKeys ??= ts.createDocumentRegistry();
  // Without the tsconfig's directory (pathsBasePath, the end of the registry's key, for module resolution), which no
  // parse or binding reads: copies of an app in different temp directories share the files.
  const settings = documentKeys.getKeyForCompilationSettings({ ...parsed.options, pathsBasePath: undefined });
  const host = ts.createCompilerHost(parsed.options);
  // As tsc sets it: the JSDoc that can give a type error is parsed, the rest (most of the SDKs' declarations) is not.
  host.jsDocParsingMode = ts.JSDocParsingMode.ParseForTypeErrors;
  const getSourceFile = host.getSourceFile.bind(host);
  const libDir = dirname(ts.getDefaultLibFilePath(parsed.options));
  host.getSourceFile = (fileName, languageVersion, onError, shouldCreate) => {
    if (!fileName.includes('/node_modules/') && dirname(fileName) !== libDir)
      return getSourceFile(fileName, languageVersion, onError, shouldCreate);
    const version =
      typeof languageVersion === 'object'
        ? `${languageVersion.languageVersion}:${languageVersion.impliedNodeFormat}:${languageVersion.jsDocParsingMode}`
        : languageVersion;
    const key = `${settings}\0${version}\0${fileName}`;
    let file = stableSourceFiles.get(key);
    if (!file) {
      file = getSourceFile(fileName, languageVersion, onError, shouldCreate);
      if (file) stableSourceFiles.set(key, file);
    }
    return file;
  };
  const program = ts.createProgram({
    rootNames: parsed.fileNames,
    options: parsed.options,
    projectReferences: parsed.projectReferences,
    host,
    configFileParsingDiagnostics: parsed.errors,
  });
  const errors = ts
    .getPreEmitDiagnostics(program)
    .filter((d) => d.category === ts.DiagnosticCategory.Error)
    .map(format);
  return { errors, files: program.getSourceFiles().map((f) => f.fileName) };
}

const require = createRequire(import.meta.url);
const typescript = (): typeof import('typescript') => require('typescript');

let pgliteStart: Promise<Partial<import('@electric-sql/pglite').PGliteOptions>> | undefined;

/**
 * What every PGlite a test starts is started from, loaded once per test worker: the empty cluster (test/pglite-cluster.mjs,
 * made once per PGlite version: initdb is most of a PGlite start, 5-6 CPU s on this machine), the compiled WebAssembly
 * and the file-system bundle (otherwise compiled and read again by each start).
 */
function pgliteStartOptions() {
  pgliteStart ??= (async () => {
    const { emptyClusterBytes, PGLITE_DIST } = await import('./pglite-cluster.mjs');
    type Options = import('@electric-sql/pglite').PGliteOptions;
    // The global WebAssembly (the lib settings here declare no DOM or WebAssembly types).
    const { compile } = (
      globalThis as unknown as { WebAssembly: { compile(b: Buffer): Promise<Options['pgliteWasmModule']> } }
    ).WebAssembly;
    const wasm = (name: string) => compile(readFileSync(join(PGLITE_DIST, name)));
    const [cluster, pgliteWasmModule, initdbWasmModule] = await Promise.all([
      emptyClusterBytes(),
      wasm('pglite.wasm'),
      wasm('initdb.wasm'),
    ]);
    return {
      loadDataDir: new Blob([cluster]),
      pgliteWasmModule,
      initdbWasmModule,
      fsBundle: new Blob([readFileSync(join(PGLITE_DIST, 'pglite.data'))]),
    };
  })();
  return pgliteStart;
}

/** A new, empty in-memory PGlite database, like `new PGlite()`, started from the empty cluster (pgliteStartOptions). */
export async function freshPGlite(): Promise<import('@electric-sql/pglite').PGlite> {
  const { PGlite } = await import('@electric-sql/pglite');
  return PGlite.create(await pgliteStartOptions());
}

/**
 * An embedded store's data directory (`dir`, created) holding an empty database, as PGlite's initdb leaves one there,
 * written from the empty cluster: for tests about what happens once the directory exists. The cold start itself
 * (initdb on first use) is tested in test/tracking/stores.test.ts.
 */
export async function emptyPGliteDir(dir: string): Promise<void> {
  const { PGlite } = await import('@electric-sql/pglite');
  mkdirSync(dir, { recursive: true });
  const db = await PGlite.create({ dataDir: dir, ...(await pgliteStartOptions()) });
  await db.close();
}
