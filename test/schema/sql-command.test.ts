import { describe, expect, it } from 'vitest';
import { runSqlCommand, type SqlCommandIo } from '../../src/schema/sql-command.js';
import { createTableSql, migrationSql } from '../../src/schema/sql.js';

/** Runs the command over an in-memory tree: `files` are there before it runs; `/app` (the cwd) always exists. */
function run(argv: string[], files: Record<string, string> = {}) {
  const written: Record<string, string> = {};
  const all = () => ({ ...files, ...written });
  const isDir = (dir: string) =>
    dir === '/app' || dir === '/' || Object.keys(all()).some((p) => p.startsWith(`${dir}/`));
  let stdout = '';
  let stderr = '';
  const io: SqlCommandIo = {
    cwd: '/app',
    now: new Date('2025-11-16T14:12:18.500Z'),
    writeFile: (path, text) => {
      written[path] = text;
    },
    readDir: (dir) =>
      isDir(dir)
        ? [
            ...new Set(
              Object.keys(all())
                .filter((p) => p.startsWith(`${dir}/`))
                .map((p) => p.slice(dir.length + 1).split('/')[0]),
            ),
          ]
        : undefined,
    readFile: (path) => all()[path],
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
  };
  const code = runSqlCommand(argv, io);
  return { code, stdout, stderr, written };
}

describe('recon-codemod sql', () => {
  it('prints the migration for token_usage by default', () => {
    expect(run([])).toEqual({ code: 0, stdout: migrationSql(), stderr: '', written: {} });
  });

  it('passes --table, --view and --cost-column through', () => {
    const { code, stdout } = run([
      '--table',
      'public.usage',
      '--view',
      'usage_recon',
      '--cost-column',
      'cost_estimate',
    ]);
    expect(code).toBe(0);
    expect(stdout).toBe(migrationSql({ table: 'public.usage', view: 'usage_recon', costColumn: 'cost_estimate' }));
  });

  it('prints a CREATE TABLE with --create', () => {
    expect(run(['--create', '--table', 'usage']).stdout).toBe(createTableSql({ table: 'usage' }));
  });

  it('writes a timestamped Supabase migration into a directory given to --out', () => {
    const { code, stdout, written } = run(['--out', 'supabase/migrations']);
    const path = '/app/supabase/migrations/20251116141218_add_openai_reconciliation_fields.sql';
    expect(code).toBe(0);
    expect(written).toEqual({ [path]: migrationSql() });
    expect(stdout).toBe(`Wrote ${path}\n`);
  });

  it('writes to a .sql file given to --out as is', () => {
    expect(run(['--create', '--out', 'db/new.sql']).written).toEqual({ '/app/db/new.sql': createTableSql() });
    expect(run(['--create', '--out', '/srv/x/new.sql'], { '/srv/x/old.sql': '' }).written).toEqual({
      '/srv/x/new.sql': createTableSql(),
    });
  });

  it('creates no directory outside the working directory', () => {
    const { code, stderr, written } = run(['--out', '/srv/typo/migrations']);
    expect(code).toBe(2);
    expect(stderr).toBe(
      'recon-codemod sql: --out: /srv/typo/migrations does not exist and is outside the current directory; create it first\nRun recon-codemod sql --help for usage.\n',
    );
    expect(written).toEqual({});
  });

  it('a second run finds the migration the first wrote, and writes no second one', () => {
    const first = run(['--out', 'supabase/migrations']);
    const again = run(['--out', 'supabase/migrations'], first.written);
    expect(again.code).toBe(0);
    expect(again.written).toEqual({});
    expect(again.stdout).toBe(
      '/app/supabase/migrations/20251116141218_add_openai_reconciliation_fields.sql already holds this migration; nothing written\n',
    );
    // Different SQL (another table) under the same kind of name: refused, naming the file; nothing written.
    const changed = run(['--out', 'supabase/migrations', '--table', 'usage'], first.written);
    expect(changed.code).toBe(2);
    expect(changed.stderr).toMatch(
      /20251116141218_add_openai_reconciliation_fields\.sql is an earlier recon-codemod migration with different SQL/,
    );
    expect(changed.written).toEqual({});
  });

  it('names a --create migration after the table', () => {
    expect(Object.keys(run(['--create', '--table', 'app.usage', '--out', 'db']).written)).toEqual([
      '/app/db/20251116141218_create_usage.sql',
    ]);
  });

  it('prints help on -h', () => {
    const { code, stdout } = run(['-h']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage: recon-codemod sql/);
  });

  it.each([
    // The codemod's own wording: no parseArgs text with its unbalanced quotes.
    [['--tabel', 'x'], /: unknown option --tabel \(did you mean --table\?\)\n/],
    [['extra'], /: unexpected argument extra \(this command takes options only\)\n/],
    [['--table'], /: --table needs a value\n/],
    [['--table', 'x; DROP TABLE y'], /invalid table name "x; DROP TABLE y"/],
    [['--view', 'A'], /invalid view name/],
    [['--out', ''], /--out needs a file or directory name/],
  ])('exits 2 on %j with a message', (argv, message) => {
    const { code, stdout, stderr, written } = run(argv);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^recon-codemod sql: /);
    expect(stderr).toMatch(message);
    // One line and where to find the help, as the other commands do: not the whole help.
    expect(stderr).toMatch(/\nRun recon-codemod sql --help for usage\.\n$/);
    expect(stderr.split('\n')).toHaveLength(3);
    expect(stdout).toBe('');
    expect(written).toEqual({});
  });
});
