import { dirname, join, relative, resolve, isAbsolute } from 'node:path';
import {
  createTableSql,
  migrationSql,
  COST_COLUMN_CANDIDATES,
  DEFAULT_COST_COLUMN,
  DEFAULT_TABLE,
  DEFAULT_VIEW,
} from './sql.js';
import { parseOptions } from '../args.js';

export interface SqlCommandIo {
  cwd: string;
  now: Date;
  /** Writes a whole file, creating its missing directories. */
  writeFile(path: string, text: string): void;
  /** The names in a directory, or undefined when there is no such directory. */
  readDir(path: string): string[] | undefined;
  /** A file's text, or undefined when there is no such file. */
  readFile(path: string): string | undefined;
  stdout(text: string): void;
  stderr(text: string): void;
}

export const SQL_USAGE = `Usage: recon-codemod sql [--table T] [--view V] [--cost-column C] [--create] [--out FILE|DIR]

Prints the SQL that adds the OpenAI reconciliation columns, a status trigger, checks, indexes and view to a
token-usage table. Safe to run twice; one transaction. It reads the table as it runs: checks and indexes an earlier
hand migration already made (by definition, whatever their names) are kept instead of added again, and NOTICEs say
what it found and assumed. The view is security_invoker; anon and authenticated (Supabase) get no rights on it.

Options:
  --table T         the token-usage table, optionally schema-qualified (default: ${DEFAULT_TABLE})
  --view V          the reconciliation view to create or replace (default: ${DEFAULT_VIEW})
  --cost-column C   the table's estimated-cost column, in cents, that the view compares with the billed cost
                    (default: the first of ${COST_COLUMN_CANDIDATES.join(', ')} the table has, else none;
                    with --create: ${DEFAULT_COST_COLUMN}, created)
  --create          print a complete CREATE TABLE for a new install instead of the migration
  --out FILE|DIR    write instead of printing: to FILE when it ends in .sql, else into the directory DIR
                    (e.g. supabase/migrations) as a timestamped Supabase migration file
  -h, --help        show this help
`;

/** `YYYYMMDDHHMMSS` in UTC, the prefix the Supabase CLI gives migration files. */
function migrationTimestamp(now: Date): string {
  return now.toISOString().replace(/\D/g, '').slice(0, 14);
}

/**
 * `recon-codemod sql`: prints the reconciliation migration (or, with `--create`, a complete CREATE TABLE).
 *
 * `--out` decides by the name alone, so the command needs no file-system access beyond `io.writeFile`: a path ending
 * in `.sql` is the file to write; any other path is a directory (e.g. `supabase/migrations`) that receives
 * `<YYYYMMDDHHMMSS>_add_openai_reconciliation_fields.sql` (with `--create`: `<YYYYMMDDHHMMSS>_create_<table>.sql`),
 * timestamped from `io.now` in UTC like `supabase migration new`. Relative paths resolve against `io.cwd`. If that
 * directory already holds a migration of the same kind from an earlier run, nothing is written: it is reported as up
 * to date when its SQL is the same, as a usage error when it differs.
 *
 * Returns the exit code: 0 done, 2 bad usage (the message names the problem).
 */
export function runSqlCommand(argv: string[], io: SqlCommandIo): number {
  let values;
  try {
    ({ values } = parseOptions({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        table: { type: 'string' },
        view: { type: 'string' },
        'cost-column': { type: 'string' },
        create: { type: 'boolean' },
        out: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    return usageError(io, (error as Error).message);
  }
  if (values.help) {
    io.stdout(SQL_USAGE);
    return 0;
  }
  if (values.out === '') return usageError(io, '--out needs a file or directory name');

  const options = { table: values.table, view: values.view, costColumn: values['cost-column'] };
  let sql: string;
  try {
    sql = values.create ? createTableSql(options) : migrationSql(options);
  } catch (error) {
    return usageError(io, (error as Error).message);
  }

  if (values.out === undefined) {
    io.stdout(sql);
    return 0;
  }
  const target = resolve(io.cwd, values.out);
  const table = (values.table ?? DEFAULT_TABLE).split('.').at(-1)!;
  const suffix = `_${values.create ? `create_${table}` : 'add_openai_reconciliation_fields'}.sql`;
  const toFile = target.endsWith('.sql');
  const dir = toFile ? dirname(target) : target;
  // Missing directories are created only inside the working directory: a typo must not grow a tree elsewhere.
  const inside = (path: string) => {
    const rel = relative(io.cwd, path);
    return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
  };
  if (io.readDir(dir) === undefined && !inside(dir)) {
    return usageError(io, `--out: ${dir} does not exist and is outside the current directory; create it first`);
  }
  if (!toFile) {
    // A second run finds the migration the first one wrote, instead of adding another with a new timestamp.
    const earlier = (io.readDir(dir) ?? []).filter((name) => /^\d{14}_/.test(name) && name.endsWith(suffix)).sort();
    if (earlier.length > 0) {
      const path = join(dir, earlier.at(-1)!);
      if (io.readFile(path) === sql) {
        io.stdout(`${path} already holds this migration; nothing written\n`);
        return 0;
      }
      return usageError(
        io,
        `${path} is an earlier recon-codemod migration with different SQL; review it, then remove it (if it was never applied) or write a new one with --out FILE.sql`,
      );
    }
  }
  const path = toFile ? target : join(target, `${migrationTimestamp(io.now)}${suffix}`);
  io.writeFile(path, sql);
  io.stdout(`Wrote ${path}\n`);
  return 0;
}

/** One line and a pointer to the help, as the other commands say it. */
function usageError(io: SqlCommandIo, message: string): number {
  io.stderr(`recon-codemod sql: ${message}\nRun recon-codemod sql --help for usage.\n`);
  return 2;
}
