/**
 * Small in-memory projects for the pass tests (test/engine/*.test.ts): files by absolute path, parsed once each (no
 * type checker), and the context a pass gets for one of them. Nodes are found by their text.
 */
import { DEFAULT_CONFIG } from '../../src/config.js';
import { createMemoryHost, readSourceFile } from '../../src/engine/host.js';
import { ts } from '../../src/engine/ts.js';
import { sdkMapping, type PassContext } from '../../src/engine/sources/context.js';
import { passContext } from '../../src/engine/sources/declarations.js';

export interface PassProject {
  /** The context for `path`, with the real resolvers (the declaration pass's) and fresh visits. */
  ctx(path: string, call?: ts.CallExpression): PassContext;
  /** The first node of `path` (in source order) that `is` accepts and whose text is `text`. */
  node<T extends ts.Node>(path: string, text: string, is: (n: ts.Node) => n is T): T;
  /** The declaration (variable, parameter, binding element) of `name` in `path`, the first in source order. */
  decl(path: string, name: string): ts.VariableDeclaration | ts.ParameterDeclaration | ts.BindingElement;
}

export function passProject(files: Record<string, string>): PassProject {
  const host = createMemoryHost(files);
  const sourceFile = (path: string) => {
    const file = readSourceFile(host, path);
    if (!file) throw new Error(`no file ${path} in this project`);
    return file;
  };
  const find = <T extends ts.Node>(path: string, what: string, accept: (n: ts.Node) => n is T): T => {
    const file = sourceFile(path);
    let found: T | undefined;
    const visit = (n: ts.Node) => {
      if (found) return;
      if (accept(n)) found = n;
      else ts.forEachChild(n, visit);
    };
    visit(file);
    if (!found) throw new Error(`no ${what} in ${path}`);
    return found;
  };
  return {
    ctx: (path, call) =>
      passContext({ host, sourceFile: sourceFile(path), config: DEFAULT_CONFIG, sdk: sdkMapping(host, path), call }),
    node: (path, text, is) => find(path, `\`${text}\``, (n): n is never => is(n) && n.getText() === text),
    decl: (path, name) =>
      find(
        path,
        `declaration of ${name}`,
        (n): n is ts.VariableDeclaration | ts.ParameterDeclaration | ts.BindingElement =>
          (ts.isVariableDeclaration(n) || ts.isParameter(n) || ts.isBindingElement(n)) &&
          ts.isIdentifier(n.name) &&
          n.name.text === name,
      ),
  };
}

/** `ts.isCallExpression`, etc., as type guards over any node. */
export const isCall = (n: ts.Node): n is ts.CallExpression => ts.isCallExpression(n);
export const isExpression = (n: ts.Node): n is ts.Expression => ts.isExpression(n);
