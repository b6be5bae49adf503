/**
 * The schema step, done for the user when their tracker's parameter type lacks the fields: add them to that type
 * (optional, `string | null` / `number | null`), and pass them through where the tracker builds its insert row field
 * by field. Without it, adding the fields at call sites would not compile. Pure: texts in, edits out.
 */
import { activeFields, type ReconConfig } from '../config.js';
import { appendBindingElement, appendProperties, lineEnding, lineIndentAt } from './edits.js';
import { readSourceFile, type ProjectHost } from './host.js';
import {
  findTrackingCalls,
  isUntypedJsParameter,
  recordParameterIndex,
  trackerDefinition,
  trackerFunction,
} from './tracker.js';
import { readRecordShape } from './types-read.js';
import type { TextEdit } from './types.js';
import { propertyNameText, skipOuterExpressions, ts } from './ts.js';

export interface SchemaChange {
  path: string;
  /** The type that gained the fields (`TokenUsage`). */
  typeName: string;
  /** Property names added to the type. */
  added: string[];
  /** Property names added to the tracker's insert row. */
  passedThrough: string[];
  /** When the row could not be found: what a person must add to the tracker, and where. */
  manual?: string;
  edits: TextEdit[];
  /** The trackers (`trackerKey`) whose record type this change extends: kept only if a call of one is updated. */
  trackers: string[];
}

/** Identifies a tracker's definition across files: the schema step's changes and the calls that need them. */
export function trackerKey(definition: { node: ts.Node; sourceFile: ts.SourceFile }): string {
  // By name, not offset: the schema step's own edits move the definition in the text the calls are planned against.
  const name = (definition.node as { name?: ts.Node }).name;
  return `${definition.sourceFile.fileName}:${name && ts.isIdentifier(name) ? name.text : definition.node.pos}`;
}

/** Members to add to an interface or type literal, in its own separator and indentation. */
function addMembers(
  sourceFile: ts.SourceFile,
  node: ts.InterfaceDeclaration | ts.TypeLiteralNode,
  members: string[],
): TextEdit[] {
  const text = sourceFile.text;
  const eol = lineEnding(text, node.getStart(sourceFile));
  const existing = node.members;
  const last = existing[existing.length - 1];
  const lastText = last?.getText(sourceFile) ?? '';
  // Members separated by line breaks alone (no `;` or `,` after any of them): the new ones get none either.
  const bare =
    existing.length > 0 &&
    !existing.some((m) => /[;,]$/.test(m.getText(sourceFile))) &&
    text.slice(node.getStart(sourceFile), last.getStart(sourceFile)).includes('\n');
  const separator = bare ? '' : /,$/.test(lastText) ? ',' : ';';
  const close = node.getEnd() - 1;
  // A type written on one line (`{ a: number; b: number }`) gets the new members on that line, in its own separator.
  if (last && !text.slice(node.getStart(sourceFile), node.getEnd()).includes('\n')) {
    const sep = /,$/.test(lastText) ? ',' : ';';
    const joined = members.join(`${sep} `);
    return [
      {
        start: last.getEnd(),
        end: last.getEnd(),
        text: /[;,]$/.test(lastText) ? ` ${joined}${sep}` : `${sep} ${joined}`,
      },
    ];
  }
  if (!last) {
    const indent = lineIndentAt(text, node.getStart(sourceFile));
    return [
      {
        start: close,
        end: close,
        text: `${members.map((m) => `${eol}${indent}  ${m}${separator}`).join('')}${eol}${indent}`,
      },
    ];
  }
  const indent = lineIndentAt(text, last.getStart(sourceFile));
  const lines = members.map((m) => `${eol}${indent}${m}${separator}`).join('');
  const edits: TextEdit[] = [];
  if (!bare && !/[;,]$/.test(lastText)) edits.push({ start: last.getEnd(), end: last.getEnd(), text: separator });
  // After any comment that ends the last member's line.
  let at = last.getEnd();
  for (const range of ts.getTrailingCommentRanges(text, at) ?? []) {
    if (text.slice(at, range.pos).includes('\n')) break;
    at = range.end;
  }
  edits.push({ start: at, end: at, text: lines });
  return edits;
}

