/**
 * recon-codemod as a jscodeshift transform, for pipelines that run jscodeshift:
 *
 *   npx jscodeshift -t node_modules/recon-codemod/codemods/jscodeshift.cjs src --extensions=ts,tsx --parser=tsx
 *
 * It runs the same engine as the CLI on `file.source` and returns the engine's text, so its output is byte-identical
 * to `recon-codemod --write`'s, with one exception: a transform writes only its own file, so a call whose edit needs
 * the tracker's parameter type extended in another file (the codemod's schema step) is left as it is and reported
 * (`untyped-tracker`, naming that file) rather than written without it. It never parses with jscodeshift's parser
 * (`--parser` does not matter).
 *
 * Options (jscodeshift passes unknown command-line options to the transform):
 *   --recon-config=FILE  the CLI's `--config` JSON ({ callees, trackingModules, fieldNames }); default: the
 *                        "recon-codemod" key of package.json in --root, as the CLI does
 *   --root=DIR           where tsconfig `paths` are looked up from (nearest tsconfig.json at or above it), as the
 *                        CLI's target directory; default: the current directory
 * Calls the engine cannot complete are reported through jscodeshift's `api.report` (printed with the file name);
 * a file the engine cannot process makes the transform throw (jscodeshift counts it as an error).
 * The config's `exclude` globs are not applied: choose files with jscodeshift's --ignore-pattern.
 *
 * How a synchronous CommonJS transform calls an ES-module engine on Node 20 (no `require()` of ESM without a flag):
 * a worker thread imports the engine once per jscodeshift process (codemods/jscodeshift-engine.mjs) and answers each
 * request over a MessageChannel; this thread blocks on `Atomics.wait` until the answer is posted, then takes it with
 * `receiveMessageOnPort`. The worker's start-up (loading TypeScript) is paid once per jscodeshift worker process, not
 * per file, and files that do not mention a tracking callee never load the engine (the worker answers from the config).
 */
'use strict';

const { join, resolve } = require('node:path');
const { MessageChannel, Worker, receiveMessageOnPort } = require('node:worker_threads');

const ENGINE_WORKER = join(__dirname, 'jscodeshift-engine.mjs');
/** Longest wait for one file's answer before giving up (a huge file on a slow machine still fits). */
const TIMEOUT_MS = 120_000;

let bridge;

function getBridge() {
  if (bridge) return bridge;
  const signal = new Int32Array(new SharedArrayBuffer(4));
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(ENGINE_WORKER, { workerData: { signal, port: port2 }, transferList: [port2] });
  // Neither keeps jscodeshift's process alive once the files are done.
  worker.unref();
  port1.unref();
  let exited;
  worker.on('error', (error) => {
    exited = error;
  });
  worker.on('exit', (code) => {
    exited = exited || new Error(`recon-codemod engine worker exited with code ${code}`);
  });
  bridge = {
    signal,
    port: port1,
    worker,
    get exited() {
      return exited;
    },
  };
  return bridge;
}

let lastRequestId = 0;

/**
 * One synchronous round trip to the engine worker. Each request carries an id and only the answer with that id is
 * taken: an answer that arrives late (after its own request gave up) is dropped, never handed to the next file, which
 * would write one file's text over another. The worker bumps the shared counter after posting each answer; this
 * thread sleeps until the counter moves, and polls the port as well, so a notification that races the wait costs a
 * few milliseconds, not the answer.
 */
function callEngine(request) {
  const b = getBridge();
  const id = ++lastRequestId;
  const deadline = Date.now() + TIMEOUT_MS;
  b.port.postMessage({ ...request, id });
  for (;;) {
    const seen = Atomics.load(b.signal, 0);
    let reply;
    while ((reply = receiveMessageOnPort(b.port))) {
      const message = reply.message;
      if (message.id !== id) continue;
      if (!message.ok) throw new Error(message.error);
      return message;
    }
    if (b.exited) throw new Error(`recon-codemod: the engine stopped: ${b.exited.message}`);
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`recon-codemod: the engine did not answer within ${TIMEOUT_MS / 1000} s`);
    Atomics.wait(b.signal, 0, seen, Math.min(left, 50));
  }
}

module.exports = function transformer(file, api, options = {}) {
  const configPath = options['recon-config'] ?? options.reconConfig ?? undefined;
  const root = resolve(options.root ?? process.cwd());
  const source = file.source;
  // The worker reads the config and skips files that name no tracking callee (the CLI's text prefilter).
  const reply = callEngine({
    path: resolve(file.path),
    text: source,
    configPath: configPath && resolve(configPath),
    root,
  });
  const plan = reply.plan;
  if (typeof api?.report === 'function') {
    for (const call of plan.calls) {
      if (call.status === 'manual') api.report(`${call.line}:${call.column} manual ${call.reasonCode}: ${call.reason}`);
    }
  }
  if (plan.status === 'error') throw new Error(`recon-codemod: ${file.path}: ${plan.error}`);
  return plan.status === 'changed' ? plan.output : undefined;
};

// jscodeshift reads `parser` from the transform module; the engine does not use it, but `tsx` parses every source
// kind the CLI handles should anything in jscodeshift parse the file.
module.exports.parser = 'tsx';
