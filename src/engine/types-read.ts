import { resolveModule, type ProjectHost } from './host.js';
import { findExport, findLocal, importTarget, type Located } from './modules.js';
import { resolveName } from './scope.js';
import { propertyNameText, skipOuterExpressions, ts } from './ts.js';

/** What one property of a declared object type accepts, read from its syntax. */
export interface PropertyShape {
  optional: boolean;
  acceptsNull: boolean;
  acceptsUndefined: boolean;
  /**
   * Whether it takes an explicit `undefined` when the project sets `exactOptionalPropertyTypes` (the type names
   * `undefined`, or is any/unknown): `?` alone is then not enough.
   */
  acceptsExplicitUndefined: boolean;
  /** The declaration, so a schema edit can be placed beside it. */
  node: ts.TypeElement;
}

/** The properties of an object type as far as syntax tells. `open`: other properties may exist that we cannot see. */
export interface TypeShape {
  properties: Map<string, PropertyShape>;
  open: boolean;
  /** The interface or type literal that declares the properties, when it is one we could edit. */
  declaration?: { node: ts.InterfaceDeclaration | ts.TypeLiteralNode; sourceFile: ts.SourceFile };
  /**
   * A construct between the parameter and `declaration` that keeps a member added there from reaching the parameter
   * (`Pick<…>` drops it, `Required<…>` makes an optional one required, a generated database type is regenerated):
   * `allows(key)` says whether a new member named `key` would arrive as declared.
   */
  filter?: { construct: string; allows: (key: string) => boolean };
}

function unionMembers(type: ts.TypeNode): ts.TypeNode[] {
  if (ts.isParenthesizedTypeNode(type)) return unionMembers(type.type);
  return ts.isUnionTypeNode(type) ? type.types.flatMap(unionMembers) : [type];
}

function isKeyword(type: ts.TypeNode, kind: ts.SyntaxKind): boolean {
  return type.kind === kind || (ts.isLiteralTypeNode(type) && type.literal.kind === kind);
}

function readMembers(members: ts.NodeArray<ts.TypeElement>, shape: TypeShape) {
  for (const member of members) {
    if (ts.isPropertySignature(member)) {
      const name = propertyNameText(member.name);
      if (name === undefined) {
        shape.open = true;
        continue;
      }
      const parts = member.type ? unionMembers(member.type) : [];
      const anyLike =
        !member.type ||
        parts.some((p) => isKeyword(p, ts.SyntaxKind.AnyKeyword) || isKeyword(p, ts.SyntaxKind.UnknownKeyword));
      shape.properties.set(name, {
        optional: !!member.questionToken,
        acceptsNull: anyLike || parts.some((p) => isKeyword(p, ts.SyntaxKind.NullKeyword)),
        acceptsUndefined:
          anyLike || !!member.questionToken || parts.some((p) => isKeyword(p, ts.SyntaxKind.UndefinedKeyword)),
        acceptsExplicitUndefined: anyLike || parts.some((p) => isKeyword(p, ts.SyntaxKind.UndefinedKeyword)),
        node: member,
      });
    } else if (ts.isIndexSignatureDeclaration(member)) {
      shape.open = true;
    }
  }
}

/** A type parameter bound to the argument written where the generic type is used. */
interface Bound {
  type: ts.TypeNode;
  sourceFile: ts.SourceFile;
  env: Env;
}
type Env = ReadonlyMap<string, Bound>;

interface Reader {
  host: ProjectHost;
  /**
   * Also read types derived from values (`z.infer<typeof schema>`, `typeof obj`), whose properties have no declared
   * type node: for the tracker's record, where only null/undefined acceptance matters.
   */
  values?: boolean;
  /** The first construct that could not be read, as written. */
  unread?: string;
}

function textOf(node: ts.Node, sourceFile: ts.SourceFile): string {
  try {
    if (node.pos >= 0) return node.getText(sourceFile);
  } catch {
    // a synthesized node
  }
  return ts.createPrinter().printNode(ts.EmitHint.Unspecified, node, sourceFile);
}

function fail(reader: Reader, node: ts.Node, sourceFile: ts.SourceFile): undefined {
  reader.unread ??= textOf(node, sourceFile);
  return undefined;
}

function withFilter(shape: TypeShape, construct: string, allows: (key: string) => boolean): TypeShape {
  const previous = shape.filter;
  return {
    ...shape,
    filter: {
      construct: previous?.construct ?? construct,
      allows: (k) => allows(k) && (previous ? previous.allows(k) : true),
    },
  };
}

