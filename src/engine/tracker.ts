import type { ReconConfig } from '../config.js';
import { resolveModule, type ProjectHost } from './host.js';
import { findExport, importTarget, namespaceReexport, resolveImport, type Located } from './modules.js';
import { resolveName, type Declaration } from './scope.js';
import { readRecordShape, type TypeShape } from './types-read.js';
import { functionOf, skipOuterExpressions, ts } from './ts.js';

/** A call of the tracking function, found by what its callee is bound to (never by its text alone). */
export interface TrackingCall {
  call: ts.CallExpression;
  /** The callee as written. */
  callee: string;
  /** The declaration the callee resolves to: an import of the tracker, or its definition in this file. */
  binding: Declaration;
  /** How the tracker is invoked: directly, or through `Function.prototype.call` / `apply` (arguments shifted). */
  via?: 'call' | 'apply';
}

function moduleMatches(module: string, config: ReconConfig): boolean {
  if (config.trackingModules.length === 0) return true;
  const bare = module.replace(/\.(c|m)?[jt]sx?$/, '').replace(/\/index$/, '');
  return config.trackingModules.some((m) => {
    const wanted = m.replace(/\.(c|m)?[jt]sx?$/, '').replace(/\/index$/, '');
    return bare === wanted || bare.endsWith(`/${wanted.replace(/^\.?\//, '')}`) || bare.endsWith(wanted);
  });
}

/** Does a binding denote the tracker? Imports of a configured callee name (from a configured module), or a same-file definition. */
export function isTrackerBinding(decl: Declaration, name: string, config: ReconConfig): boolean {
  const target = importTarget(decl);
  if (target)
    return config.callees.includes(target.imported) && target.imported !== '*' && moduleMatches(target.module, config);
  return config.callees.includes(name) && !!functionOf(decl);
}

