import { describe, expect, it } from 'vitest';
import { runSqlCommand, type SqlCommandIo } from '../../src/schema/sql-command.js';
import { createTableSql, migrationSql } from '../../src/schema/sql.js';

function run(argv: string[]) {
  const written: Record<string, string> = {};
  let stdout = '';
  let stderr = '';
  const io: SqlCommandIo = {
    cwd: '/app',
    now: new Date('2025-11-16T14:12:18.500Z'),
    writeFile: (path, text) => {
      written[path] = text;
    },
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
    const { code, stdout } = run(['--table', 'public.usage', '--view', 'usage_recon', '--cost-column', 'cost_estimate']);
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
    expect(run(['--create', '--out', '/tmp/x/new.sql']).written).toEqual({ '/tmp/x/new.sql': createTableSql() });
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
    [['--tabel', 'x'], /Unknown option '--tabel'/],
    [['extra'], /Unexpected argument 'extra'/],
    [['--table'], /--table/],
    [['--table', 'x; DROP TABLE y'], /invalid table name "x; DROP TABLE y"/],
    [['--view', 'A'], /invalid view name/],
    [['--out', ''], /--out needs a file or directory name/],
  ])('exits 2 on %j with a message', (argv, message) => {
    const { code, stdout, stderr, written } = run(argv);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^recon-codemod sql: /);
    expect(stderr).toMatch(message);
    expect(stderr).toContain('Usage: recon-codemod sql');
    expect(stdout).toBe('');
    expect(written).toEqual({});
  });
});
