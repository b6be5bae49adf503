/**
 * `recon-codemod`: the only part of the codemod that touches the disk, the terminal and the exit code.
 */
import {
  accessSync,
  constants as fsConstants,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, resolve } from 'node:path';
import { DEFAULT_INCLUDE, UsageError } from './files.js';
import { importOptional, MissingPackageError } from './optional.js';
import { runSqlCommand } from './schema/sql-command.js';
import { packageVersion } from './version.js';

export const EXIT = { ok: 0, checkFailed: 1, usage: 2 } as const;

export const USAGE = `Usage: recon-codemod [paths...] [options]
       recon-codemod sql [--table T] [--create] [--out FILE|DIR]          SQL migration   (sql --help)
       recon-codemod reconcile --since DATE --until DATE [--bucket 1h]    rows vs OpenAI usage and costs (reconcile --help)
       recon-codemod report merge A.json B.json... [--report F] [--json F] many repositories' reports in one (report --help)

Adds openai_request_id, openai_created and system_fingerprint to every trackTokenUsage(...) call whose OpenAI
result it can identify, and lists the calls it cannot, with the reason. Dry run by default: prints a unified diff.

Paths default to the current directory. Paths in the output and the reports are relative to the current directory. Files: .ts .tsx .mts .cts .js .jsx .mjs .cjs; node_modules, build output,
.d.ts files and .gitignore'd files are skipped.

Options:
  --write               apply the edits (atomic writes; refuses files with uncommitted changes, see --allow-dirty)
  --check               for CI: exit 1 if any tracking call is neither complete nor acknowledged, or a file has an
                        error; with --write, judged after writing. A manual call marked with a "// recon-codemod:"
                        comment (what --todo writes) is acknowledged: counted apart, listed, and it passes.
                        No files to scan, or no call where a config names the tracker, is exit 2
  --json FILE           write the JSON report to FILE
  --report FILE         write the Markdown report (for reviewers) to FILE
  --config FILE         JSON config: { "callees", "trackingModules", "fieldNames", "exclude" }
                        (default: the "recon-codemod" key of package.json in the target directory, if any)
  --include GLOB        only files matching GLOB (repeatable; default ${DEFAULT_INCLUDE[0]})
  --exclude GLOB        skip files matching GLOB (repeatable; added to the config's exclude)
  --allow-dirty         with --write, also edit files that have uncommitted changes in git
  --force               with --write, also edit read-only files (refused by default, reported as errors)
  --no-verify           with --write, do not type-check the edits. By default --write type-checks each changed file
                        (against the nearest tsconfig.json, with the project's own typescript if installed) before
                        writing it, and takes back any call whose edit adds a tsc error (manual: edit-does-not-compile).
                        The dry run and --check without --write check syntax only
  --fields LIST         also add optional columns at call sites: openai_model, cached_input_tokens, service_tier
                        (comma-separated; they make reconcile's cost estimate exact; never by default)
  --todo                also insert a "// recon-codemod: <code>: <what to do>" comment above each manual call; the
                        lint rule and --check accept a call so marked (acknowledged), so the migration can merge and
                        be finished by hand
  --fix-suspect         also replace a value a call already passes that is wrong (reported suspect-value),
                        where the right value is certain (e.g. a transcription's \`.id\` by its \`._request_id\`)
  -q, --quiet           no diff, no progress; only the summary line and errors
  --no-color            no colours (also: NO_COLOR=1)
  -h, --help            show this help
  -v, --version         print the version

Exit codes:
  0  done (with --check: every call is complete or acknowledged)
  1  --check found calls that are neither complete nor acknowledged, or a file could not be processed (see the report)
  2  bad usage or a fatal error (nothing was written)
  When the output's reader stops early (recon-codemod | head), the rest of the output is dropped quietly and the
  run ends with the code it would have had.
`;

export interface CliIo {
  cwd: string;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Colours and a progress line are for people: only when the stream is a terminal. */
  stdoutIsTTY: boolean;
  stderrIsTTY: boolean;
  env: Record<string, string | undefined>;
}

/**
 * Writes to a process stream that stop, quietly, once its reader has gone (`recon-codemod . | head`): an `EPIPE` is
 * not a crash. The run itself goes on (reports, `--write`) and returns the exit code it would have returned.
 */