/** Every call of the tracker in a file: plain, aliased, namespace (`tracking.trackTokenUsage(...)`), or a same-file definition. */
export function findTrackingCalls(sourceFile: ts.SourceFile, config: ReconConfig, host?: ProjectHost): TrackingCall[] {
  const calls: TrackingCall[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isCallExpression(node)) {
      const found = trackerCallee(node, config, host);
      if (found) calls.push({ call: node, callee: node.expression.getText(sourceFile), binding: found });
      // `trackTokenUsage.call(null, {...})`, `.apply(null, [...])`: the same tracker, its arguments shifted.
      const callee = skipOuterExpressions(node.expression);
      if (
        !found &&
        ts.isPropertyAccessExpression(callee) &&
        (callee.name.text === 'call' || callee.name.text === 'apply')
      ) {
        const inner = skipOuterExpressions(callee.expression);
        const decl = ts.isIdentifier(inner) ? resolveName(inner.text, inner) : undefined;
        if (decl && isTrackerBinding(decl, inner.getText(sourceFile), config)) {
          calls.push({ call: node, callee: inner.getText(sourceFile), binding: decl, via: callee.name.text });
        }
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);
  return calls;
}

function trackerCallee(call: ts.CallExpression, config: ReconConfig, host?: ProjectHost): Declaration | undefined {
  const callee = skipOuterExpressions(call.expression);
  if (ts.isIdentifier(callee)) {
    const decl = resolveName(callee.text, callee);
    return decl && isTrackerBinding(decl, callee.text, config) ? decl : undefined;
  }
  if (
    ts.isPropertyAccessExpression(callee) &&
    ts.isIdentifier(callee.expression) &&
    config.callees.includes(callee.name.text)
  ) {
    const decl = resolveName(callee.expression.text, callee.expression);
    const target = decl && importTarget(decl);
    if (target && target.imported === '*') return moduleMatches(target.module, config) ? decl : undefined;
    // A namespace re-exported by a barrel: `import { tracking } from '@/lib'`, `export * as tracking from './tracking'`.
    const namespace = decl && host && namespaceReexport(host, call.getSourceFile().fileName, decl);
    return namespace && moduleMatches(namespace.module, config) ? decl : undefined;
  }
  return undefined;
}

/** The tracker's own declaration: in this file, or followed through its import to a local module. */
export function trackerDefinition(
  host: ProjectHost,
  sourceFile: ts.SourceFile,
  tracking: TrackingCall,
): Located | undefined {
  const binding = tracking.binding;
  if (ts.isFunctionDeclaration(binding) || ts.isVariableDeclaration(binding))
    return { node: binding as Located['node'], sourceFile };
  const target = importTarget(binding);
  if (!target) return undefined;
  if (target.imported === '*') {
    const path = resolveModule(host, target.module, sourceFile.fileName);
    const callee = skipOuterExpressions(tracking.call.expression) as ts.PropertyAccessExpression;
    return path ? findExport(host, path, callee.name.text) : undefined;
  }
  const namespace = ts.isPropertyAccessExpression(skipOuterExpressions(tracking.call.expression))
    ? namespaceReexport(host, sourceFile.fileName, binding)
    : undefined;
  if (namespace)
    return findExport(
      host,
      namespace.path,
      (skipOuterExpressions(tracking.call.expression) as ts.PropertyAccessExpression).name.text,
    );
  return resolveImport(host, sourceFile.fileName, binding);
}

/** The declared type of the tracker's record parameter, read from syntax; undefined when it cannot be read. */
export function trackerParameterShape(
  located: Located | undefined,
  host: ProjectHost,
  index = 0,
): TypeShape | undefined {
  const type = located && trackerFunction(located)?.parameters[index]?.type;
  return type ? readRecordShape(host, located!.sourceFile, type) : undefined;
}

/** Keys only a usage record has: its token counts (a client or an options object may well name a model). */
const USAGE_KEY = /token|usage/i;
/** Names a parameter holding the usage record goes by. */
const RECORD_NAME = /usage|record|row|entry|payload|data|event|params|input|args|options|log/i;

function keywordType(type: ts.TypeNode): boolean {
  return [
    ts.SyntaxKind.AnyKeyword,
    ts.SyntaxKind.UnknownKeyword,
    ts.SyntaxKind.StringKeyword,
    ts.SyntaxKind.NumberKeyword,
    ts.SyntaxKind.BooleanKeyword,
    ts.SyntaxKind.ObjectKeyword,
  ].includes(type.kind);
}

/**
 * Which parameter of the tracker takes the usage record: the only one, or the one whose declared type is a usage
 * type (`logTokenUsage(client: SupabaseClient, usage: TokenUsage)`, `trackTokenUsage(usage: Omit<…>, client?: any)`).
 * Undefined when the declaration does not say (untyped JavaScript, positional primitives, two candidates).
 */
export function recordParameterIndex(located: Located, host: ProjectHost): number | undefined {
  const params = trackerFunction(located)?.parameters;
  if (!params) return undefined;
  if (params.length <= 1) return 0;
  // Each declared type is read once: undefined for none or a keyword, null for a type this tool cannot read.
  const shapes = params.map((p) =>
    p.type && !keywordType(p.type) ? (readRecordShape(host, located.sourceFile, p.type) ?? null) : undefined,
  );
  const usageTyped = shapes.flatMap((shape, i) =>
    shape && [...shape.properties.keys()].some((k) => USAGE_KEY.test(k)) ? [i] : [],
  );
  if (usageTyped.length === 1) return usageTyped[0];
  if (usageTyped.length > 1) return undefined;
  // A type this tool cannot read, on a parameter named for a record: the call is then judged on that type.
  const named = params.flatMap((p, i) =>
    shapes[i] === null && ts.isIdentifier(p.name) && RECORD_NAME.test(p.name.text) ? [i] : [],
  );
  return named.length === 1 ? named[0] : undefined;
}

/** The tracker's function: a declaration, or the arrow/function expression a `const` holds. */
export function trackerFunction(located: Located): ts.SignatureDeclaration | undefined {
  return functionOf(located.node);
}

/**
 * A plain-JavaScript tracker's parameter: a .js/.jsx/.mjs/.cjs file, no JSDoc type on the parameter or the function.
 * Nothing checks what it is given, so null is as good as undefined for a field with no value.
 */
export function isUntypedJsParameter(sourceFile: ts.SourceFile, param: ts.ParameterDeclaration | undefined): boolean {
  if (!param || param.type || !/\.(c|m)?jsx?$/i.test(sourceFile.fileName)) return false;
  if (ts.getJSDocType(param) || ts.getJSDocParameterTags(param).length > 0) return false;
  const fn = param.parent;
  const holder = ts.isVariableDeclaration(fn.parent) ? fn.parent : fn;
  return !ts.getJSDocTypeTag(fn) && !ts.getJSDocTypeTag(holder);
}
