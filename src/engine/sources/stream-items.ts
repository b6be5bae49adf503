/**
 * Pass: the variable of a `for await` loop over a stream: a chat stream's chunk (which carries the fields), or an item
 * of another provider's stream. Entries: {@link classifyStreamChunk}, {@link otherProviderStreamItem}.
 */
import { streamChunkKindOf } from '../result-kinds.js';
import { propertyChain, skipOuterExpressions, ts } from '../ts.js';
import { type PassContext, type Classified } from './context.js';
import { producedBy } from './syntax.js';
import { classifyCall } from './calls.js';
import { toClassified } from './result-source.js';

/**
 * `for await (const chunk of stream)` over an OpenAI chat stream, with the call inside the loop: every chunk carries
 * the request's id, `created` and `system_fingerprint`.
 */
export function classifyStreamChunk(decl: ts.VariableDeclaration, ctx: PassContext): Classified | undefined {
  const loop = decl.parent.parent;
  if (
    !ts.isIdentifier(decl.name) ||
    !ts.isForOfStatement(loop) ||
    !loop.awaitModifier ||
    loop.initializer !== decl.parent
  )
    return undefined;
  const stream = producedBy(loop.expression);
  const chunkKind =
    stream && ts.isCallExpression(stream)
      ? streamChunkKindOf(propertyChain(skipOuterExpressions(stream.expression)).names)
      : undefined;
  if (!stream || !ts.isCallExpression(stream) || !chunkKind) return undefined;
  const result = classifyCall(stream, ctx);
  if (result?.rejection?.code !== 'stream-not-captured')
    return result?.rejection ? toClassified(decl, decl.name.text, result, decl.name.text, ctx) : undefined;
  // Chunks typed by a cast of the stream (`stream as AsyncIterable<{ choices… }>`) may lack `id`: not read.
  let over = loop.expression;
  while (ts.isParenthesizedExpression(over) || ts.isNonNullExpression(over)) over = over.expression;
  if ((ts.isAsExpression(over) || ts.isTypeAssertionExpression(over)) && over.type.kind !== ts.SyntaxKind.AnyKeyword) {
    return {
      type: 'rejected',
      origin: decl,
      name: decl.name.text,
      code: 'no-field-value',
      reason: `its chunks are typed by the cast \`${over.type.getText(ctx.sourceFile)}\`, which may lack \`id\`, \`created\` and \`system_fingerprint\`: drop the cast (the SDK types the chunks), then run again`,
    };
  }
  return {
    type: 'source',
    origin: decl,
    name: decl.name.text,
    base: decl.name.text,
    kind: chunkKind,
    edits: [],
    notes: [
      'read from a stream chunk: every chunk of a chat stream carries the same id, created and system_fingerprint',
    ],
  };
}

/**
 * `for await (const chunk of stream)` over another provider's stream (`genai.models.generateContentStream(...)`,
 * `anthropic.messages.stream(...)`): every chunk, and the usage read from one, is that provider's, not OpenAI's.
 */
export function otherProviderStreamItem(decl: ts.VariableDeclaration, ctx: PassContext): Classified | undefined {
  const loop = decl.parent.parent;
  if (!ts.isIdentifier(decl.name) || !ts.isForOfStatement(loop) || loop.initializer !== decl.parent) return undefined;
  const stream = producedBy(loop.expression);
  if (!stream || !ts.isCallExpression(stream)) return undefined;
  const result = classifyCall(stream, ctx);
  if (result?.rejection?.code !== 'not-openai' || result.rejection.gateway) return undefined;
  return toClassified(decl, decl.name.text, result, decl.name.text, ctx);
}