function closableWriter(stream: NodeJS.WriteStream): (text: string) => void {
  let closed = false;
  stream.on('error', (error: NodeJS.ErrnoException) => {
    // After the EPIPE, writes already queued fail with ERR_STREAM_DESTROYED: the same closed pipe.
    if (error.code === 'EPIPE' || closed) {
      closed = true;
      return;
    }
    throw error;
  });
  return (text) => {
    if (!closed) stream.write(text);
  };
}

function defaultIo(): CliIo {
  return {
    cwd: process.cwd(),
    stdout: closableWriter(process.stdout),
    stderr: closableWriter(process.stderr),
    stdoutIsTTY: !!process.stdout.isTTY,
    stderrIsTTY: !!process.stderr.isTTY,
    env: process.env,
  };
}

export async function main(argv: string[], io: CliIo = defaultIo()): Promise<number> {
  // `recon-codemod help` is a request for help, unless a path of that name is there to migrate.
  if (argv.length === 1 && argv[0] === 'help' && !existsSync(resolve(io.cwd, 'help'))) argv = ['--help'];
  // `report merge …`; `report` alone is a path to migrate when there is one of that name.
  if (argv[0] === 'report' && (argv[1] === 'merge' || !existsSync(resolve(io.cwd, 'report'))))
    return (await import('./report-merge-command.js')).runReportCommand(argv.slice(1), io);
  if (argv[0] === 'reconcile') {
    let command: typeof import('./reconcile/command.js');
    try {
      command = await importOptional(
        '@pydantic/genai-prices',
        'recon-codemod reconcile',
        () => import('./reconcile/command.js'),
      );
    } catch (error) {
      if (!(error instanceof MissingPackageError)) throw error;
      // The help needs none of reconcile's packages: print it, with the install hint.
      if (argv.slice(1).some((a) => a === '--help' || a === '-h') && !argv.includes('--gateway')) {
        io.stdout((await import('./reconcile/usage.js')).RECONCILE_USAGE);
        io.stderr(`${error.message}\n`);
        return EXIT.ok;
      }
      io.stderr(`${error.message}\n`);
      return EXIT.usage;
    }
    return command.runReconcileCommand(argv.slice(1), io);
  }
  if (argv[0] === 'sql') {
    return runSqlCommand(argv.slice(1), {
      cwd: io.cwd,
      now: new Date(),
      writeFile: (path, text) => {
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, text);
      },
      readDir: (path) => {
        try {
          return readdirSync(path);
        } catch {
          return undefined;
        }
      },
      readFile: (path) => {
        try {
          return readFileSync(path, 'utf8');
        } catch {
          return undefined;
        }
      },
      stdout: io.stdout,
      stderr: io.stderr,
    });
  }
  // Help and version alone need no analyser (the codemod's own parsing handles them among other options too).
  if (argv.length === 1 && (argv[0] === '--help' || argv[0] === '-h')) {
    io.stdout(USAGE);
    return EXIT.ok;
  }
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v')) {
    io.stdout(`${packageVersion()}\n`);
    return EXIT.ok;
  }
  try {
    // The analyser loads only for the codemod itself.
    return await (await import('./codemod-command.js')).runCodemod(argv, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`recon-codemod: ${error.message}\nRun recon-codemod --help for usage.\n`);
      return EXIT.usage;
    }
    throw error;
  }
}

/**
 * A report path that cannot be written (a directory, a read-only place) is a usage error found before anything is
 * written, not a crash after the edits: the nearest existing ancestor must be a writable directory.
 */
export function checkReportPath(flag: string, path: string): void {
  let probe = path;
  try {
    if (statSync(path).isDirectory()) throw new UsageError(`${flag} ${path} is a directory: give a file name`);
    accessSync(path, fsConstants.W_OK);
    return;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
      throw new UsageError(`${flag} ${path} cannot be written (${(error as NodeJS.ErrnoException).code})`);
  }
  while (!existsSync((probe = dirname(probe))));
  try {
    if (!statSync(probe).isDirectory()) throw new UsageError(`${flag} ${path}: ${probe} is not a directory`);
    accessSync(probe, fsConstants.W_OK);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`${flag} ${path} cannot be written: ${probe} is not writable`);
  }
}
