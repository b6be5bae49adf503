/**
 * Pass: which client an expression is. Decides whether the value a method is called on is an OpenAI SDK client (and
 * whether its baseURL sends the request to a gateway), from where it was constructed, imported, cached or returned,
 * never from its name alone. Entry: {@link classifyClient}; also {@link readBaseUrl} for the options of a provider.
 */
import { defaultExportExpression, importTarget, resolveImport, type Located } from '../modules.js';
import { declarationKeyword, resolveName } from '../scope.js';
import { OPENAI_CLIENT_CLASSES, otherProviderApi } from '../sdk.js';
import { type ManualReasonCode } from '../types.js';
import { GATEWAY_API_BASES, GATEWAYS_WITH_CLIENT_IDS } from '../../schema/fields.js';
import { packageTypeReference, unwrapPromise } from '../types-read.js';
import { isFunctionLike, propertyChain, propertyNameText, skipOuterExpressions, ts } from '../ts.js';
import { type AnalysisContext, OPENAI_PACKAGE, guarded, otherProvider, visitsOf } from './context.js';
import {
  ASSIGNMENTS,
  assignmentsTo,
  declaredReturnType,
  isAssignmentOperator,
  isNullish,
  returnedExpressions,
} from './syntax.js';

/**
 * `readsOptions`: the verdict comes from reading a client's construction (its options may set a baseURL this tool
 * cannot read): it decides, like a gateway, before any declared type. `nothing`: the expression never holds a value
 * (only null, or only what it was itself given): it adds nothing to the values it is one of.
 */
export type ClientVerdict =
  | { openai: true; notes: string[] }
  | {
      openai: false;
      reason: string;
      code: ManualReasonCode;
      gateway?: true;
      gatewayName?: string;
      readsOptions?: true;
      nothing?: true;
    };

/**
 * The values an expression may have when it is used as a client, `null`/`undefined` left out (the code checks or
 * asserts them away before the call): both branches of `key ? new OpenAI() : null`, both sides of `a ?? b` / `a || b`,
 * the right of `key && new OpenAI()`, both sides of `_client ??= new OpenAI()`, the right of `_client = new OpenAI()`.
 */
function clientAlternatives(expr: ts.Expression): ts.Expression[] {
  const e = skipOuterExpressions(expr);
  if (isNullish(e)) return [];
  if (ts.isConditionalExpression(e)) return [...clientAlternatives(e.whenTrue), ...clientAlternatives(e.whenFalse)];
  if (ts.isBinaryExpression(e)) {
    switch (e.operatorToken.kind) {
      case ts.SyntaxKind.BarBarToken:
      case ts.SyntaxKind.QuestionQuestionToken:
      case ts.SyntaxKind.BarBarEqualsToken:
      case ts.SyntaxKind.QuestionQuestionEqualsToken:
        return [...clientAlternatives(e.left), ...clientAlternatives(e.right)];
      case ts.SyntaxKind.AmpersandAmpersandToken:
      case ts.SyntaxKind.EqualsToken:
        return clientAlternatives(e.right);
    }
  }
  return [e];
}

/**
 * Every value in a set of alternatives must be an OpenAI client (a value that refers back to a name being classified
 * adds nothing: `_client = _client ?? new OpenAI()`). None left: undefined.
 */
function classifyClientValues(
  values: ts.Expression[],
  ctx: AnalysisContext,
  seen: Set<ts.Node>,
): ClientVerdict | undefined {
  const own = values.filter((v) => {
    const e = skipOuterExpressions(v);
    const decl = ts.isIdentifier(e) ? resolveName(e.text, e) : undefined;
    return !(decl && seen.has(decl));
  });
  const verdicts = own
    .map((v) => classifyClient(v, { ...ctx, sourceFile: v.getSourceFile() }, seen))
    .filter((v) => v.openai || !v.nothing);
  if (verdicts.length === 0) return undefined;
  return (
    mixedProviders(verdicts) ??
    verdicts.find((v) => !v.openai) ?? {
      openai: true,
      notes: [...new Set(verdicts.flatMap((v) => (v.openai ? v.notes : [])))],
    }
  );
}

