/**
 * Pass: how a classified value becomes a source (or a rejection) of a named value: the base the fields are read from,
 * fitted to the type the code declares for it (adding missing members to an inline type literal), or a name declared
 * with an SDK result type. Entries: {@link toClassified}, {@link fitDeclaredType}, {@link classifyByType}.
 */
import { kindOfSdkType, plainPath, type ResultKind } from '../result-kinds.js';
import { appendTypeMember, lineEnding, lineIndentAt } from '../edits.js';
import { type ManualReasonCode, type TextEdit } from '../types.js';
import { packageTypeReference, readTypeShape } from '../types-read.js';
import { ts } from '../ts.js';
import { activeFields } from '../../config.js';
import { type AnalysisContext, type CallClassification, type Classified, OPENAI_PACKAGE } from './context.js';

export function toClassified(
  origin: ts.Node,
  name: string,
  result: CallClassification | undefined,
  base: string,
  ctx: AnalysisContext,
): Classified | undefined {
  if (!result) return undefined;
  if (result.rejection)
    return { type: 'rejected', origin, name, ...result.rejection, ...(result.rejection.gatewayRead ? { base } : {}) };
  const edits: TextEdit[] = [];
  if (result.streamResult) {
    const awaited = ctx.sdk.aiFinalStep ? `(await ${base}.finalStep).response` : `(await ${base}.response)`;
    return {
      type: 'source',
      origin,
      name,
      base: awaited,
      kind: result.kind!,
      edits,
      notes: result.notes,
      needsStreamEnd: { result: base },
    };
  }
  let kind = result.kind!;
  if (ts.isVariableDeclaration(origin)) {
    const fitted = fitDeclaredType(origin, result, ctx);
    if ('rejection' in fitted) return { type: 'rejected', origin, name, ...fitted.rejection };
    kind = fitted.kind;
    edits.push(...fitted.edits);
  }
  return {
    type: 'source',
    origin,
    name,
    base: result.path ? `${base}.${result.path}` : base,
    kind,
    edits,
    notes: result.notes,
  };
}

/** The type the code gives a value where it declares it: `const data: T = …`, or the outer cast `… as T`. */
function declaredValueType(decl: ts.VariableDeclaration): ts.TypeNode | undefined {
  if (decl.type) return decl.type;
  let e = decl.initializer;
  while (e && ts.isParenthesizedExpression(e)) e = e.expression;
  return e && (ts.isAsExpression(e) || ts.isTypeAssertionExpression(e)) ? e.type : undefined;
}

/** What the REST body's properties are, per field (`x.id` → `id: string`). */
const BODY_PROPERTY_TYPES: Partial<Record<string, { type: 'string' | 'number'; optional?: true }>> = {
  openai_request_id: { type: 'string' },
  openai_created: { type: 'number' },
  system_fingerprint: { type: 'string', optional: true },
};

/**
 * The type the code gives a result where it declares it (`as { choices; usage }`, `: OpenAIResponse`) decides what
 * compiles: `data.id` on a type without `id` does not (TS2339). A raw fetch's JSON body is `any` unless so typed; an
 * SDK result cast to an inline type keeps only what that type names. An inline type literal (the cast's or the
 * declaration's own) of a chat completion or Responses body gets the members it lacks (`id: string; created: number;
 * system_fingerprint?: string`, as the API returns them); a named type of the app's is not edited: manual, saying
 * what to add. Members it has are read as it declares them. The SDK's own types, and types this tool cannot read on
 * an SDK result, are trusted as before.
 */