/**
 * Object literals in the tracker's body that copy its parameter field by field under the same names
 * (`user_id: usage.user_id`): the insert row. A log line (`{ user: usage.user_id }`) renames, so it is not one.
 */
function insertRows(fn: ts.SignatureDeclaration, param: string): ts.ObjectLiteralExpression[] {
  const rows: ts.ObjectLiteralExpression[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isObjectLiteralExpression(node)) {
      const copied = node.properties.filter((p) => {
        if (!ts.isPropertyAssignment(p)) return false;
        const value = skipOuterExpressions(p.initializer);
        const root = ts.isBinaryExpression(value) ? skipOuterExpressions(value.left) : value;
        return (
          ts.isPropertyAccessExpression(root) &&
          ts.isIdentifier(root.expression) &&
          root.expression.text === param &&
          root.name.text === propertyNameText(p.name)
        );
      });
      const spreadsParam = node.properties.some(
        (p) =>
          ts.isSpreadAssignment(p) &&
          ts.isIdentifier(skipOuterExpressions(p.expression)) &&
          (skipOuterExpressions(p.expression) as ts.Identifier).text === param,
      );
      if (copied.length >= 2 && !spreadsParam) rows.push(node);
    }
    ts.forEachChild(node, visit);
  };
  if ('body' in fn && fn.body) visit(fn.body);
  return rows;
}

/** Calls that store or copy an object as it is: `db.insert(usage)`, `Object.assign({}, usage)` (not `toRow(usage)`). */
const STORING_METHOD =
  /^(insert|insertOne|insertMany|upsert|create|createMany|values|save|add|put|set|send|write|push|assign)$/;

function storesWhole(call: ts.CallExpression): boolean {
  const callee = skipOuterExpressions(call.expression);
  return ts.isPropertyAccessExpression(callee) && STORING_METHOD.test(callee.name.text);
}

/** Does the parameter reach a call whole (`insert(usage)`, `{ ...usage }`, `Object.assign({}, usage)`)? Then its new fields do too. */
function passesWhole(fn: ts.SignatureDeclaration, param: string): boolean {
  let whole = false;
  const isParam = (e: ts.Expression) =>
    ts.isIdentifier(skipOuterExpressions(e)) && (skipOuterExpressions(e) as ts.Identifier).text === param;
  const visit = (node: ts.Node) => {
    if (whole) return;
    if (ts.isCallExpression(node) && node.arguments.some((a) => isParam(a) && !ormTarget(a)) && storesWhole(node))
      whole = true;
    else if (ts.isSpreadAssignment(node) && isParam(node.expression)) whole = true;
    else ts.forEachChild(node, visit);
  };
  if ('body' in fn && fn.body) visit(fn.body);
  return whole;
}

/** A row whose own declared type (`const row: Insert = {…}`, `{…} satisfies Insert`) would reject new keys. */
function rowIsTyped(row: ts.ObjectLiteralExpression): boolean {
  const parent = row.parent;
  return (
    (ts.isVariableDeclaration(parent) && !!parent.type) || ts.isSatisfiesExpression(parent) || ts.isAsExpression(parent)
  );
}

/** Calls that insert an ORM-typed row: Prisma `x.model.create({ data })`, Drizzle `insert(t).values()`, Kysely, TypeORM. */
const PRISMA_WRITE = /^(create|createMany|createManyAndReturn|upsert|update|updateMany)$/;

/**
 * The ORM model or table an expression is inserted through, when its type is the ORM's (generated from the schema):
 * such a row rejects keys its model lacks, so it takes the fields only once the model has the columns. Untyped rows
 * (Supabase without generated types, Knex, SQL parameters, JSON metadata) give undefined.
 */