/**
 * An OpenAI client on some paths and another provider's on others (`useGroq ? new Groq() : new OpenAI()`): neither
 * an OpenAI id nor "no OpenAI request" is certain.
 */
function mixedProviders(verdicts: ClientVerdict[]): ClientVerdict | undefined {
  // A gateway on the other paths is reported as such (its verdict is manual either way, and says what to do).
  const other = verdicts.find(
    (v): v is Extract<ClientVerdict, { openai: false }> => !v.openai && v.code === 'not-openai' && !v.gateway,
  );
  if (!other || !verdicts.some((v) => v.openai)) return undefined;
  return {
    openai: false,
    code: 'ambiguous-source',
    reason: `it is an OpenAI client on some paths and not on others (${other.reason}): which one served the request is decided at run time`,
  };
}

/**
 * A cache of clients: a non-exported `const cache: Record<string, OpenAI> = {}` (or `new Map()`) whose every write in
 * its file is seen (`cache[key] = …`, `cache[key] ??= …`, `cache.set(key, …)`) and whose name is used for nothing else.
 * Its values are what was written; undefined when the cache cannot be read that way.
 */
function cacheValues(decl: ts.VariableDeclaration): ts.Expression[] | undefined {
  if (!ts.isIdentifier(decl.name) || !decl.initializer || declarationKeyword(decl) !== 'const') return undefined;
  const statement = decl.parent.parent;
  if (
    ts.isVariableStatement(statement) &&
    ts.getModifiers(statement)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)
  )
    return undefined;
  const init = skipOuterExpressions(decl.initializer);
  const isMap =
    ts.isNewExpression(init) &&
    ts.isIdentifier(init.expression) &&
    init.expression.text === 'Map' &&
    !init.arguments?.length;
  if (!isMap && !(ts.isObjectLiteralExpression(init) && init.properties.length === 0)) return undefined;
  const name = decl.name.text;
  const values: ts.Expression[] = [];
  let readable = true;
  const visit = (n: ts.Node) => {
    if (!readable) return;
    if (ts.isIdentifier(n) && n.text === name && n !== decl.name && resolveName(name, n) === decl) {
      const access = n.parent;
      if (
        isMap &&
        ts.isPropertyAccessExpression(access) &&
        access.expression === n &&
        ts.isCallExpression(access.parent) &&
        access.parent.expression === access
      ) {
        const method = access.name.text;
        if (method === 'set' && access.parent.arguments.length === 2) values.push(access.parent.arguments[1]);
        else if (!['get', 'has', 'delete', 'clear'].includes(method)) readable = false;
        return;
      }
      if (!isMap && ts.isElementAccessExpression(access) && access.expression === n) {
        // Reads are fine; a write must be a plain or logical assignment whose value is seen.
        let target: ts.Node = access;
        while (ts.isParenthesizedExpression(target.parent) || ts.isNonNullExpression(target.parent))
          target = target.parent;
        const write = target.parent;
        if (ts.isBinaryExpression(write) && write.left === target && isAssignmentOperator(write.operatorToken.kind)) {
          if (ASSIGNMENTS.has(write.operatorToken.kind)) values.push(write.right);
          else readable = false;
        } else if (
          (ts.isPrefixUnaryExpression(write) || ts.isPostfixUnaryExpression(write)) &&
          [ts.SyntaxKind.PlusPlusToken, ts.SyntaxKind.MinusMinusToken].includes(write.operator)
        ) {
          readable = false;
        }
        return;
      }
      readable = false; // passed on, spread, exported later, reassigned: writes this tool cannot see
      return;
    }
    ts.forEachChild(n, visit);
  };
  visit(decl.getSourceFile());
  return readable ? values : undefined;
}

/**
 * `const g = globalThis as unknown as { openai?: OpenAI }`: the values this file assigns to `g.<prop>` (`g.openai =
 * openai`, `??=`), or undefined when `g` is not such a holder or `g.<prop>` is written some other way.
 */
