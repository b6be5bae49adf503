/**
 * The codemod as an importable module (the package's `recon-codemod/codemods/add-reconciliation-fields` export):
 * the engine's entry point, src/engine/plan.ts, re-exported.
 */
export {
  addReconciliationFields,
  addReconciliationFields as default,
  type SourceInput,
  type TransformOptions,
  type TransformResult,
} from '../src/engine/index.js';
