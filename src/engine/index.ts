/** The engine's public face: callers (the CLI, the lint rule, the jscodeshift worker, the API) import from here. */
export {
  addReconciliationFields,
  fileAlone,
  originalOffset,
  schemaTarget,
  standaloneEdit,
  type SourceInput,
  type TransformOptions,
  type TransformResult,
} from './plan.js';
export { analyzeFile, type AnalyzeInput, type AnalyzeOptions } from './analyze.js';
export { applyEdits, lineEnding } from './edits.js';
export { createMemoryHost, resolveModule, type PathAliases, type ProjectHost } from './host.js';
export { ts } from './ts.js';
export {
  isReportedByLint,
  type CallPlan,
  type CallStatus,
  type FilePlan,
  type ManualReasonCode,
  type SchemaPlan,
  type TextEdit,
} from './types.js';
export { MANUAL_ACTIONS, todoText } from './manual-actions.js';
export { ALL_RESULT_KINDS, RESULT_KINDS, type FieldReader, type ResultKind } from './result-kinds.js';