function globalHolderValues(decl: ts.VariableDeclaration, prop: string): ts.Expression[] | undefined {
  const init = decl.initializer && skipOuterExpressions(decl.initializer);
  if (
    !init ||
    !ts.isIdentifier(init) ||
    !['globalThis', 'global'].includes(init.text) ||
    declarationKeyword(decl) !== 'const' ||
    !ts.isIdentifier(decl.name)
  )
    return undefined;
  const name = decl.name.text;
  const values: ts.Expression[] = [];
  let readable = true;
  const visit = (n: ts.Node) => {
    if (
      ts.isPropertyAccessExpression(n) &&
      n.name.text === prop &&
      ts.isIdentifier(n.expression) &&
      n.expression.text === name &&
      resolveName(name, n.expression) === decl
    ) {
      const write = n.parent;
      if (ts.isBinaryExpression(write) && write.left === n && isAssignmentOperator(write.operatorToken.kind)) {
        if (ASSIGNMENTS.has(write.operatorToken.kind)) values.push(write.right);
        else readable = false;
      } else if (
        ts.isDeleteExpression(write) ||
        ts.isPrefixUnaryExpression(write) ||
        ts.isPostfixUnaryExpression(write)
      ) {
        readable = ts.isPrefixUnaryExpression(write) && write.operator === ts.SyntaxKind.ExclamationToken && readable;
      }
    }
    ts.forEachChild(n, visit);
  };
  visit(decl.getSourceFile());
  return readable ? values : undefined;
}

/** Is this expression an OpenAI SDK client? Decided from where it was constructed or imported, never from its name alone. */
export function classifyClient(expr: ts.Expression, ctx: AnalysisContext, seen = new Set<ts.Node>()): ClientVerdict {
  const e = skipOuterExpressions(expr);
  const text = e.getText(ctx.sourceFile);
  // The walk's state is the expression and the names whose values are being read (`seen`). The same state met again
  // on its own path (`const a = b; const b = a`, a field assigned from itself, two modules' consts importing each
  // other) is a cycle, not followed round. The same expression under more names is read again: a reference to those
  // names then adds nothing (`g.openai ?? new OpenAI()`, stored back into `g.openai`, is an OpenAI client).
  const open = visitsOf(ctx).clients;
  const states = open.get(e) ?? [];
  if (states.some((s) => s.size === seen.size && [...seen].every((n) => s.has(n)))) {
    return { openai: false, code: 'no-source', reason: `could not tell what client \`${text}\` is` };
  }
  open.set(e, [...states, seen]);
  try {
    return classifyClientOnce(e, text, ctx, seen);
  } finally {
    if (states.length) open.set(e, states);
    else open.delete(e);
  }
}

function classifyClientOnce(e: ts.Expression, text: string, ctx: AnalysisContext, seen: Set<ts.Node>): ClientVerdict {
  const alternatives = clientAlternatives(e);
  if (alternatives.length !== 1 || alternatives[0] !== e) {
    return (
      classifyClientValues(alternatives, ctx, seen) ?? {
        openai: false,
        code: 'no-source',
        reason: `\`${text}\` is never a client`,
        nothing: true,
      }
    );
  }
  return (
    clientFromCache(e, text, ctx, seen) ??
    clientFromGlobalHolder(e, text, ctx, seen) ??
    (ts.isNewExpression(e) ? clientFromConstruction(e, text, ctx) : undefined) ??
    (ts.isCallExpression(e) ? clientFromFactory(e, text, ctx, seen) : undefined) ??
    clientFromClassField(e, ctx) ??
    clientFromName(e, ctx, seen) ?? {
      openai: false,
      code: 'no-source',
      reason: `could not tell whether \`${text}\` is an OpenAI client`,
    }
  );
}

