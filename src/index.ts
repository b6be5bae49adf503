/** The programmatic API: the engine, the codemod transform, the config and the schema. */
export {
  analyzeFile,
  applyEdits,
  createMemoryHost,
  type AnalyzeInput,
  type CallPlan,
  type FilePlan,
  type ProjectHost,
  type TextEdit,
} from './engine/index.js';
export {
  addReconciliationFields,
  type SourceInput,
  type TransformOptions,
  type TransformResult,
} from './engine/index.js';
export { DEFAULT_CONFIG, resolveConfig, type ReconConfig } from './config.js';
export {
  RECONCILIATION_FIELDS,
  RECONCILIATION_FIELD_NAMES,
  type ReconciliationField,
  type ReconciliationFieldName,
} from './schema/fields.js';
export { buildReport, renderJson, renderMarkdown, type Report } from './report.js';