function ormTarget(expression: ts.Expression): string | undefined {
  let node: ts.Node = expression;
  while (
    ts.isParenthesizedExpression(node.parent) ||
    ts.isAsExpression(node.parent) ||
    ts.isSatisfiesExpression(node.parent) ||
    ts.isArrayLiteralExpression(node.parent)
  )
    node = node.parent;
  const parent = node.parent;
  // Prisma: `prisma.tokenUsage.create({ data: row })`, `upsert({ create: row, update: row })`.
  if (
    ts.isPropertyAssignment(parent) &&
    /^(data|create|update)$/.test(propertyNameText(parent.name) ?? '') &&
    ts.isObjectLiteralExpression(parent.parent)
  ) {
    const call = parent.parent.parent;
    const callee =
      call && ts.isCallExpression(call) && call.arguments[0] === parent.parent
        ? skipOuterExpressions(call.expression)
        : undefined;
    if (
      callee &&
      ts.isPropertyAccessExpression(callee) &&
      PRISMA_WRITE.test(callee.name.text) &&
      ts.isPropertyAccessExpression(callee.expression)
    ) {
      const model = callee.expression.name.text;
      return `the Prisma model \`${model[0].toUpperCase()}${model.slice(1)}\``;
    }
  }
  if (ts.isCallExpression(parent) && parent.arguments.includes(node as ts.Expression)) {
    const callee = skipOuterExpressions(parent.expression);
    const target = ts.isPropertyAccessExpression(callee) ? skipOuterExpressions(callee.expression) : undefined;
    if (!target || !ts.isCallExpression(target) || !target.arguments[0]) return undefined;
    const inner = skipOuterExpressions(target.expression);
    const name = ts.isPropertyAccessExpression(inner) ? inner.name.text : ts.isIdentifier(inner) ? inner.text : '';
    const table = target.arguments[0].getText();
    const method = (callee as ts.PropertyAccessExpression).name.text;
    // Drizzle `db.insert(table).values(row)`, Kysely `db.insertInto('table').values(row)`.
    if (method === 'values' && name === 'insert') return `the Drizzle table \`${table}\``;
    if (method === 'values' && name === 'insertInto') return `the Kysely table ${table}`;
    // TypeORM `dataSource.getRepository(Entity).insert(row)`.
    if (/^(insert|save|create|upsert)$/.test(method) && name === 'getRepository')
      return `the TypeORM entity \`${table}\``;
  }
  return undefined;
}

/** Where a row goes: its own position, or the uses of the `const` it is assigned to (`const row = {…}; insert(row)`). */
function rowOrmTarget(fn: ts.SignatureDeclaration, row: ts.ObjectLiteralExpression): string | undefined {
  const direct = ormTarget(row);
  if (direct) return direct;
  let holder: ts.Node = row;
  while (
    ts.isParenthesizedExpression(holder.parent) ||
    ts.isAsExpression(holder.parent) ||
    ts.isSatisfiesExpression(holder.parent)
  )
    holder = holder.parent;
  const decl = holder.parent;
  if (!ts.isVariableDeclaration(decl) || !ts.isIdentifier(decl.name)) return undefined;
  const name = decl.name.text;
  let found: string | undefined;
  const visit = (node: ts.Node) => {
    if (found) return;
    if (ts.isIdentifier(node) && node.text === name && node !== decl.name) found = ormTarget(node);
    ts.forEachChild(node, visit);
  };
  if ('body' in fn && fn.body) visit(fn.body);
  return found;
}

/**
 * A plain-JS tracker (no type to extend): what it does with the new fields. Destructured (`({ userId, model })`):
 * the fields are dropped unless named; the one row built from the names gets them (with the destructuring), else the
 * lines to add are reported. A named parameter: its field-by-field row, as for a typed tracker.
 */