export function fitDeclaredType(
  decl: ts.VariableDeclaration,
  result: CallClassification,
  ctx: AnalysisContext,
): { kind: ResultKind; edits: TextEdit[] } | { rejection: { code: ManualReasonCode; reason: string } } {
  const kind = result.kind!;
  const type = declaredValueType(decl);
  if (!type || type.kind === ts.SyntaxKind.AnyKeyword) return { kind, edits: [] };
  // `Record<string, any>`: every property is `any`, as with no type at all.
  if (
    ts.isTypeReferenceNode(type) &&
    type.typeName.getText(ctx.sourceFile) === 'Record' &&
    type.typeArguments?.[1]?.kind === ts.SyntaxKind.AnyKeyword
  )
    return { kind, edits: [] };
  const typeText = type.getText(ctx.sourceFile);
  const name = decl.name.getText(ctx.sourceFile);
  const what = result.fetchBody ? 'the response body' : 'the result';
  if (type.kind === ts.SyntaxKind.UnknownKeyword) {
    return {
      rejection: {
        code: 'no-field-value',
        reason: `${what} \`${name}\` is typed \`unknown\`: type it as the ${kind.label} it is, then run again`,
      },
    };
  }
  // The SDK's own type (`as ChatCompletion`): it has the fields, as the SDK reads them.
  const ref = packageTypeReference(type, decl);
  if (ref && OPENAI_PACKAGE.test(ref.module)) {
    if (!result.fetchBody) return { kind, edits: [] };
    const sdkKind = kindOfSdkType(ref);
    if (sdkKind === kind) return { kind, edits: [] };
    return {
      rejection: {
        code: 'no-field-value',
        reason: `${what} \`${name}\` is typed \`${typeText}\`, which is not the ${kind.label} this endpoint returns: type it as the body, then pass its fields`,
      },
    };
  }
  const shape = readTypeShape(ctx.host, ctx.sourceFile, type);
  if (!shape) {
    if (!result.fetchBody) return { kind, edits: [] };
    return {
      rejection: {
        code: 'no-field-value',
        reason: `${what} \`${name}\` is typed \`${typeText}\`, which this tool cannot read: type it so it has the body's \`id\`, \`created\` and \`system_fingerprint\`, then pass them`,
      },
    };
  }
  if (result.path) {
    // `response` of an AI SDK result, `data` of `.withResponse()`: the type must name it (this tool does not add it).
    const key = result.path.split('.')[0];
    if (shape.open || shape.properties.has(key)) return { kind, edits: [] };
    return {
      rejection: {
        code: 'no-field-value',
        reason: `${what} \`${name}\` is typed \`${typeText}\`, which has no \`${key}\`: add \`${key}\` to it (the SDK returns it), then run again`,
      },
    };
  }
  const fields = { ...kind.fields };
  const missing: string[] = [];
  for (const { field } of activeFields(ctx.config)) {
    const reader = kind.fields[field];
    if (!reader) continue;
    const key = /^[A-Za-z_$][\w$]*$/.exec(plainPath(reader) ?? '')?.[0];
    const declared = key ? shape.properties.get(key) : undefined;
    const wanted = BODY_PROPERTY_TYPES[field];
    if (declared) {
      const node = declared.node as ts.PropertySignature;
      const written = node.type?.getText(ctx.sourceFile).replace(/\s+/g, ' ');
      const plain =
        wanted &&
        node.type &&
        unionTypes(node.type).every((t) => t === wanted.type || t === 'null' || t === 'undefined');
      if (!plain) {
        return {
          rejection: {
            code: 'no-field-value',
            reason: `${what} \`${name}\` declares \`${key}\` as \`${written ?? 'untyped'}\`, not the API's ${wanted?.type ?? 'value'}: correct its type, then pass it`,
          },
        };
      }
      fields[field] = {
        ...reader,
        mayBeUndefined: reader.mayBeUndefined || declared.acceptsUndefined,
        mayBeNull: reader.mayBeNull || declared.acceptsNull,
      };
    } else if (!shape.open) {
      if (!key || !wanted)
        return {
          rejection: {
            code: 'no-field-value',
            reason: `${what} \`${name}\` is typed \`${typeText}\`, which has no ${field}`,
          },
        };
      missing.push(`${key}${wanted.optional ? '?' : ''}: ${wanted.type}`);
    }
  }
  if (missing.length === 0) return { kind: { ...kind, fields }, edits: [] };
  if (!ts.isTypeLiteralNode(type) || !kind.bodyTypeEditable) {
    return {
      rejection: {
        code: 'no-field-value',
        reason: `${what} \`${name}\` is typed \`${typeText}\`, which has no ${missing.map((m) => `\`${m.split(/\??:/)[0]}\``).join(', ')}: add \`${missing.join('; ')}\` to it (the API returns them), then run again`,
      },
    };
  }
  return { kind: { ...kind, fields }, edits: [appendTypeMembers(ctx.sourceFile, type, missing)] };
}

/** The keyword types of a union, as text (`string | null` → ['string', 'null']). */
function unionTypes(type: ts.TypeNode): string[] {
  if (ts.isParenthesizedTypeNode(type)) return unionTypes(type.type);
  if (ts.isUnionTypeNode(type)) return type.types.flatMap(unionTypes);
  return [ts.isLiteralTypeNode(type) && type.literal.kind === ts.SyntaxKind.NullKeyword ? 'null' : type.getText()];
}

/** Several members in one edit (one per line in a multi-line literal): edits at one spot must not overlap. */
function appendTypeMembers(sourceFile: ts.SourceFile, literal: ts.TypeLiteralNode, members: string[]): TextEdit {
  const last = literal.members.at(-1);
  if (!last) return appendTypeMember(sourceFile, literal, members.join('; '));
  const text = sourceFile.text;
  const lastText = last.getText(sourceFile);
  const separator = /[;,]$/.test(lastText)
    ? lastText.slice(-1)
    : literal.members.length > 1
      ? literal.members[0].getText(sourceFile).slice(-1).replace(/[^;,]/, ';')
      : ';';
  const multiline = text.slice(literal.getStart(sourceFile), last.getStart(sourceFile)).includes('\n');
  const joint = multiline
    ? `${separator}${lineEnding(text, last.getStart(sourceFile))}${lineIndentAt(text, last.getStart(sourceFile))}`
    : `${separator} `;
  return appendTypeMember(sourceFile, literal, members.join(joint));
}

/** A name declared with an OpenAI SDK result type (`completion: ChatCompletion`, `ChatCompletion | undefined`). */
export function classifyByType(
  decl: ts.VariableDeclaration | ts.ParameterDeclaration,
  type: ts.TypeNode,
  name: string,
): Classified | undefined {
  const members = ts.isUnionTypeNode(type) ? type.types : [type];
  const nullable = members.filter(
    (m) =>
      m.kind === ts.SyntaxKind.UndefinedKeyword ||
      (ts.isLiteralTypeNode(m) && m.literal.kind === ts.SyntaxKind.NullKeyword),
  );
  const rest = members.filter((m) => !nullable.includes(m));
  if (rest.length !== 1) return undefined;
  const ref = packageTypeReference(rest[0], decl);
  if (!ref || !OPENAI_PACKAGE.test(ref.module)) return undefined;
  const kind = kindOfSdkType(ref);
  if (!kind) return undefined;
  const optional = nullable.length > 0 || !!(ts.isParameter(decl) && decl.questionToken);
  return { type: 'source', origin: decl, name, base: name, kind, edits: [], notes: [], optional };
}
