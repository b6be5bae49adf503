import type { TextEdit } from './types.js';
import { parseSource, syntaxErrors, ts } from './ts.js';

/**
 * The line ending in use at `pos`: that of the line `pos` is on (a file may mix them; an insertion matches its
 * surroundings), else the file's first, else `\n`.
 */
export function lineEnding(text: string, pos?: number): string {
  if (pos !== undefined) {
    const next = text.indexOf('\n', pos);
    if (next > 0) return text[next - 1] === '\r' ? '\r\n' : '\n';
  }
  const i = text.indexOf('\n');
  return i > 0 && text[i - 1] === '\r' ? '\r\n' : '\n';
}

export function lineIndentAt(text: string, pos: number): string {
  const lineStart = text.lastIndexOf('\n', pos - 1) + 1;
  return /^[ \t]*/.exec(text.slice(lineStart))![0];
}

/** The end of the first token after `pos`, skipping comments and white space (a comma inside a comment is no comma). */
function nextTokenEnd(sourceFile: ts.SourceFile, pos: number): number {
  const scanner = ts.createScanner(
    ts.ScriptTarget.Latest,
    /* skipTrivia */ true,
    sourceFile.languageVariant,
    sourceFile.text,
    undefined,
    pos,
  );
  scanner.scan();
  return scanner.getTokenEnd();
}

/** End of the same-line comments after `pos` (so an insertion lands after `a: 1, // note`, not inside the comment). */
function afterTrailingComments(text: string, pos: number): number {
  let end = pos;
  for (const range of ts.getTrailingCommentRanges(text, pos) ?? []) {
    if (text.slice(end, range.pos).includes('\n')) break;
    end = range.end;
  }
  return end;
}

/**
 * Edits that append `name: value` properties to an object literal, in its own style: one per line at the indentation
 * of the existing properties for multi-line literals, inline for one-line ones; a trailing comma kept if it had one.
 */
export function appendProperties(
  sourceFile: ts.SourceFile,
  literal: ts.ObjectLiteralExpression,
  entries: Array<[string, string]>,
): TextEdit[] {
  if (entries.length === 0) return [];
  const text = sourceFile.text;
  const eol = lineEnding(text, literal.getStart(sourceFile));
  const props = literal.properties;
  const open = literal.getStart(sourceFile);
  const close = literal.getEnd() - 1; // the `}`
  const rendered = entries.map(([name, value]) => `${name}: ${value}`);
  if (props.length === 0) {
    const inner = text.slice(open + 1, close);
    if (!inner.includes('\n')) return [{ start: open + 1, end: close, text: ` ${rendered.join(', ')} ` }];
    const indent = lineIndentAt(text, open) + '  ';
    return [
      {
        start: open + 1,
        end: open + 1,
        text: rendered
          .map((r) => `${eol}${indent}${r},`)
          .join('')
          .replace(/,$/, ''),
      },
    ];
  }
  const last = props[props.length - 1];
  const trailingComma = props.hasTrailingComma;
  // With a trailing comma, the comma token is the first `,` after the last property (comments may sit between).
  const afterLast = trailingComma ? nextTokenEnd(sourceFile, last.getEnd()) : last.getEnd();
  const multiline = text.slice(open, last.getStart(sourceFile)).includes('\n');
  if (!multiline) {
    const insertion = rendered.join(', ');
    return trailingComma
      ? [{ start: afterLast, end: afterLast, text: ` ${insertion},` }]
      : [{ start: afterLast, end: afterLast, text: `, ${insertion}` }];
  }
  const indent = lineIndentAt(text, last.getStart(sourceFile));
  const at = afterTrailingComments(text, afterLast);
  const lines = rendered
    .map((r, i) => `${eol}${indent}${r}${trailingComma || i < rendered.length - 1 ? ',' : ''}`)
    .join('');
  const edits: TextEdit[] = [];
  if (!trailingComma) edits.push({ start: afterLast, end: afterLast, text: ',' });
  edits.push({ start: at, end: at, text: lines });
  return edits;
}

/** An edit that adds `element` (e.g. `response`) to an object binding pattern such as `({ usage })`. */
export function appendBindingElement(
  sourceFile: ts.SourceFile,
  pattern: ts.ObjectBindingPattern,
  element: string,
): TextEdit {
  const elements = pattern.elements;
  if (elements.length === 0) {
    return { start: pattern.getStart(sourceFile) + 1, end: pattern.getEnd() - 1, text: ` ${element} ` };
  }
  const last = elements[elements.length - 1];
  if (elements.hasTrailingComma) {
    const comma = nextTokenEnd(sourceFile, last.getEnd());
    return { start: comma, end: comma, text: ` ${element},` };
  }
  return { start: last.getEnd(), end: last.getEnd(), text: `, ${element}` };
}

/** An edit that adds a member (e.g. `response: { id: string; timestamp: Date }`) to a type literal, in its separator style. */
export function appendTypeMember(sourceFile: ts.SourceFile, literal: ts.TypeLiteralNode, member: string): TextEdit {
  const text = sourceFile.text;
  const members = literal.members;
  if (members.length === 0)
    return { start: literal.getStart(sourceFile) + 1, end: literal.getEnd() - 1, text: ` ${member} ` };
  const last = members[members.length - 1];
  const lastText = last.getText(sourceFile);
  const separator = /[;,]$/.test(lastText)
    ? lastText.slice(-1)
    : members.length > 1
      ? members[0].getText(sourceFile).slice(-1).replace(/[^;,]/, ';')
      : ';';
  const multiline = text.slice(literal.getStart(sourceFile), last.getStart(sourceFile)).includes('\n');
  // Members separated by line breaks alone: the new one goes on its own line with no separator, the others untouched.
  if (multiline && !members.some((m) => /[;,]$/.test(m.getText(sourceFile)))) {
    const at = afterTrailingComments(text, last.getEnd());
    return {
      start: at,
      end: at,
      text: `${lineEnding(text, last.getStart(sourceFile))}${lineIndentAt(text, last.getStart(sourceFile))}${member}`,
    };
  }
  if (multiline) {
    const indent = lineIndentAt(text, last.getStart(sourceFile));
    const at = afterTrailingComments(text, last.getEnd());
    const ownSeparator = /[;,]$/.test(lastText) ? '' : separator;
    return {
      start: last.getEnd(),
      end: at,
      text: `${ownSeparator}${text.slice(last.getEnd(), at)}${lineEnding(text, last.getStart(sourceFile))}${indent}${member}${/[;,]$/.test(lastText) ? separator : ''}`,
    };
  }
  return /[;,]$/.test(lastText)
    ? { start: last.getEnd(), end: last.getEnd(), text: ` ${member}${separator}` }
    : { start: last.getEnd(), end: last.getEnd(), text: `${separator} ${member}` };
}

/** Apply non-overlapping edits (any order) to a text. Throws on overlap: two plans must never touch the same span. */
export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  const sorted = [...edits].sort((a, b) => a.start - b.start || a.end - b.end);
  let out = '';
  let cursor = 0;
  for (const edit of sorted) {
    if (edit.start < cursor) throw new Error(`overlapping edits at offset ${edit.start}`);
    out += text.slice(cursor, edit.start) + edit.text;
    cursor = edit.end;
  }
  return out + text.slice(cursor);
}

/** Syntax errors of an edited text; the CLI never writes a text for which this is non-empty. */
export function checkParses(path: string, text: string): string[] {
  return syntaxErrors(parseSource(path, text));
}
