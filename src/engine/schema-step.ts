/**
 * The schema step, done for the user when their tracker's parameter type lacks the fields: add them to that type
 * (optional, `string | null` / `number | null`), and pass them through where the tracker builds its insert row field
 * by field. Without it, adding the fields at call sites would not compile. Pure: texts in, edits out.
 */
import { activeFields, type ReconConfig } from '../config.js';
import { appendProperties, lineEnding, lineIndentAt } from './edits.js';
import { readSourceFile, type ProjectHost } from './host.js';
import { findTrackingCalls, recordParameterIndex, trackerDefinition, trackerFunction } from './tracker.js';
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
function addMembers(sourceFile: ts.SourceFile, node: ts.InterfaceDeclaration | ts.TypeLiteralNode, members: string[]): TextEdit[] {
  const text = sourceFile.text;
  const eol = lineEnding(text, node.getStart(sourceFile));
  const existing = node.members;
  const last = existing[existing.length - 1];
  const lastText = last?.getText(sourceFile) ?? '';
  const separator = /,$/.test(lastText) ? ',' : ';';
  const close = node.getEnd() - 1;
  if (!last) {
    const indent = lineIndentAt(text, node.getStart(sourceFile));
    return [{ start: close, end: close, text: `${members.map((m) => `${eol}${indent}  ${m}${separator}`).join('')}${eol}${indent}` }];
  }
  const indent = lineIndentAt(text, last.getStart(sourceFile));
  const lines = members.map((m) => `${eol}${indent}${m}${separator}`).join('');
  const edits: TextEdit[] = [];
  if (!/[;,]$/.test(lastText)) edits.push({ start: last.getEnd(), end: last.getEnd(), text: separator });
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
      const spreadsParam = node.properties.some((p) => ts.isSpreadAssignment(p) && ts.isIdentifier(skipOuterExpressions(p.expression)) && (skipOuterExpressions(p.expression) as ts.Identifier).text === param);
      if (copied.length >= 2 && !spreadsParam) rows.push(node);
    }
    ts.forEachChild(node, visit);
  };
  if ('body' in fn && fn.body) visit(fn.body);
  return rows;
}

/** Calls that store or copy an object as it is: `db.insert(usage)`, `Object.assign({}, usage)` (not `toRow(usage)`). */
const STORING_METHOD = /^(insert|insertOne|insertMany|upsert|create|createMany|values|save|add|put|set|send|write|push|assign)$/;

function storesWhole(call: ts.CallExpression): boolean {
  const callee = skipOuterExpressions(call.expression);
  return ts.isPropertyAccessExpression(callee) && STORING_METHOD.test(callee.name.text);
}

/** Does the parameter reach a call whole (`insert(usage)`, `{ ...usage }`, `Object.assign({}, usage)`)? Then its new fields do too. */
function passesWhole(fn: ts.SignatureDeclaration, param: string): boolean {
  let whole = false;
  const isParam = (e: ts.Expression) => ts.isIdentifier(skipOuterExpressions(e)) && (skipOuterExpressions(e) as ts.Identifier).text === param;
  const visit = (node: ts.Node) => {
    if (whole) return;
    if (ts.isCallExpression(node) && node.arguments.some(isParam) && storesWhole(node)) whole = true;
    else if (ts.isSpreadAssignment(node) && isParam(node.expression)) whole = true;
    else ts.forEachChild(node, visit);
  };
  if ('body' in fn && fn.body) visit(fn.body);
  return whole;
}

/** A row whose own declared type (`const row: Insert = {…}`, `{…} satisfies Insert`) would reject new keys. */
function rowIsTyped(row: ts.ObjectLiteralExpression): boolean {
  const parent = row.parent;
  return (ts.isVariableDeclaration(parent) && !!parent.type) || ts.isSatisfiesExpression(parent) || ts.isAsExpression(parent);
}

/**
 * Plan the schema step for every tracker the inputs call: keyed by the path of the file to edit. A type that is
 * open (index signature, unreadable base) or not a local interface/type literal is left alone.
 */
export function planSchemaStep(inputs: ReadonlyArray<{ path: string; text: string }>, config: ReconConfig, host: ProjectHost): Map<string, SchemaChange> {
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
      const typeChange = changes.get(typePath) ?? { path: typePath, typeName, added: [], passedThrough: [], edits: [], trackers: [] };
      typeChange.trackers.push(key);
      typeChange.typeName = typeName;
      typeChange.added.push(...missing.map((m) => m.prop));
      typeChange.edits.push(...addMembers(declaration.sourceFile, declaration.node, missing.map((m) => `${m.prop}?: ${m.type}`)));
      changes.set(typePath, typeChange);

      const fnPath = definition.sourceFile.fileName;
      const fnChange = changes.get(fnPath) ?? { path: fnPath, typeName, added: [], passedThrough: [], edits: [], trackers: [] };
      if (!fnChange.trackers.includes(key)) fnChange.trackers.push(key);
      const paramName = ts.isIdentifier(param.name) ? param.name.text : undefined;
      const rows = paramName ? insertRows(fn, paramName) : [];
      const lines = missing.map((m) => `${m.prop}: ${paramName ?? 'usage'}.${m.prop}`);
      if (rows.length === 1 && rowIsTyped(rows[0])) {
        fnChange.manual = `the tracker \`${tracking.callee}\` builds its row with a declared type that lacks the new fields: add the columns (\`npx recon-codemod sql\`), regenerate that type, then add \`${lines.join(', ')}\` to the row`;
      } else if (rows.length === 1) {
        const present = new Set(rows[0].properties.map((p) => propertyNameText(p.name)));
        const entries = missing.filter((m) => !present.has(m.prop)).map((m): [string, string] => [m.prop, `${paramName}.${m.prop} ?? null`]);
        fnChange.edits.push(...appendProperties(definition.sourceFile, rows[0], entries));
        fnChange.passedThrough.push(...entries.map(([k]) => k));
      } else if (!(rows.length === 0 && paramName && passesWhole(fn, paramName))) {
        const where = rows.length > 1 ? `it builds ${rows.length} rows from \`${paramName}\`` : 'no object literal in it copies its parameter field by field';
        fnChange.manual = `the tracker \`${tracking.callee}\` may not store the new fields (${where}): add \`${lines.join(', ')}\` to the row it inserts`;
      }
      changes.set(fnPath, fnChange);
    }
  }
  return changes;
}