/** `cache[key]`, `cache.get(key)`: what the cache was given (none of these: undefined). */
function clientFromCache(
  e: ts.Expression,
  text: string,
  ctx: AnalysisContext,
  seen: Set<ts.Node>,
): ClientVerdict | undefined {
  const cached = ts.isElementAccessExpression(e)
    ? e.expression
    : ts.isCallExpression(e) && ts.isPropertyAccessExpression(e.expression) && e.expression.name.text === 'get'
      ? e.expression.expression
      : undefined;
  const cache =
    cached && ts.isIdentifier(skipOuterExpressions(cached))
      ? resolveName((skipOuterExpressions(cached) as ts.Identifier).text, cached)
      : undefined;
  if (cache && ts.isVariableDeclaration(cache)) {
    const values = cacheValues(cache);
    if (values && seen.has(cache))
      return { openai: false, code: 'no-source', reason: `\`${text}\` refers back to itself`, nothing: true };
    if (values) {
      return (
        classifyClientValues(values, ctx, new Set([...seen, cache])) ?? {
          openai: false,
          code: 'no-source',
          reason: `\`${text}\` is never given a client`,
          nothing: true,
        }
      );
    }
  }
  return undefined;
}

/** A property of a `globalThis` singleton holder: what this file stores there (none of these: undefined). */
function clientFromGlobalHolder(
  e: ts.Expression,
  text: string,
  ctx: AnalysisContext,
  seen: Set<ts.Node>,
): ClientVerdict | undefined {
  // `globalForOpenAI.openai` where `const globalForOpenAI = globalThis as unknown as { openai?: OpenAI }` (the
  // dev-server singleton): what this file stores there.
  const holder =
    ts.isPropertyAccessExpression(e) && ts.isIdentifier(e.expression)
      ? resolveName(e.expression.text, e.expression)
      : undefined;
  if (holder && ts.isVariableDeclaration(holder) && ts.isPropertyAccessExpression(e)) {
    const values = globalHolderValues(holder, e.name.text);
    if (values && seen.has(holder))
      return { openai: false, code: 'no-source', reason: `\`${text}\` refers back to itself`, nothing: true };
    if (values) {
      return (
        classifyClientValues(values, ctx, new Set([...seen, holder])) ?? {
          openai: false,
          code: 'no-source',
          reason: `\`${text}\` is never given a client`,
          nothing: true,
        }
      );
    }
  }
  return undefined;
}

/** `new OpenAI(…)`, `new Anthropic(…)`: the class and, for OpenAI's, its baseURL. */
function clientFromConstruction(e: ts.NewExpression, text: string, ctx: AnalysisContext): ClientVerdict {
  const ctor = skipOuterExpressions(e.expression);
  const { root, names } = propertyChain(ctor);
  const decl = ts.isIdentifier(root) ? resolveName(root.text, root) : undefined;
  const target = decl && importTarget(decl);
  if (target && OPENAI_PACKAGE.test(target.module)) {
    const className =
      names.at(-1) ?? (target.imported === 'default' || target.imported === '*' ? 'OpenAI' : target.imported);
    if (!OPENAI_CLIENT_CLASSES.includes(className) && className !== 'OpenAIApi') {
      return { openai: false, code: 'no-source', reason: `\`${text}\` is not an OpenAI client class` };
    }
    return baseUrlVerdict(e, ctx);
  }
  if (target && otherProvider(target.module)) {
    return {
      openai: false,
      code: 'not-openai',
      reason: `\`${text}\` is a client of ${target.module}, not OpenAI: its ids are not OpenAI request ids`,
    };
  }
  return { openai: false, code: 'no-source', reason: `could not tell whether \`${text}\` is an OpenAI client` };
}

