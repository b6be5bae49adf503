export { analyzeFile, type AnalyzeInput, type AnalyzeOptions } from './analyze.js';
export { applyEdits, lineEnding } from './edits.js';
export { createMemoryHost, resolveModule, type ProjectHost } from './host.js';
export { isReportedByLint, type CallPlan, type CallStatus, type FilePlan, type ManualReasonCode, type TextEdit } from './types.js';