function planUntypedTracker(
  fn: ts.SignatureDeclaration,
  param: ts.ParameterDeclaration,
  sourceFile: ts.SourceFile,
  callee: string,
  props: string[],
  change: SchemaChange,
): void {
  if (ts.isObjectBindingPattern(param.name)) {
    const pattern = param.name;
    if (pattern.elements.some((e) => e.dotDotDotToken)) return; // `...rest` keeps them
    const named = new Set(pattern.elements.map((e) => propertyNameText(e.propertyName ?? e.name)));
    const missing = props.filter((p) => !named.has(p));
    if (missing.length === 0) return;
    const locals = new Set(pattern.elements.map((e) => (ts.isIdentifier(e.name) ? e.name.text : '')));
    const rows: ts.ObjectLiteralExpression[] = [];
    const visit = (node: ts.Node) => {
      if (ts.isObjectLiteralExpression(node)) {
        const copied = node.properties.filter(
          (p) =>
            (ts.isShorthandPropertyAssignment(p) && locals.has(p.name.text)) ||
            (ts.isPropertyAssignment(p) &&
              ts.isIdentifier(skipOuterExpressions(p.initializer)) &&
              locals.has((skipOuterExpressions(p.initializer) as ts.Identifier).text)),
        );
        if (copied.length >= 2) rows.push(node);
      }
      ts.forEachChild(node, visit);
    };
    if ('body' in fn && fn.body) visit(fn.body);
    const body = 'body' in fn && fn.body ? fn.body.getText(sourceFile) : '';
    const taken = missing.some((p) => new RegExp(`\\b${p}\\b`).test(body));
    const orm = rows.length === 1 ? rowOrmTarget(fn, rows[0]) : undefined;
    const lines = missing.map((m) => `${m}: ${m} ?? null`);
    if (rows.length === 1 && !orm && !taken) {
      change.edits.push(appendBindingElement(sourceFile, pattern, missing.join(', ')));
      change.edits.push(
        ...appendProperties(
          sourceFile,
          rows[0],
          missing.map((m): [string, string] => [m, `${m} ?? null`]),
        ),
      );
      change.passedThrough.push(...missing);
      return;
    }
    const names = missing.map((m) => `\`${m}\``).join(', ');
    const where = orm
      ? `its row goes to ${orm}: add the columns to it first, then`
      : rows.length > 1
        ? `it builds ${rows.length} rows from them:`
        : taken
          ? 'it already uses those names:'
          : 'no object literal in it copies them (a raw SQL insert?):';
    const row =
      rows.length === 0 && !orm
        ? 'them to the columns and values it inserts'
        : `\`${lines.join(', ')}\` to the row it inserts`;
    change.manual = `the tracker \`${callee}\` destructures its parameter and drops ${names}; ${where} add ${names} to its parameter's destructuring and ${row}`;
    return;
  }
  if (!ts.isIdentifier(param.name)) return;
  const name = param.name.text;
  const rows = insertRows(fn, name);
  if (rows.length === 0 && passesWhole(fn, name)) return;
  const present =
    rows.length === 1
      ? new Set(rows[0].properties.map((p) => propertyNameText(p.name)))
      : new Set<string | undefined>();
  const missing = props.filter((p) => !present.has(p));
  if (missing.length === 0) return;
  const orm = rows.length === 1 ? rowOrmTarget(fn, rows[0]) : undefined;
  const lines = missing.map((m) => `${m}: ${name}.${m}`);
  if (rows.length === 1 && !orm) {
    change.edits.push(
      ...appendProperties(
        sourceFile,
        rows[0],
        missing.map((m): [string, string] => [m, `${name}.${m} ?? null`]),
      ),
    );
    change.passedThrough.push(...missing);
    return;
  }
  const where = orm
    ? `its row goes to ${orm}: add the columns to it first, then add`
    : rows.length > 1
      ? `it builds ${rows.length} rows from \`${name}\`: add`
      : 'no object literal in it copies its parameter field by field: add';
  change.manual = `the tracker \`${callee}\` may not store the new fields (${where} \`${lines.join(', ')}\` to the row it inserts)`;
}

/**
 * Plan the schema step for every tracker the inputs call: keyed by the path of the file to edit. A type that is
 * open (index signature, unreadable base) or not a local interface/type literal is left alone.
 */