/** The string literal keys of `'a' | 'b'` (through type parameters), or undefined when any is something else. */
function literalKeys(type: ts.TypeNode, _sourceFile: ts.SourceFile, env: Env, depth = 0): string[] | undefined {
  if (depth > 6) return undefined;
  const keys: string[] = [];
  for (const part of unionMembers(type)) {
    if (ts.isLiteralTypeNode(part) && ts.isStringLiteral(part.literal)) keys.push(part.literal.text);
    else if (isKeyword(part, ts.SyntaxKind.NeverKeyword)) continue;
    else if (ts.isTypeReferenceNode(part) && ts.isIdentifier(part.typeName) && env.has(part.typeName.text)) {
      const bound = env.get(part.typeName.text)!;
      const inner = literalKeys(bound.type, bound.sourceFile, bound.env, depth + 1);
      if (!inner) return undefined;
      keys.push(...inner);
    } else return undefined;
  }
  return keys;
}

/** Bind a generic declaration's type parameters to the arguments of a reference (or their defaults). */
function bind(
  params: ts.NodeArray<ts.TypeParameterDeclaration> | undefined,
  args: ts.NodeArray<ts.TypeNode> | undefined,
  sourceFile: ts.SourceFile,
  env: Env,
  declFile: ts.SourceFile,
): Env | undefined {
  const out = new Map<string, Bound>();
  for (const [i, param] of (params ?? []).entries()) {
    const arg = args?.[i];
    if (arg) out.set(param.name.text, { type: arg, sourceFile, env });
    else if (param.default) out.set(param.name.text, { type: param.default, sourceFile: declFile, env: out });
    else return undefined;
  }
  return out;
}

/** `import * as types from './types'` in a file: the module path a namespace name stands for. */
function namespacePath(host: ProjectHost, sourceFile: ts.SourceFile, name: string): string | undefined {
  for (const statement of sourceFile.statements) {
    if (!ts.isImportDeclaration(statement) || !statement.importClause?.namedBindings) continue;
    const bindings = statement.importClause.namedBindings;
    if (ts.isNamespaceImport(bindings) && bindings.name.text === name) {
      return resolveModule(host, (statement.moduleSpecifier as ts.StringLiteral).text, sourceFile.fileName);
    }
  }
  return undefined;
}

/** The module an identifier is imported from in its file (`z` → `zod`), if it is an import. */
function importedFrom(sourceFile: ts.SourceFile, name: string): string | undefined {
  for (const statement of sourceFile.statements) {
    if (!ts.isImportDeclaration(statement) || !statement.importClause) continue;
    const clause = statement.importClause;
    const bindings = clause.namedBindings;
    const names = [
      clause.name?.text,
      bindings && ts.isNamespaceImport(bindings) ? bindings.name.text : undefined,
      ...(bindings && ts.isNamedImports(bindings) ? bindings.elements.map((e) => e.name.text) : []),
    ];
    if (names.includes(name)) return (statement.moduleSpecifier as ts.StringLiteral).text;
  }
  return undefined;
}

/** Generated Supabase helpers (`Tables<'t'>`, `TablesInsert<'t'>`, `TablesUpdate<'t'>`) → the member of `Database` they stand for. */
const SUPABASE_HELPERS: Record<string, string> = { Tables: 'Row', TablesInsert: 'Insert', TablesUpdate: 'Update' };

function readZodMember(
  expr: ts.Expression,
  output: boolean,
  depth = 0,
): { nullable: boolean; optional: boolean } | undefined {
  if (depth > 12) return undefined;
  expr = skipOuterExpressions(expr);
  if (!ts.isCallExpression(expr)) return undefined;
  const callee = skipOuterExpressions(expr.expression);
  if (!ts.isPropertyAccessExpression(callee)) return undefined;
  const method = callee.name.text;
  const target = skipOuterExpressions(callee.expression);
  // `z.string()`, `z.nullable(z.string())`: the base (the receiver is the namespace).
  if (ts.isIdentifier(target)) {
    if (method === 'nullable' || method === 'optional' || method === 'nullish') {
      const inner = expr.arguments[0] && readZodMember(expr.arguments[0], output, depth + 1);
      if (!inner) return undefined;
      return { nullable: inner.nullable || method !== 'optional', optional: inner.optional || method !== 'nullable' };
    }
    if (method === 'union' && expr.arguments[0] && ts.isArrayLiteralExpression(expr.arguments[0])) {
      const parts = expr.arguments[0].elements.map((e) => readZodMember(e, output, depth + 1));
      if (parts.some((p) => !p)) return undefined;
      return { nullable: parts.some((p) => p!.nullable), optional: parts.some((p) => p!.optional) };
    }
    if (method === 'null') return { nullable: true, optional: false };
    if (method === 'undefined' || method === 'void') return { nullable: false, optional: true };
    if (method === 'any' || method === 'unknown') return { nullable: true, optional: true };
    return { nullable: false, optional: false };
  }
  const inner = readZodMember(target, output, depth + 1);
  if (!inner) return undefined;
  if (method === 'nullable') return { ...inner, nullable: true };
  if (method === 'optional') return { ...inner, optional: true };
  if (method === 'nullish') return { nullable: true, optional: true };
  if (method === 'default' || method === 'prefault' || method === 'catch') return { ...inner, optional: !output };
  return inner;
}

