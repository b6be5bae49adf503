/**
 * Pass: what a `let` (or `var`) holds, from every value it is given. Entry: {@link classifyAssigned}. A name it is
 * assigned is classified by the declaration pass, reached through `ctx.resolve`.
 */
import { resolveName } from '../scope.js';
import { isFunctionLike, skipOuterExpressions, ts } from '../ts.js';
import { type PassContext, type Classified, type SourceCandidate, type SourceRejection } from './context.js';
import { assignmentsTo, isNullish } from './syntax.js';
import { classifyInitializer } from './values.js';
import { classifyByType, toClassified } from './result-source.js';

/**
 * What one value assigned to the `let` called `name` is: a result (read through `name`), a name holding one, a
 * rejected look-alike, or unknown.
 */
function classifyAssignedValue(value: ts.Expression, name: string, ctx: PassContext): Classified | undefined {
  const e = skipOuterExpressions(value);
  if (ts.isIdentifier(e)) {
    const decl = resolveName(e.text, e);
    const alias = decl && ctx.resolve.declaration(decl, ctx);
    // Read through the `let`, not the name it was copied from: `previous?.id` would be the stale one.
    return alias?.type === 'source' && alias.base.includes(alias.name)
      ? { ...alias, name, base: alias.base.replace(alias.name, name) }
      : alias;
  }
  return toClassified(value, name, classifyInitializer(value, ctx), name, ctx);
}

/** An assignment inside a loop is exempt when the loop stops right after it (`completion = await …; break;`). */
function stopsLoopAfter(value: ts.Expression): boolean {
  let statement: ts.Node = value;
  while (statement.parent && !ts.isBlock(statement.parent) && !ts.isSourceFile(statement.parent))
    statement = statement.parent;
  const block = statement.parent;
  if (!block || !ts.isBlock(block)) return false;
  const next = block.statements[block.statements.indexOf(statement as ts.Statement) + 1];
  return !!next && (ts.isBreakStatement(next) || ts.isReturnStatement(next));
}

/**
 * A `let` (or `var`): every value it is given, its initializer and later assignments. One kind of result throughout
 * is a source (read with optional chaining when it may still be unset); a mix of results and other values, of
 * providers, or a result assigned on every pass of a loop the call is not in, is ambiguous.
 */
export function classifyAssigned(decl: ts.VariableDeclaration, ctx: PassContext): Classified | undefined {
  const name = (decl.name as ts.Identifier).text;
  const initial = decl.initializer && !isNullish(decl.initializer) ? [decl.initializer] : [];
  const assigned = assignmentsTo(decl).filter((v) => !isNullish(v));
  const values = [...initial, ...assigned];
  if (values.length === 0) return decl.type ? classifyByType(decl, decl.type, name) : undefined;
  const results = values.map((v) => classifyAssignedValue(v, name, ctx));
  if (results.every((r) => !r)) return undefined;
  const ambiguous = (reason: string): SourceRejection => ({
    type: 'rejected',
    origin: decl,
    name,
    code: 'ambiguous-source',
    reason,
  });
  if (results.some((r) => !r)) {
    const other = values[results.findIndex((r) => !r)];
    return ambiguous(
      `it holds an LLM result on some paths and \`${other.getText(ctx.sourceFile)}\` on others: which request this call records cannot be told`,
    );
  }
  const sources = results.filter((r): r is SourceCandidate => r!.type === 'source');
  const rejected = results.filter((r): r is SourceRejection => r!.type === 'rejected');
  if (rejected.length && sources.length)
    return ambiguous(`it is assigned both OpenAI results and \`${rejected[0].name}\` (${rejected[0].reason})`);
  if (rejected.length) return { ...rejected[0], origin: decl, name };
  const shapes = new Set(sources.map((c) => `${c.kind.id} ${c.base}`));
  if (shapes.size !== 1) return ambiguous('it is assigned results of different kinds');
  // Assigned on every pass of a loop the call is not in: the call records the whole loop, the name only its last request.
  const inLoop = assigned.some((v) => {
    const loop = enclosingLoop(v, decl);
    return loop && !(ctx.call && loop.pos <= ctx.call.pos && ctx.call.end <= loop.end) && !stopsLoopAfter(v);
  });
  if (inLoop) {
    return ambiguous(
      "it is assigned on every pass of a loop and this call comes after the loop: it would record only the last of those requests' ids (track each request inside the loop, or write null)",
    );
  }
  const first = sources[0];
  const optional = initial.length === 0 || !!first.optional;
  if (optional && first.needsStreamEnd) {
    // `(await result?.response)` cannot be narrowed across two awaits: no expression both compiles and is certain.
    return {
      type: 'rejected',
      origin: decl,
      name,
      code: 'stream-not-captured',
      reason:
        'a stream result held in a `let` that may still be unset here: read `(await result.response).id` where the stream is created, or track in its `onFinish`',
    };
  }
  return {
    type: 'source',
    origin: decl,
    name,
    base: first.base,
    kind: first.kind,
    edits: [],
    needsStreamEnd: first.needsStreamEnd,
    notes: first.notes,
    optional,
    reassigned: values.length > 1,
  };
}

/** The innermost loop around `node` that does not also contain `decl` (the loop that reassigns it), if any. */
function enclosingLoop(node: ts.Node, decl: ts.Node): ts.IterationStatement | undefined {
  for (let current = node.parent; current && current !== decl.parent; current = current.parent) {
    if (isFunctionLike(current)) return undefined;
    if (ts.isIterationStatement(current, false) && !(current.pos <= decl.pos && decl.end <= current.end))
      return current;
  }
  return undefined;
}
