export { analyzeFile, type AnalyzeInput } from './analyze.js';
export { applyEdits, lineEnding } from './edits.js';
export { createMemoryHost, resolveModule, type ProjectHost } from './host.js';
export type { CallPlan, CallStatus, FilePlan, ManualReasonCode, TextEdit } from './types.js';
