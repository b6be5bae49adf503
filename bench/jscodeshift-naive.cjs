/**
 * The bench's jscodeshift comparison: the naive find-and-insert transform a team would write. It parses every file,
 * finds `trackTokenUsage({...})` calls whose object literal lacks a reconciliation field, and inserts the three
 * properties read from the nearest preceding `const x = await openai.….create(…)` (or null). No data flow, no
 * wrappers, no AI SDK: it is only a yardstick for parse-and-print cost, not a substitute for the codemod.
 */
const FIELDS = ['openai_request_id', 'openai_created', 'system_fingerprint'];
const READ = { openai_request_id: 'id', openai_created: 'created', system_fingerprint: 'system_fingerprint' };

module.exports = function transformer(file, api) {
  const j = api.jscodeshift;
  const root = j(file.source);
  let changed = false;
  root.find(j.CallExpression, { callee: { type: 'Identifier', name: 'trackTokenUsage' } }).forEach((path) => {
    const arg = path.node.arguments[0];
    if (!arg || arg.type !== 'ObjectExpression') return;
    const names = new Set(arg.properties.map((p) => p.key && (p.key.name || p.key.value)));
    if (FIELDS.every((f) => names.has(f))) return;
    // The nearest variable initialised from an `openai.*.create(...)` call before this one.
    let source = null;
    root.find(j.VariableDeclarator).forEach((d) => {
      const init = d.node.init && d.node.init.type === 'AwaitExpression' ? d.node.init.argument : d.node.init;
      if (
        init &&
        init.type === 'CallExpression' &&
        d.node.id.type === 'Identifier' &&
        d.node.start < path.node.start &&
        j(init).toSource().startsWith('openai.')
      ) {
        source = d.node.id.name;
      }
    });
    for (const f of FIELDS) {
      if (names.has(f)) continue;
      const value = source ? j.memberExpression(j.identifier(source), j.identifier(READ[f])) : j.literal(null);
      arg.properties.push(j.objectProperty(j.identifier(f), value));
    }
    changed = true;
  });
  return changed ? root.toSource() : undefined;
};
