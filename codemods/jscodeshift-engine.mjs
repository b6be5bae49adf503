/**
 * The engine side of codemods/jscodeshift.cjs: a worker thread that imports the compiled ES-module engine once and
 * answers one request at a time. Each answer is posted on the port, then the shared flag is set and notified, so the
 * transform (blocked in `Atomics.wait` on that flag, a counter) wakes up with the message already queued.
 *
 * Request: { id, path, text, configPath?, root }. Answer: { id, ok: true, plan } or { id, ok: false, error }.
 * The plan is the engine's FilePlan for `text`, read with the CLI's disk host (tsconfig `paths` from `root`), so the
 * text is the one `recon-codemod --write` would write, except for calls whose edit needs the schema step in another
 * file (the tracker's parameter type): those are left as they are and reported (`fileAlone`). The config is read as the CLI reads it (src/config-file.ts);
 * a file that names no tracking callee is answered from the config alone, without loading the engine.
 */
import { workerData } from 'node:worker_threads';

const { signal, port } = workerData;
const dist = new URL('../dist/', import.meta.url);

const cannotLoad = (error) =>
  new Error(`recon-codemod: cannot load the engine from ${dist.pathname} (run \`npm run build\`?): ${error.message}`);

let configModule;
function loadConfigModule() {
  configModule ??= import(new URL('src/config-file.js', dist).href).catch((error) => {
    throw cannotLoad(error);
  });
  return configModule;
}

let modules;
async function load() {
  modules ??= Promise.all([
    import(new URL('src/engine/index.js', dist).href),
    import(new URL('src/node-host.js', dist).href),
  ]).then(
    ([engine, host]) => ({
      addReconciliationFields: engine.addReconciliationFields,
      fileAlone: engine.fileAlone,
      createNodeHost: host.createNodeHost,
      toPosix: host.toPosix,
    }),
    (error) => {
      throw cannotLoad(error);
    },
  );
  return modules;
}

const hosts = new Map();
/** The config, as the CLI reads it: --config FILE, else the "recon-codemod" key of package.json in the root. */
async function configFor(configPath, root) {
  const { readConfig } = await loadConfigModule();
  try {
    return readConfig(configPath, [root], root).config;
  } catch (error) {
    throw new Error(`recon-codemod: ${error.message}`);
  }
}

async function handle({ path, text, configPath, root }) {
  const config = await configFor(configPath, root);
  // Text prefilter, as the CLI: a file that names no tracking callee never loads the engine.
  if (!config.callees.some((callee) => text.includes(callee))) return { status: 'unchanged', calls: [] };
  const m = await load();
  let host = hosts.get(root);
  if (!host) hosts.set(root, (host = m.createNodeHost(root)));
  const posix = m.toPosix(path);
  const result = m.addReconciliationFields([{ path: posix, text }], {
    config,
    readFile: host.readFile,
    pathAliases: host.pathAliases,
    exactOptionalPropertyTypes: host.exactOptionalPropertyTypes,
  });
  // A transform writes only its own file: a call whose edit needs the tracker's type (or row) in another file is left
  // as it is and reported, naming that file, rather than written without it (it would not compile).
  const plan = m.fileAlone(result, posix, text);
  // Only what the transform needs crosses the thread boundary.
  return {
    status: plan.status,
    error: plan.error,
    output: plan.output,
    calls: plan.calls.map((c) => ({
      line: c.line,
      column: c.column,
      status: c.status,
      reasonCode: c.reasonCode,
      reason: c.reason,
    })),
  };
}

port.on('message', async (request) => {
  let reply;
  try {
    reply = { id: request.id, ok: true, plan: await handle(request) };
  } catch (error) {
    reply = { id: request.id, ok: false, error: error instanceof Error ? error.message : String(error) };
  }
  port.postMessage(reply);
  // The transform sleeps until this counter moves (see callEngine), then takes the answer with its request's id.
  Atomics.add(signal, 0, 1);
  Atomics.notify(signal, 0);
});