/** `z.object({ … })` and what is chained on it, read into a shape; undefined when anything is not understood. */
function readZodObject(
  reader: Reader,
  sourceFile: ts.SourceFile,
  expr: ts.Expression,
  output: boolean,
  depth: number,
): TypeShape | undefined {
  if (depth > 8) return fail(reader, expr, sourceFile);
  expr = skipOuterExpressions(expr);
  if (ts.isIdentifier(expr)) {
    const found = findLocal(reader.host, sourceFile, expr.text);
    const init = found && ts.isVariableDeclaration(found.node) ? found.node.initializer : undefined;
    return init ? readZodObject(reader, found!.sourceFile, init, output, depth + 1) : fail(reader, expr, sourceFile);
  }
  if (!ts.isCallExpression(expr) || !ts.isPropertyAccessExpression(skipOuterExpressions(expr.expression)))
    return fail(reader, expr, sourceFile);
  const callee = skipOuterExpressions(expr.expression) as ts.PropertyAccessExpression;
  const method = callee.name.text;
  const readLiteral = (shape: TypeShape, arg: ts.Expression | undefined): TypeShape | undefined => {
    arg = arg && skipOuterExpressions(arg);
    if (!arg || !ts.isObjectLiteralExpression(arg)) return fail(reader, expr, sourceFile);
    for (const prop of arg.properties) {
      const name = ts.isPropertyAssignment(prop) ? propertyNameText(prop.name) : undefined;
      const member =
        name !== undefined && ts.isPropertyAssignment(prop) ? readZodMember(prop.initializer, output) : undefined;
      if (!member) return fail(reader, prop, sourceFile);
      shape.properties.set(name!, {
        optional: member.optional,
        acceptsNull: member.nullable,
        acceptsUndefined: member.optional,
        acceptsExplicitUndefined: member.optional,
        node: prop as unknown as ts.TypeElement,
      });
    }
    return shape;
  };
  const receiver = skipOuterExpressions(callee.expression);
  if (method === 'object' || method === 'strictObject' || method === 'looseObject') {
    if (!ts.isIdentifier(receiver)) return fail(reader, expr, sourceFile);
    const shape = readLiteral({ properties: new Map(), open: method === 'looseObject' }, expr.arguments[0]);
    return shape && withFilter(shape, `z.infer<…> of a zod schema`, () => false);
  }
  const base = readZodObject(reader, sourceFile, receiver, output, depth + 1);
  if (!base) return undefined;
  const copy: TypeShape = { ...base, properties: new Map(base.properties) };
  switch (method) {
    case 'extend':
      return readLiteral(copy, expr.arguments[0]);
    case 'merge': {
      const other = expr.arguments[0] && readZodObject(reader, sourceFile, expr.arguments[0], output, depth + 1);
      if (!other) return undefined;
      for (const [k, v] of other.properties) copy.properties.set(k, v);
      copy.open ||= other.open;
      return copy;
    }
    case 'partial':
      if (expr.arguments.length) return fail(reader, expr, sourceFile);
      for (const [k, v] of copy.properties)
        copy.properties.set(k, { ...v, optional: true, acceptsUndefined: true, acceptsExplicitUndefined: true });
      return copy;
    case 'passthrough':
    case 'loose':
    case 'catchall':
      return { ...copy, open: true };
    case 'strict':
    case 'strip':
    case 'describe':
    case 'readonly':
    case 'meta':
      return copy;
    default:
      return fail(reader, expr, sourceFile);
  }
}

