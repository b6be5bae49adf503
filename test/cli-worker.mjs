// The CLI in a worker thread, for test/helpers.ts's runCli: `main` from the built dist (what bin/ runs), called once per
// request with the request's cwd and env; the answer goes back on a port and the caller, blocked on `signal`, reads it
// synchronously. Loading the CLI (ts-morph, TypeScript) once per test file instead of once per run is the point.
import { workerData } from 'node:worker_threads';
import { main } from '../dist/src/cli.js';

const { port, signal } = workerData;

function answer(result) {
  port.postMessage(result);
  Atomics.store(signal, 0, 1);
  Atomics.notify(signal, 0);
}

// Whatever escapes a run still answers the blocked caller, as a crash of the bin would end its process.
for (const event of ['uncaughtException', 'unhandledRejection']) {
  process.on(event, (error) =>
    answer({ code: 2, stdout: '', stderr: `recon-codemod: fatal: ${error?.stack ?? error}\n` }),
  );
}

port.on('message', async ({ args, cwd, env }) => {
  let stdout = '';
  let stderr = '';
  let code;
  try {
    code = await main(args, {
      cwd,
      stdout: (text) => void (stdout += text),
      stderr: (text) => void (stderr += text),
      stdoutIsTTY: false,
      stderrIsTTY: false,
      env,
    });
  } catch (error) {
    // As bin/recon-codemod.js does.
    stderr += `recon-codemod: fatal: ${error?.stack ?? error}\n`;
    code = 2;
  }
  answer({ code, stdout, stderr });
});