/** A factory: `getOpenAI()`, read from the clients it returns, else its declared return type. */
function clientFromFactory(
  e: ts.CallExpression,
  text: string,
  ctx: AnalysisContext,
  seen: Set<ts.Node>,
): ClientVerdict {
  const callee = skipOuterExpressions(e.expression);
  const decl = ts.isIdentifier(callee) ? resolveName(callee.text, callee) : undefined;
  const located: Located | undefined =
    decl &&
    (importTarget(decl)
      ? resolveImport(ctx.host, ctx.sourceFile.fileName, decl)
      : { node: decl as Located['node'], sourceFile: ctx.sourceFile });
  // The clients it returns decide; its declared return type only when it returns nothing this tool can read.
  // A `return null` path is checked away by the caller (`getClient()!`): only the clients it returns count.
  const returned = located ? returnedExpressions(located.node).filter((r) => !isNullish(r)) : [];
  const verdicts = returned.map((r) => classifyClient(r, { ...ctx, sourceFile: located!.sourceFile }, seen));
  const notOpenAI =
    mixedProviders(verdicts) ??
    verdicts.find((v) => !v.openai && (v.code === 'not-openai' || v.code === 'ambiguous-source' || v.readsOptions));
  if (notOpenAI) return notOpenAI;
  if (verdicts.length && verdicts.every((v) => v.openai)) return verdicts[0];
  const returnType = located && declaredReturnType(located.node);
  const verdict = returnType && clientByType(unwrapPromise(returnType), located!.node);
  if (verdict) return verdict;
  return {
    openai: false,
    code: 'no-source',
    reason: `could not tell whether \`${text}\` returns an OpenAI client (declare its return type as \`OpenAI\`)`,
  };
}

/** `this.client`: every value the class field is given, else its declared type (not a field: undefined). */
function clientFromClassField(e: ts.Expression, ctx: AnalysisContext): ClientVerdict | undefined {
  const { root, names } = propertyChain(e);
  if (root.kind === ts.SyntaxKind.ThisKeyword && names.length === 1) {
    const member = classMember(root, names[0]);
    // Every value the field is given, its initializer and `this.client = …` in the constructor, decides before its
    // declared type; all must be OpenAI clients.
    const values =
      member && ts.isPropertyDeclaration(member)
        ? [member.initializer, ...constructorAssignments(member, names[0])].filter((v): v is ts.Expression => !!v)
        : [];
    if (values.length) {
      const verdicts = values.map((a) => classifyClient(a, ctx));
      return verdicts.find((v) => !v.openai) ?? verdicts[0];
    }
    if (member?.type) {
      const verdict = clientByType(member.type, member);
      if (verdict) return verdict;
    }
  }
  return undefined;
}

/** A name: its `const` initializer, every value a `let` is given, its declared type, or the module it is imported from. */
function clientFromName(e: ts.Expression, ctx: AnalysisContext, seen: Set<ts.Node>): ClientVerdict | undefined {
  const { root, names } = propertyChain(e);
  if (ts.isIdentifier(root) && names.length === 0) {
    const decl = resolveName(root.text, root);
    if (!decl) return { openai: false, code: 'no-source', reason: `\`${root.text}\` is not declared in this file` };
    const inner = new Set([...seen, decl]);
    // What it was built with decides, before what it is declared as: `const c: OpenAI = new OpenAI({ baseURL: gateway })`.
    if (
      ts.isVariableDeclaration(decl) &&
      decl.initializer &&
      !isNullish(decl.initializer) &&
      declarationKeyword(decl) === 'const'
    ) {
      // `client.baseURL = proxy` after it is built re-points it.
      const write = baseUrlWrittenLater(decl, 'baseURL');
      if (write)
        return {
          openai: false,
          code: 'provider-unknown',
          readsOptions: true,
          reason: `the client is re-pointed after it is built (\`${write}\`): if it is OpenAI's, add the fields by hand; if it is a gateway (OpenRouter, LiteLLM, AI Gateway), its ids are not OpenAI's`,
        };
      return classifyClient(decl.initializer, { ...ctx, sourceFile: decl.getSourceFile() }, inner);
    }
    // `let cached; … cached = new OpenAI()` (or `cached ??= …`): its initializer and every value it is assigned.
    if (ts.isVariableDeclaration(decl) && ts.isIdentifier(decl.name) && declarationKeyword(decl) !== 'const') {
      const verdict = classifyClientValues(
        [...(decl.initializer ? [decl.initializer] : []), ...assignmentsTo(decl)].flatMap(clientAlternatives),
        ctx,
        inner,
      );
      if (verdict) return verdict;
    }
    if (ts.isVariableDeclaration(decl) && decl.type) {
      const verdict = clientByType(decl.type, decl);
      if (verdict) return verdict;
    }
    if (ts.isParameter(decl) && decl.type) {
      const verdict = clientByType(decl.type, decl);
      if (verdict) return verdict;
    }
    const target = importTarget(decl);
    if (target) {
      if (otherProvider(target.module))
        return {
          openai: false,
          code: 'not-openai',
          reason: `\`${root.text}\` comes from ${target.module}, not OpenAI`,
        };
      const located = resolveImport(ctx.host, ctx.sourceFile.fileName, decl);
      if (located && ts.isVariableDeclaration(located.node) && located.node.initializer) {
        return classifyClient(located.node.initializer, { ...ctx, sourceFile: located.sourceFile });
      }
      const defaultExport = defaultExportExpression(ctx.host, ctx.sourceFile.fileName, decl);
      if (defaultExport) return classifyClient(defaultExport.node, { ...ctx, sourceFile: defaultExport.sourceFile });
      if (located && ts.isFunctionDeclaration(located.node)) {
        return { openai: false, code: 'no-source', reason: `\`${root.text}\` is a function, not a client` };
      }
      if (!located) {
        // Never guessed from a name: an unreadable client may be a gateway's.
        return {
          openai: false,
          code: 'provider-unknown',
          reason: `\`${root.text}\` comes from ${target.module}, which this tool could not read: if it is an OpenAI client (no gateway baseURL), add the fields by hand`,
        };
      }
    }
  }
  return undefined;
}