/** The type of the `const` a `typeof x` names: its annotation, or its object literal as TypeScript would infer it. */
function readTypeofConst(
  reader: Reader,
  sourceFile: ts.SourceFile,
  query: ts.TypeQueryNode,
  env: Env,
  depth: number,
): TypeShape | undefined {
  if (!ts.isIdentifier(query.exprName)) return fail(reader, query, sourceFile);
  const found = findLocal(reader.host, sourceFile, query.exprName.text);
  if (!found || !ts.isVariableDeclaration(found.node)) return fail(reader, query, sourceFile);
  if (found.node.type) return read(reader, found.sourceFile, found.node.type, new Map(), depth + 1);
  const init = found.node.initializer && skipOuterExpressions(found.node.initializer);
  if (!init || !ts.isObjectLiteralExpression(init) || (ts.getCombinedNodeFlags(found.node) & ts.NodeFlags.Const) === 0)
    return fail(reader, query, sourceFile);
  const shape: TypeShape = { properties: new Map(), open: false };
  for (const prop of init.properties) {
    const name =
      ts.isPropertyAssignment(prop) || ts.isShorthandPropertyAssignment(prop) ? propertyNameText(prop.name) : undefined;
    if (name === undefined) return fail(reader, prop, found.sourceFile);
    let acceptsNull = false;
    let acceptsUndefined = false;
    if (ts.isPropertyAssignment(prop)) {
      const value = prop.initializer;
      if (value.kind === ts.SyntaxKind.NullKeyword) acceptsNull = true;
      else if (ts.isIdentifier(value) && value.text === 'undefined') acceptsUndefined = true;
      else if (ts.isAsExpression(value)) {
        const parts = unionMembers(value.type);
        acceptsNull = parts.some((p) => isKeyword(p, ts.SyntaxKind.NullKeyword));
        acceptsUndefined = parts.some((p) => isKeyword(p, ts.SyntaxKind.UndefinedKeyword));
      }
    }
    shape.properties.set(name, {
      optional: false,
      acceptsNull,
      acceptsUndefined,
      acceptsExplicitUndefined: acceptsUndefined,
      node: prop as unknown as ts.TypeElement,
    });
  }
  void env;
  return withFilter(shape, `typeof ${query.exprName.text}`, () => false);
}

