import type { ProjectHost } from './host.js';
import { findLocal, importTarget } from './modules.js';
import { resolveName } from './scope.js';
import { propertyNameText, ts } from './ts.js';

/** What one property of a declared object type accepts, read from its syntax. */
export interface PropertyShape {
  optional: boolean;
  acceptsNull: boolean;
  acceptsUndefined: boolean;
  /** The declaration, so a schema edit can be placed beside it. */
  node: ts.TypeElement;
}

/** The properties of an object type as far as syntax tells. `open`: other properties may exist that we cannot see. */
export interface TypeShape {
  properties: Map<string, PropertyShape>;
  open: boolean;
  /** The interface or type literal that declares the properties, when it is one we could edit. */
  declaration?: { node: ts.InterfaceDeclaration | ts.TypeLiteralNode; sourceFile: ts.SourceFile };
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
      const anyLike = !member.type || parts.some((p) => isKeyword(p, ts.SyntaxKind.AnyKeyword) || isKeyword(p, ts.SyntaxKind.UnknownKeyword));
      shape.properties.set(name, {
        optional: !!member.questionToken,
        acceptsNull: anyLike || parts.some((p) => isKeyword(p, ts.SyntaxKind.NullKeyword)),
        acceptsUndefined: anyLike || !!member.questionToken || parts.some((p) => isKeyword(p, ts.SyntaxKind.UndefinedKeyword)),
        node: member,
      });
    } else if (ts.isIndexSignatureDeclaration(member)) {
      shape.open = true;
    }
  }
}

/**
 * Read an object type from its declaration: type literals, interfaces (with `extends`), aliases, intersections,
 * `Partial<T>`, following imports to local modules. Unions, generics and library types are not read (undefined).
 */
export function readTypeShape(host: ProjectHost, sourceFile: ts.SourceFile, type: ts.TypeNode, depth = 0): TypeShape | undefined {
  if (depth > 6) return undefined;
  if (ts.isParenthesizedTypeNode(type)) return readTypeShape(host, sourceFile, type.type, depth + 1);
  if (ts.isTypeLiteralNode(type)) {
    const shape: TypeShape = { properties: new Map(), open: false, declaration: { node: type, sourceFile } };
    readMembers(type.members, shape);
    return shape;
  }
  if (ts.isIntersectionTypeNode(type)) {
    const merged: TypeShape = { properties: new Map(), open: false };
    for (const part of type.types) {
      const shape = readTypeShape(host, sourceFile, part, depth + 1);
      if (!shape) merged.open = true;
      else {
        for (const [k, v] of shape.properties) merged.properties.set(k, v);
        merged.open ||= shape.open;
        merged.declaration ??= shape.declaration;
      }
    }
    return merged;
  }
  if (ts.isTypeReferenceNode(type) && ts.isIdentifier(type.typeName)) {
    const name = type.typeName.text;
    if ((name === 'Partial' || name === 'Readonly') && type.typeArguments?.length === 1) {
      const inner = readTypeShape(host, sourceFile, type.typeArguments[0], depth + 1);
      if (inner && name === 'Partial') {
        for (const [k, v] of inner.properties) inner.properties.set(k, { ...v, optional: true, acceptsUndefined: true });
      }
      return inner && { ...inner, declaration: undefined };
    }
    const found = findLocal(host, sourceFile, name);
    if (!found) return undefined;
    if (ts.isInterfaceDeclaration(found.node)) {
      const shape: TypeShape = { properties: new Map(), open: false, declaration: { node: found.node, sourceFile: found.sourceFile } };
      for (const clause of found.node.heritageClauses ?? []) {
        for (const base of clause.types) {
          const baseShape = ts.isIdentifier(base.expression)
            ? readTypeShape(host, found.sourceFile, ts.factory.createTypeReferenceNode(base.expression.text, base.typeArguments), depth + 1)
            : undefined;
          if (!baseShape) shape.open = true;
          else {
            for (const [k, v] of baseShape.properties) shape.properties.set(k, v);
            shape.open ||= baseShape.open;
          }
        }
      }
      readMembers(found.node.members, shape);
      return shape;
    }
    if (ts.isTypeAliasDeclaration(found.node)) return readTypeShape(host, found.sourceFile, found.node.type, depth + 1);
  }
  return undefined;
}

/** `Promise<T>` → `T`; other types unchanged. */
export function unwrapPromise(type: ts.TypeNode): ts.TypeNode {
  if (ts.isTypeReferenceNode(type) && ts.isIdentifier(type.typeName) && type.typeName.text === 'Promise' && type.typeArguments?.length === 1) {
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
  const last = names.length ? names[names.length - 1] : target.imported === '*' || target.imported === 'default' ? entity.text : target.imported;
  return { module: target.module, name: last };
}