/** A type that names a client: OpenAI's classes, or another provider's. */
function clientByType(type: ts.TypeNode, at: ts.Node): ClientVerdict | undefined {
  const ref = packageTypeReference(type, at);
  if (ref && OPENAI_PACKAGE.test(ref.module) && OPENAI_CLIENT_CLASSES.includes(ref.name))
    return { openai: true, notes: [] };
  if (ref && otherProvider(ref.module))
    return { openai: false, code: 'not-openai', reason: `typed as a ${ref.module} client` };
  return undefined;
}

/** `this.name = value` in the class's constructor. */
function constructorAssignments(member: ts.PropertyDeclaration, name: string): ts.Expression[] {
  const ctor = member.parent.members.find(ts.isConstructorDeclaration);
  const out: ts.Expression[] = [];
  const visit = (n: ts.Node) => {
    if (ts.isBinaryExpression(n) && n.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
      const left = skipOuterExpressions(n.left);
      if (
        ts.isPropertyAccessExpression(left) &&
        left.expression.kind === ts.SyntaxKind.ThisKeyword &&
        left.name.text === name
      )
        out.push(n.right);
    }
    if (!isFunctionLike(n) || n === ctor) ts.forEachChild(n, visit);
  };
  if (ctor) visit(ctor);
  return out;
}

/** `this.name` inside a class: the property declaration, or the constructor's parameter property. */
function classMember(thisNode: ts.Node, name: string): ts.PropertyDeclaration | ts.ParameterDeclaration | undefined {
  let cls: ts.Node | undefined = thisNode.parent;
  while (cls && !ts.isClassDeclaration(cls) && !ts.isClassExpression(cls)) cls = cls.parent;
  if (!cls) return undefined;
  for (const member of (cls as ts.ClassLikeDeclaration).members) {
    if (ts.isPropertyDeclaration(member) && propertyNameText(member.name) === name) return member;
    if (ts.isConstructorDeclaration(member)) {
      for (const p of member.parameters) {
        const isProperty = (ts.getModifiers(p)?.length ?? 0) > 0; // `private openai: OpenAI` in a constructor
        if (isProperty && ts.isIdentifier(p.name) && p.name.text === name) return p;
      }
    }
  }
  return undefined;
}

const OPENAI_HOST = /(^|\.|\/\/)(api\.)?openai\.com(\/|:|$)|\.openai\.azure\.com/;