function read(
  reader: Reader,
  sourceFile: ts.SourceFile,
  type: ts.TypeNode,
  env: Env,
  depth: number,
): TypeShape | undefined {
  if (depth > 12) return fail(reader, type, sourceFile);
  if (ts.isParenthesizedTypeNode(type)) return read(reader, sourceFile, type.type, env, depth + 1);
  if (ts.isTypeLiteralNode(type)) {
    const shape: TypeShape = { properties: new Map(), open: false, declaration: { node: type, sourceFile } };
    readMembers(type.members, shape);
    return shape;
  }
  if (ts.isIntersectionTypeNode(type)) {
    const merged: TypeShape = { properties: new Map(), open: false };
    for (const part of type.types) {
      const shape = read(reader, sourceFile, part, env, depth + 1);
      if (!shape) merged.open = true;
      else {
        for (const [k, v] of shape.properties) merged.properties.set(k, v);
        merged.open ||= shape.open;
        merged.declaration ??= shape.declaration;
        if (shape.filter && shape.declaration === merged.declaration) merged.filter = shape.filter;
      }
    }
    return merged;
  }
  if (ts.isTypeOperatorNode(type) && type.operator === ts.SyntaxKind.ReadonlyKeyword)
    return read(reader, sourceFile, type.type, env, depth + 1);
  if (ts.isTypeQueryNode(type) && reader.values) return readTypeofConst(reader, sourceFile, type, env, depth);
  if (ts.isIndexedAccessTypeNode(type)) {
    // `Database['public']['Tables']['token_usage']['Insert']`: the member's own declared type.
    const object = read(reader, sourceFile, type.objectType, env, depth + 1);
    if (!object) return undefined;
    const keys = literalKeys(type.indexType, sourceFile, env);
    if (!keys || keys.length !== 1) return fail(reader, type, sourceFile);
    const member = object.properties.get(keys[0])?.node;
    if (!member || !ts.isPropertySignature(member) || !member.type) return fail(reader, type, sourceFile);
    const inner = read(reader, member.getSourceFile(), member.type, new Map(), depth + 1);
    return inner && withFilter(inner, textOf(type, sourceFile), () => false);
  }
  if (!ts.isTypeReferenceNode(type)) return fail(reader, type, sourceFile);
  if (ts.isQualifiedName(type.typeName)) {
    const left = type.typeName.left;
    const right = type.typeName.right.text;
    if (
      reader.values &&
      ts.isIdentifier(left) &&
      (right === 'infer' || right === 'output' || right === 'input' || right === 'TypeOf') &&
      /^zod(\/|$)/.test(importedFrom(sourceFile, left.text) ?? '')
    ) {
      const arg = type.typeArguments?.[0];
      if (!arg || !ts.isTypeQueryNode(arg) || !ts.isIdentifier(arg.exprName)) return fail(reader, type, sourceFile);
      return readZodObject(reader, sourceFile, arg.exprName, right !== 'input', depth + 1);
    }
    // `types.TokenUsage` through `import * as types from './types'`.
    const path = ts.isIdentifier(left) ? namespacePath(reader.host, sourceFile, left.text) : undefined;
    const found = path && findExport(reader.host, path, right);
    return found ? readDeclaration(reader, found, type, sourceFile, env, depth) : fail(reader, type, sourceFile);
  }
  const name = type.typeName.text;
  const bound = env.get(name);
  if (bound && !type.typeArguments) return read(reader, bound.sourceFile, bound.type, bound.env, depth + 1);
  const args = type.typeArguments;
  if (
    (name === 'Partial' || name === 'Readonly' || name === 'Required' || name === 'NonNullable') &&
    args?.length === 1
  ) {
    const inner = read(reader, sourceFile, args[0], env, depth + 1);
    if (!inner) return undefined;
    const copy: TypeShape = { ...inner, properties: new Map(inner.properties) };
    if (name === 'Partial')
      for (const [k, v] of copy.properties) copy.properties.set(k, { ...v, optional: true, acceptsUndefined: true });
    if (name === 'Required') {
      // `-?` removes `undefined` that came from `?` only; an explicit `| undefined` stays.
      for (const [k, v] of copy.properties) {
        const explicit =
          ts.isPropertySignature(v.node) &&
          !!v.node.type &&
          unionMembers(v.node.type).some(
            (p) =>
              isKeyword(p, ts.SyntaxKind.UndefinedKeyword) ||
              isKeyword(p, ts.SyntaxKind.AnyKeyword) ||
              isKeyword(p, ts.SyntaxKind.UnknownKeyword),
          );
        copy.properties.set(k, { ...v, optional: false, acceptsUndefined: explicit });
      }
      return withFilter(copy, textOf(type, sourceFile), () => false);
    }
    return copy;
  }
  if ((name === 'Omit' || name === 'Pick') && args?.length === 2) {
    const inner = read(reader, sourceFile, args[0], env, depth + 1);
    if (!inner) return undefined;
    const keys = literalKeys(args[1], sourceFile, env);
    if (!keys) return fail(reader, args[1], sourceFile);
    const listed = new Set(keys);
    const copy: TypeShape = { ...inner, properties: new Map() };
    for (const [k, v] of inner.properties) if (listed.has(k) === (name === 'Pick')) copy.properties.set(k, v);
    // Pick of an open type is closed to what it lists; Omit of an open type stays open.
    if (name === 'Pick') copy.open = false;
    return withFilter(copy, textOf(type, sourceFile), (k) => listed.has(k) === (name === 'Pick'));
  }
  const found = findLocal(reader.host, sourceFile, name);
  if (!found) return fail(reader, type, sourceFile);
  return readDeclaration(reader, found, type, sourceFile, env, depth);
}