export function planSchemaStep(
  inputs: ReadonlyArray<{ path: string; text: string }>,
  config: ReconConfig,
  host: ProjectHost,
): Map<string, SchemaChange> {
  const changes = new Map<string, SchemaChange>();
  const seen = new Set<string>();
  const names = activeFields(config).map((f) => ({ prop: f.prop, type: `${f.tsType} | null` }));
  for (const input of inputs) {
    if (!config.callees.some((c) => input.text.includes(c))) continue;
    const sourceFile = readSourceFile(host, input.path);
    if (!sourceFile) continue;
    for (const tracking of findTrackingCalls(sourceFile, config, host)) {
      const definition = trackerDefinition(host, sourceFile, tracking);
      if (!definition) continue;
      const key = trackerKey(definition);
      if (seen.has(key)) continue;
      seen.add(key);
      const fn = trackerFunction(definition);
      // The type the record argument is checked against: never a client's or another parameter's.
      const index = recordParameterIndex(definition, host);
      const jsParam = fn?.parameters[index ?? 0];
      if (fn && jsParam && isUntypedJsParameter(definition.sourceFile, jsParam)) {
        const fnPath = definition.sourceFile.fileName;
        const fnChange = changes.get(fnPath) ?? {
          path: fnPath,
          typeName: 'the parameter',
          added: [],
          passedThrough: [],
          edits: [],
          trackers: [],
        };
        if (!fnChange.trackers.includes(key)) fnChange.trackers.push(key);
        planUntypedTracker(
          fn,
          jsParam,
          definition.sourceFile,
          tracking.callee,
          names.map((n) => n.prop),
          fnChange,
        );
        if (fnChange.edits.length || fnChange.manual) changes.set(fnPath, fnChange);
        continue;
      }
      const param = index === undefined ? undefined : fn?.parameters[index];
      if (!fn || !param?.type) continue;
      const shape = readRecordShape(host, definition.sourceFile, param.type);
      if (!shape || shape.open || !shape.declaration) continue;
      const missing = names.filter((n) => !shape.properties.has(n.prop));
      if (missing.length === 0) continue;
      // `Pick<…>` would drop a member added underneath, `Required<…>` would make it required: the calls say so.
      if (shape.filter && missing.some((m) => !shape.filter!.allows(m.prop))) continue;
      const declaration = shape.declaration;
      const typeName = ts.isInterfaceDeclaration(declaration.node) ? declaration.node.name.text : 'the parameter type';
      const typePath = declaration.sourceFile.fileName;
      const typeChange = changes.get(typePath) ?? {
        path: typePath,
        typeName,
        added: [],
        passedThrough: [],
        edits: [],
        trackers: [],
      };
      typeChange.trackers.push(key);
      typeChange.typeName = typeName;
      typeChange.added.push(...missing.map((m) => m.prop));
      typeChange.edits.push(
        ...addMembers(
          declaration.sourceFile,
          declaration.node,
          missing.map((m) => `${m.prop}?: ${m.type}`),
        ),
      );
      changes.set(typePath, typeChange);

      const fnPath = definition.sourceFile.fileName;
      const fnChange = changes.get(fnPath) ?? {
        path: fnPath,
        typeName,
        added: [],
        passedThrough: [],
        edits: [],
        trackers: [],
      };
      if (!fnChange.trackers.includes(key)) fnChange.trackers.push(key);
      const paramName = ts.isIdentifier(param.name) ? param.name.text : undefined;
      const rows = paramName ? insertRows(fn, paramName) : [];
      const lines = missing.map((m) => `${m.prop}: ${paramName ?? 'usage'}.${m.prop}`);
      const orm = rows.length === 1 ? rowOrmTarget(fn, rows[0]) : undefined;
      if (orm) {
        fnChange.manual = `the tracker \`${tracking.callee}\` inserts its row through ${orm}, whose type rejects keys it lacks: add the columns to ${orm} first, then add \`${lines.join(', ')}\` to the row`;
      } else if (rows.length === 1 && rowIsTyped(rows[0])) {
        fnChange.manual = `the tracker \`${tracking.callee}\` builds its row with a declared type that lacks the new fields: add the columns (\`npx recon-codemod sql\`), regenerate that type, then add \`${lines.join(', ')}\` to the row`;
      } else if (rows.length === 1) {
        const present = new Set(rows[0].properties.map((p) => propertyNameText(p.name)));
        const entries = missing
          .filter((m) => !present.has(m.prop))
          .map((m): [string, string] => [m.prop, `${paramName}.${m.prop} ?? null`]);
        fnChange.edits.push(...appendProperties(definition.sourceFile, rows[0], entries));
        fnChange.passedThrough.push(...entries.map(([k]) => k));
      } else if (!(rows.length === 0 && paramName && passesWhole(fn, paramName))) {
        const where =
          rows.length > 1
            ? `it builds ${rows.length} rows from \`${paramName}\``
            : 'no object literal in it copies its parameter field by field';
        fnChange.manual = `the tracker \`${tracking.callee}\` may not store the new fields (${where}): add \`${lines.join(', ')}\` to the row it inserts`;
      }
      changes.set(fnPath, fnChange);
    }
  }
  return changes;
}