type BaseUrl =
  { kind: 'none' } | { kind: 'openai' } | { kind: 'gateway'; url: string } | { kind: 'unknown'; text: string };

/**
 * The `baseURL` a client's options set, as far as the code shows it: written out, a const string, a const options
 * object, a spread of one. Anything else is unknown: options this tool cannot read may point anywhere.
 */
export function readBaseUrl(
  options: ts.Expression | undefined,
  ctx: AnalysisContext,
  key = 'baseURL',
  path = new Map<string, Set<ts.Node>>(),
): BaseUrl {
  if (!options) return { kind: 'none' };
  const e = skipOuterExpressions(options);
  // Options met again on their own path for the same key (`const a = { ...b }; const b = { ...a }`) set nothing more.
  const open = path.get(key) ?? path.set(key, new Set()).get(key)!;
  return guarded(
    e,
    open,
    () => ({ kind: 'none' }),
    () => readBaseUrlOnce(e, ctx, key, path),
  );
}

function readBaseUrlOnce(
  e: ts.Expression,
  ctx: AnalysisContext,
  key: string,
  path: Map<string, Set<ts.Node>>,
): BaseUrl {
  const text = e.getText();
  if (ts.isIdentifier(e)) {
    const decl = resolveName(e.text, e);
    if (decl && ts.isVariableDeclaration(decl) && declarationKeyword(decl) === 'const' && decl.initializer) {
      // `const options = { apiKey }; options.baseURL = proxy;`: a write after the literal may point it anywhere.
      const write = baseUrlWrittenLater(decl, key);
      return write ? { kind: 'unknown', text: write } : readBaseUrl(decl.initializer, ctx, key, path);
    }
    return { kind: 'unknown', text };
  }
  // openai v3: `new OpenAIApi(new Configuration({ apiKey, basePath }))`.
  if (ts.isNewExpression(e) && ts.isIdentifier(e.expression) && e.expression.text === 'Configuration') {
    const decl = resolveName(e.expression.text, e.expression);
    const target = decl && importTarget(decl);
    if (target && OPENAI_PACKAGE.test(target.module)) return readBaseUrl(e.arguments?.[0], ctx, 'basePath', path);
  }
  if (!ts.isObjectLiteralExpression(e)) return { kind: 'unknown', text };
  let found: BaseUrl = { kind: 'none' };
  for (const prop of e.properties) {
    if (ts.isSpreadAssignment(prop)) {
      const inner = readBaseUrl(prop.expression, ctx, key, path);
      if (inner.kind !== 'none') found = inner;
      continue;
    }
    if (propertyNameText(prop.name) !== key) continue;
    const value = ts.isPropertyAssignment(prop)
      ? prop.initializer
      : ts.isShorthandPropertyAssignment(prop)
        ? prop.name
        : undefined;
    found = value ? urlVerdict(value, new Set()) : { kind: 'unknown', text: prop.getText() };
  }
  return found;
}

/**
 * A write after its declaration that may set the `baseURL` of a const options object or client: `x.baseURL = …`,
 * `x['baseURL'] = …`, `x[key] = …`, `Object.assign(x, …)`. Its text, else undefined.
 */
function baseUrlWrittenLater(decl: ts.VariableDeclaration, key: string): string | undefined {
  if (!ts.isIdentifier(decl.name)) return undefined;
  const name = decl.name.text;
  const isIt = (expr: ts.Expression) => {
    const e = skipOuterExpressions(expr);
    return ts.isIdentifier(e) && e.text === name && resolveName(name, e) === decl;
  };
  let found: string | undefined;
  const visit = (node: ts.Node) => {
    if (found) return;
    if (
      ts.isBinaryExpression(node) &&
      node.operatorToken.kind >= ts.SyntaxKind.FirstAssignment &&
      node.operatorToken.kind <= ts.SyntaxKind.LastAssignment
    ) {
      const left = skipOuterExpressions(node.left);
      const arg = ts.isElementAccessExpression(left) ? skipOuterExpressions(left.argumentExpression) : undefined;
      const keyed = ts.isPropertyAccessExpression(left)
        ? left.name.text === key
        : !!arg && (!ts.isStringLiteralLike(arg) || arg.text === key);
      if (keyed && isIt((left as ts.PropertyAccessExpression | ts.ElementAccessExpression).expression))
        found = node.getText();
    }
    if (
      ts.isCallExpression(node) &&
      node.arguments[0] &&
      isIt(node.arguments[0]) &&
      /^Object\.assign$/.test(skipOuterExpressions(node.expression).getText())
    )
      found = node.getText();
    if (!found) ts.forEachChild(node, visit);
  };
  visit(decl.getSourceFile());
  return found;
}