function readDeclaration(
  reader: Reader,
  found: Located,
  ref: ts.TypeReferenceNode,
  refFile: ts.SourceFile,
  env: Env,
  depth: number,
): TypeShape | undefined {
  const node = found.node;
  if (ts.isInterfaceDeclaration(node)) {
    const own = bind(node.typeParameters, ref.typeArguments, refFile, env, found.sourceFile);
    if (!own) return fail(reader, ref, refFile);
    const shape: TypeShape = {
      properties: new Map(),
      open: false,
      declaration: { node, sourceFile: found.sourceFile },
    };
    for (const clause of node.heritageClauses ?? []) {
      for (const base of clause.types) {
        const baseShape = ts.isIdentifier(base.expression)
          ? read(
              reader,
              found.sourceFile,
              ts.factory.createTypeReferenceNode(base.expression.text, base.typeArguments),
              own,
              depth + 1,
            )
          : undefined;
        if (!baseShape) shape.open = true;
        else {
          for (const [k, v] of baseShape.properties) shape.properties.set(k, v);
          shape.open ||= baseShape.open;
        }
      }
    }
    readMembers(node.members, shape);
    return shape;
  }
  if (ts.isTypeAliasDeclaration(node)) {
    const helper = SUPABASE_HELPERS[node.name.text];
    const first = ref.typeArguments?.[0];
    if (
      helper &&
      ts.isConditionalTypeNode(node.type) &&
      first &&
      ts.isLiteralTypeNode(first) &&
      ts.isStringLiteral(first.literal)
    ) {
      // Supabase's generated helper is a conditional type over `Database`: read the member it selects.
      const database = findLocal(reader.host, found.sourceFile, 'Database');
      if (!database) return fail(reader, ref, refFile);
      const q = (s: string) => ts.factory.createLiteralTypeNode(ts.factory.createStringLiteral(s));
      let path: ts.TypeNode = ts.factory.createTypeReferenceNode('Database');
      for (const key of ['public', 'Tables', first.literal.text, helper])
        path = ts.factory.createIndexedAccessTypeNode(path, q(key));
      const shape = read(reader, found.sourceFile, path, new Map(), depth + 1);
      return shape ?? fail(reader, ref, refFile);
    }
    const own = bind(node.typeParameters, ref.typeArguments, refFile, env, found.sourceFile);
    if (!own) return fail(reader, ref, refFile);
    return read(reader, found.sourceFile, node.type, own, depth + 1);
  }
  return fail(reader, ref, refFile);
}

/**
 * Read an object type from its declaration: type literals, interfaces (with `extends` and type parameters), aliases,
 * intersections, `Partial`/`Required`/`Readonly`/`NonNullable`/`Omit`/`Pick`, indexed access (generated database
 * types), Supabase's `TablesInsert<'t'>`, `typeof` a const, `z.infer<typeof schema>`, following imports to local
 * modules. Unions, conditional and mapped types and library types are not read (undefined).
 */
export function readTypeShape(
  host: ProjectHost,
  sourceFile: ts.SourceFile,
  type: ts.TypeNode,
  depth = 0,
): TypeShape | undefined {
  return read({ host }, sourceFile, type, new Map(), depth);
}

/**
 * The tracker's record type: `readTypeShape`, plus types derived from values (`z.infer<typeof schema>`, `typeof
 * obj`), whose properties say only what they accept (their `node` is the schema's or object's property, not a
 * signature with a declared type).
 */
export function readRecordShape(
  host: ProjectHost,
  sourceFile: ts.SourceFile,
  type: ts.TypeNode,
): TypeShape | undefined {
  return read({ host, values: true }, sourceFile, type, new Map(), 0);
}

/** `readRecordShape`, and when it cannot read the type, the construct (as written) that stopped it. */
export function readTypeShapeExplained(
  host: ProjectHost,
  sourceFile: ts.SourceFile,
  type: ts.TypeNode,
): { shape?: TypeShape; unread?: string } {
  const reader: Reader = { host, values: true };
  const shape = read(reader, sourceFile, type, new Map(), 0);
  return shape ? { shape } : { unread: reader.unread ?? textOf(type, sourceFile) };
}

/** `Promise<T>` → `T`; other types unchanged. */
export function unwrapPromise(type: ts.TypeNode): ts.TypeNode {
  if (
    ts.isTypeReferenceNode(type) &&
    ts.isIdentifier(type.typeName) &&
    type.typeName.text === 'Promise' &&
    type.typeArguments?.length === 1
  ) {
    return type.typeArguments[0];
  }
  return type;
}

/** For a type reference to a type imported from a package (`OpenAI.ChatCompletion`, `ChatCompletion` from `openai/...`): the package and the last name. */
export function packageTypeReference(type: ts.TypeNode, at: ts.Node): { module: string; name: string } | undefined {
  if (!ts.isTypeReferenceNode(type)) return undefined;
  const names: string[] = [];
  let entity: ts.EntityName = type.typeName;
  while (ts.isQualifiedName(entity)) {
    names.unshift(entity.right.text);
    entity = entity.left;
  }
  const rootDecl = resolveName(entity.text, at);
  const target = rootDecl && importTarget(rootDecl);
  if (!target) return undefined;
  const last = names.length
    ? names[names.length - 1]
    : target.imported === '*' || target.imported === 'default'
      ? entity.text
      : target.imported;
  return { module: target.module, name: last };
}
