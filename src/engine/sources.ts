/**
 * Source resolution: what a declaration holds (an LLM result and how to read it, a rejected look-alike, or nothing
 * known), decided by small passes in ./sources/, each its own module, imported one way only:
 *
 *   declarations → assigned, steps, bindings, stream-items, caught-error, callbacks, result-source
 *   bindings, steps, assigned → values → calls → wrappers, provider, client, model; values → fetch-json
 *   callbacks, steps, wrappers → model → client → syntax → context
 *
 * A lower pass that needs a higher one (a wrapper's returned value, the run a `steps` comes from) calls it through
 * `ctx.resolve` (context.ts), set by the declaration pass. This module re-exports what the rest of the engine uses.
 */
export {
  sdkMapping,
  type AnalysisContext,
  type Classified,
  type GatewayRead,
  type SdkMapping,
  type SourceCandidate,
  type SourceRejection,
} from './sources/context.js';
export { assignmentsTo } from './sources/syntax.js';
export { aiCallbackOwner, classifyAiCallback } from './sources/callbacks.js';
export { classifyDeclaration } from './sources/declarations.js';