function urlVerdict(value: ts.Expression, path: Set<ts.Node>): BaseUrl {
  const e = skipOuterExpressions(value);
  if (ts.isStringLiteralLike(e))
    return OPENAI_HOST.test(e.text) ? { kind: 'openai' } : { kind: 'gateway', url: e.text };
  const unknown = (): BaseUrl => ({ kind: 'unknown', text: e.getText() });
  if (ts.isIdentifier(e)) {
    const decl = resolveName(e.text, e);
    // A const met again on its own path (`const a = b; const b = a`) is not followed round: unknown.
    if (decl && ts.isVariableDeclaration(decl) && declarationKeyword(decl) === 'const' && decl.initializer)
      return guarded(decl, path, unknown, () => urlVerdict(decl.initializer!, path));
  }
  return unknown();
}

/**
 * Gateways whose chat completion body `id` is their generation id (docs/gateways.md): OpenRouter, and the ones the
 * config names by base URL (a self-hosted proxy the team vouches for). The Vercel AI Gateway's OpenAI-compatible API
 * documents no such id, so it is not here: its calls stay manual.
 */
function knownGateway(url: string, ctx: AnalysisContext): string | undefined {
  const normalized = url.replace(/\/+$/, '');
  const configured = ctx.config.gateways?.find((g) => g.baseURL.replace(/\/+$/, '') === normalized);
  if (configured) return configured.name;
  return GATEWAYS_WITH_CLIENT_IDS.find((gateway) => sameApiBase(url, GATEWAY_API_BASES[gateway]));
}

/** Same scheme, host and path, trailing slashes aside (`https://openrouter.ai/api/v1/`); an unparsable URL is none. */
function sameApiBase(url: string, base: string): boolean {
  try {
    const [a, b] = [new URL(url), new URL(base)];
    return (
      a.protocol === b.protocol &&
      a.host === b.host &&
      a.pathname.replace(/\/+$/, '') === b.pathname.replace(/\/+$/, '')
    );
  } catch {
    return false;
  }
}

/** A client built with a `baseURL` that is not OpenAI's talks to a gateway whose ids are its own. */
function baseUrlVerdict(construction: ts.NewExpression, ctx: AnalysisContext): ClientVerdict {
  const url = readBaseUrl(construction.arguments?.[0], ctx);
  if (url.kind === 'none' || url.kind === 'openai') return { openai: true, notes: [] };
  if (url.kind === 'gateway') {
    // Another provider's own API (DeepSeek, Groq…): a call there is certainly no OpenAI request.
    const provider = otherProviderApi(url.url);
    if (provider)
      return {
        openai: false,
        code: 'not-openai',
        reason: `the client's baseURL is ${url.url}, ${provider}'s own API: its calls are ${provider}'s, not OpenAI requests`,
      };
    const gatewayName = knownGateway(url.url, ctx);
    return {
      openai: false,
      code: 'not-openai',
      gateway: true,
      ...(gatewayName ? { gatewayName } : {}),
      reason: `the client's baseURL is ${url.url}: the ids it returns are that gateway's, not OpenAI's`,
    };
  }
  return {
    openai: false,
    code: 'provider-unknown',
    readsOptions: true,
    reason: `the client's options (\`${url.text}\`) may set a baseURL this tool cannot read: if it is OpenAI's, add the fields by hand; if it is a gateway (OpenRouter, LiteLLM, AI Gateway), its ids are not OpenAI's`,
  };
}
