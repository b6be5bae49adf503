/**
 * The codemod as an importable module: candidate files in, plan and new texts out. Touches no disk; the CLI, the
 * jscodeshift adapter and tests all call this.
 */
import { DEFAULT_CONFIG, type ReconConfig } from '../src/config.js';
import { analyzeFile } from '../src/engine/analyze.js';
import type { ProjectHost } from '../src/engine/host.js';
import type { FilePlan } from '../src/engine/types.js';

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
  /** Called after each file, for progress reporting. */
  onFile?: (plan: FilePlan, index: number, total: number) => void;
}

export interface TransformResult {
  files: FilePlan[];
}

export function addReconciliationFields(files: readonly SourceInput[], options: TransformOptions = {}): TransformResult {
  const config = options.config ?? DEFAULT_CONFIG;
  const byPath = new Map(files.map((f) => [f.path, f.text]));
  const host: ProjectHost = {
    readFile: (path) => byPath.get(path) ?? options.readFile?.(path),
    pathAliases: options.pathAliases,
  };
  const plans = files.map((file, index) => {
    const plan = analyzeFile(file, config, host, { todo: options.todo });
    options.onFile?.(plan, index, files.length);
    return plan;
  });
  return { files: plans };
}

export default addReconciliationFields;
