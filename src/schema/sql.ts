import { RECONCILIATION_COLUMNS, RECONCILIATION_STATUSES } from './fields.js';

/**
 * SQL for the reconciliation columns, built from RECONCILIATION_COLUMNS (names, SQL types, comments) and
 * RECONCILIATION_STATUSES. Pure: every function returns text; nothing here touches a database.
 *
 * The migration reads the table as it runs (DO blocks over pg_catalog), so one text applies to any table with a
 * `created_at` column: the view shows the usual columns the table has (`id`, `created_at`, `user_id`, `action_type`,
 * `model_used`), compares `actual_cost_cents` with the table's estimated cost in cents (the column given to
 * `--cost-column`, else the first of COST_COLUMN_CANDIDATES the table has, else none), keeps one of each check and
 * index where an earlier hand migration made an equivalent one, and says what it found in NOTICEs.
 */

export interface ReconciliationSqlOptions {
  /** The token-usage table, optionally schema-qualified (`public.token_usage`). */
  table?: string;
  /** The reconciliation view to create or replace, optionally schema-qualified. */
  view?: string;
  /**
   * The table's column holding the app's own cost estimate, in cents. Default: the migration takes the first of
   * COST_COLUMN_CANDIDATES the table has, as it runs (none: the view shows no estimate); `createTableSql` creates
   * DEFAULT_COST_COLUMN.
   */
  costColumn?: string;
}

export const DEFAULT_TABLE = 'token_usage';
export const DEFAULT_VIEW = 'token_usage_reconciliation';
export const DEFAULT_COST_COLUMN = 'estimated_cost_cents';

// Postgres truncates longer identifiers silently, which would make the pg_constraint guards miss their own
// constraints on a second run; so a name that would be truncated is refused instead.
const MAX_IDENTIFIER_LENGTH = 63;
// Lower-case unquoted identifiers only: anything else either folds case (and then no longer matches the guards'
// string literals) or needs quoting, which is where injection starts. No `$` either: the guards are dollar-quoted.
const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

/**
 * A catalog query, parameters (table, column): one row when the table has a unique index with no predicate on that
 * column alone (INCLUDE columns aside). Then `ON CONFLICT (column)` works and the column holds no repeated value.
 */
export const UNIQUE_COLUMN_INDEX_SQL = `SELECT 1 FROM pg_index i
  JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
  WHERE i.indrelid = to_regclass($1) AND i.indisunique AND i.indnkeyatts = 1 AND i.indpred IS NULL AND a.attname = $2`;

/** Throws an Error naming `what` unless `name` is a plain lower-case identifier (optionally `schema.name`). */
export function assertSqlIdentifier(name: string, what: string, { qualified = false } = {}): void {
  const parts = qualified ? name.split('.') : [name];
  const valid =
    parts.length <= 2 && parts.every((part) => IDENTIFIER.test(part) && part.length <= MAX_IDENTIFIER_LENGTH);
  if (!valid) {
    const shape = qualified ? 'a lower-case identifier or schema.identifier' : 'a lower-case identifier';
    throw new Error(
      `invalid ${what} "${name}": expected ${shape} (letters, digits, _; at most ${MAX_IDENTIFIER_LENGTH} characters)`,
    );
  }
}

/**
 * The table's estimated-cost columns in cents the migration looks for, in order, when `--cost-column` is not given
 * (`estimated_cost_cents` as in `--create`, `calculated_cost_cents` as in the seed's table). A cost column in another
 * unit (`cost_estimate NUMERIC(10,4)`, dollars) is never assumed: the view then shows no estimate.
 */
export const COST_COLUMN_CANDIDATES = [DEFAULT_COST_COLUMN, 'calculated_cost_cents'] as const;

/** The usual token-usage columns the view shows, those of them the table has. */
const VIEW_BASE_COLUMNS = ['id', 'created_at', 'user_id', 'action_type', 'model_used'] as const;

/** Supabase's API roles: a view they may read is an API. Absent on plain Postgres, where nothing is done for them. */
const API_ROLES = ['anon', 'authenticated'] as const;

/** The identifiers one migration uses, validated once. */
interface SqlNames {
  table: string;
  view: string;
  /** Undefined: the migration picks the first of COST_COLUMN_CANDIDATES the table has, as it runs. */
  costColumn: string | undefined;
  statusConstraint: string;
  costConsistencyConstraint: string;
  /** The trigger (and its function) that sets the status of rows inserted without one. */
  statusTrigger: string;
  statusFunction: string;
  indexes: { requestId: string; pending: string; requestIdCreatedAt: string; discrepancy: string };
  /** The tracker's unique key: not one of the partial indexes above, which may be served by a hand-made index. */
  idempotencyIndex: string;
  /** A gateway's generation by its id (reconcile --gateway looks each one up, and writes back by it). */
  gatewayIndex: string;
}

function sqlNames({ table = DEFAULT_TABLE, view = DEFAULT_VIEW, costColumn }: ReconciliationSqlOptions): SqlNames {
  assertSqlIdentifier(table, 'table name', { qualified: true });
  assertSqlIdentifier(view, 'view name', { qualified: true });
  if (costColumn !== undefined) assertSqlIdentifier(costColumn, 'cost column name');
  // Constraints and indexes are named after the bare table name; an index lives in its table's schema, and so does
  // the trigger function.
  const parts = table.split('.');
  const base = parts.at(-1)!;
  const schemaPrefix = parts.length === 2 ? `${parts[0]}.` : '';
  const names: SqlNames = {
    table,
    view,
    costColumn,
    statusConstraint: `${base}_reconciliation_status_valid`,
    costConsistencyConstraint: `${base}_reconciliation_cost_consistent`,
    statusTrigger: `${base}_reconciliation_status_default`,
    statusFunction: `${schemaPrefix}${base}_reconciliation_status_default`,
    indexes: {
      requestId: `idx_${base}_openai_request_id`,
      pending: `idx_${base}_reconciliation_pending`,
      requestIdCreatedAt: `idx_${base}_request_id_created_at`,
      discrepancy: `idx_${base}_reconciliation_discrepancy`,
    },
    idempotencyIndex: `idx_${base}_idempotency_key`,
    gatewayIndex: `idx_${base}_gateway_generation_id`,
  };
  const derived = [
    names.statusConstraint,
    names.costConsistencyConstraint,
    names.statusTrigger,
    names.idempotencyIndex,
    names.gatewayIndex,
    ...Object.values(names.indexes),
  ];
  for (const name of derived) {
    if (name.length > MAX_IDENTIFIER_LENGTH) {
      throw new Error(
        `table name "${table}" is too long: the derived name "${name}" exceeds ${MAX_IDENTIFIER_LENGTH} characters`,
      );
    }
  }
  return names;
}

const quoteLiteral = (text: string): string => `'${text.replaceAll("'", "''")}'`;
const textArray = (items: readonly string[]): string => `ARRAY[${items.map(quoteLiteral).join(', ')}]::text[]`;

const statusList = (): string => RECONCILIATION_STATUSES.map(quoteLiteral).join(', ');

/**
 * The status rule, in the forms a hand migration writes it (a CHECK passes on NULL either way, so both are the same
 * rule); the first is the one created.
 */
const statusCheckVariants = (): string[] => [
  `reconciliation_status IN (${statusList()})`,
  `reconciliation_status IS NULL OR reconciliation_status IN (${statusList()})`,
];

// The reconciliation job writes both at once; one without the other is a half-finished write.
const costConsistencyCheck = (): string => '(reconciled_at IS NULL) = (actual_cost_cents IS NULL)';

/**
 * Statements for a DO block: sets `canon` to how this server writes `expr` (a boolean expression over the table's
 * columns), by adding it as a NOT VALID check (no scan) and reading it back. Comparing that text with existing checks
 * and index predicates (pg_get_expr) recognises an object by its definition, whatever its name or spelling.
 */
const canonicalExprSql = (exprVar: string): string[] => [
  `    EXECUTE format('ALTER TABLE %s ADD CONSTRAINT recon_codemod_probe CHECK (%s) NOT VALID', tbl, ${exprVar});`,
  "    SELECT pg_get_expr(conbin, conrelid) INTO canon FROM pg_constraint WHERE conrelid = tbl AND conname = 'recon_codemod_probe';",
  "    EXECUTE format('ALTER TABLE %s DROP CONSTRAINT recon_codemod_probe', tbl);",
];

/** A DO block over the table `table` with `declare` variables and `body` statements. */
function doBlock(table: string, declare: string[], body: string[]): string {
  return [
    'DO $recon$',
    'DECLARE',
    `  tbl regclass := ${quoteLiteral(table)}::regclass;`,
    ...declare.map((line) => `  ${line}`),
    'BEGIN',
    ...body,
    'END',
    '$recon$;',
  ].join('\n');
}

/**
 * Before anything changes: the table has `created_at` (the indexes need it), the cost column given exists, and no
 * check already on the table rejects one of the statuses (the backfill would fail on it, less clearly).
 */
function preflightSql({ table, costColumn }: SqlNames): string {
  return doBlock(
    table,
    ['con record;', 'status text;', 'accepted boolean;'],
    [
      "  IF NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = tbl AND attname = 'created_at' AND attnum > 0 AND NOT attisdropped) THEN",
      `    RAISE EXCEPTION 'recon-codemod: % has no created_at column; the reconciliation indexes and reconcile need one', tbl;`,
      '  END IF;',
      ...(costColumn === undefined
        ? []
        : [
            `  IF NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = tbl AND attname = ${quoteLiteral(costColumn)} AND attnum > 0 AND NOT attisdropped) THEN`,
            `    RAISE EXCEPTION 'recon-codemod: the cost column ${costColumn} (--cost-column) is not a column of %', tbl;`,
            '  END IF;',
          ]),
      '  FOR con IN',
      '    SELECT c.conname, pg_get_expr(c.conbin, c.conrelid) AS expr FROM pg_constraint c',
      "    JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attname = 'reconciliation_status'",
      "    WHERE c.conrelid = tbl AND c.contype = 'c' AND c.conkey = ARRAY[a.attnum]",
      '  LOOP',
      `    FOREACH status IN ARRAY ${textArray(RECONCILIATION_STATUSES)} LOOP`,
      "      EXECUTE format('SELECT (%s) IS NOT FALSE FROM (SELECT $1::text AS reconciliation_status) AS t', con.expr) INTO accepted USING status;",
      '      IF NOT accepted THEN',
      "        RAISE EXCEPTION 'recon-codemod: check % on % rejects reconciliation_status = %, one of the statuses reconcile writes (%); widen or drop it first', con.conname, tbl, status, con.expr;",
      '      END IF;',
      '    END LOOP;',
      '  END LOOP;',
    ],
  );
}

/**
 * The status of rows the app (or a database function) inserts itself: `pending` with a request id (OpenAI's, or a
 * gateway's generation id), `not_applicable` without, set by a trigger because no column default can depend on another column. A `pending` without a request
 * id (what a `DEFAULT 'pending'` gives) can never be matched, so it becomes `not_applicable`; a row that later gets
 * its request id goes from `not_applicable` to `pending`. Any other explicit status is kept (the trigger's WHEN skips
 * the function for it: reconcile writes a million of them at a time). A default on the column
 * (an earlier hand migration's `DEFAULT 'pending'`) is dropped: the trigger decides.
 */
function statusTriggerSql({ table, statusFunction, statusTrigger }: SqlNames): string {
  const revokeFrom = ['PUBLIC', ...API_ROLES];
  return [
    `CREATE OR REPLACE FUNCTION ${statusFunction}() RETURNS trigger LANGUAGE plpgsql SET search_path = '' AS $recon$`,
    'BEGIN',
    '  IF NEW.openai_request_id IS NULL AND NEW.gateway_generation_id IS NULL THEN',
    "    IF NEW.reconciliation_status IS NULL OR NEW.reconciliation_status = 'pending' THEN",
    "      NEW.reconciliation_status := 'not_applicable';",
    '    END IF;',
    '  ELSIF NEW.reconciliation_status IS NULL',
    "     OR (TG_OP = 'UPDATE' AND OLD.openai_request_id IS NULL AND OLD.gateway_generation_id IS NULL AND NEW.reconciliation_status = 'not_applicable') THEN",
    "    NEW.reconciliation_status := 'pending';",
    '  END IF;',
    '  RETURN NEW;',
    'END',
    '$recon$;',
    '-- A trigger function is no API: nobody needs EXECUTE on it for the trigger to fire.',
    doBlock(
      table,
      ['role text;'],
      [
        `  FOREACH role IN ARRAY ${textArray(revokeFrom)} LOOP`,
        "    IF role = 'PUBLIC' OR EXISTS (SELECT 1 FROM pg_roles WHERE rolname = role) THEN",
        `      EXECUTE format('REVOKE ALL ON FUNCTION ${statusFunction}() FROM %s', role);`,
        '    END IF;',
        '  END LOOP;',
        '  -- Only for the statuses the function may change (an earlier run made the trigger without WHEN: made again), so',
        "  -- reconcile's writes of matched and discrepancy call no function.",
        `  IF EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = tbl AND tgname = ${quoteLiteral(statusTrigger)} AND tgqual IS NULL) THEN`,
        `    DROP TRIGGER ${statusTrigger} ON ${table};`,
        '  END IF;',
        `  IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = tbl AND tgname = ${quoteLiteral(statusTrigger)}) THEN`,
        `    CREATE TRIGGER ${statusTrigger} BEFORE INSERT OR UPDATE OF openai_request_id, gateway_generation_id, reconciliation_status ON ${table}`,
        "      FOR EACH ROW WHEN (NEW.reconciliation_status IS NULL OR NEW.reconciliation_status IN ('pending', 'not_applicable'))",
        `      EXECUTE FUNCTION ${statusFunction}();`,
        '  END IF;',
        "  IF EXISTS (SELECT 1 FROM pg_attrdef d JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum WHERE d.adrelid = tbl AND a.attname = 'reconciliation_status') THEN",
        `    RAISE NOTICE 'recon-codemod: dropped the default of %.reconciliation_status (%): the trigger ${statusTrigger} sets pending with a request id, not_applicable without',`,
        "      tbl, (SELECT pg_get_expr(d.adbin, d.adrelid) FROM pg_attrdef d JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum WHERE d.adrelid = tbl AND a.attname = 'reconciliation_status');",
        `    ALTER TABLE ${table} ALTER COLUMN reconciliation_status DROP DEFAULT;`,
        '  END IF;',
      ],
    ),
  ].join('\n');
}

/**
 * Each check, unless the table already has one with the same definition (any name; pg_get_expr text, as this server
 * writes it): then that one is kept, and ours is dropped if an earlier run added it beside it. NOTICEs say which.
 */
function checksSql({ table, statusConstraint, costConsistencyConstraint }: SqlNames): string {
  const specs = [
    { name: statusConstraint, columns: ['reconciliation_status'], variants: statusCheckVariants() },
    {
      name: costConsistencyConstraint,
      columns: ['actual_cost_cents', 'reconciled_at'],
      variants: [costConsistencyCheck()],
    },
  ];
  const values = specs
    .map((spec) => `(${quoteLiteral(spec.name)}, ${textArray(spec.columns)}, ${textArray(spec.variants)})`)
    .join(',\n      ');
  return doBlock(
    table,
    ['spec record;', 'variant text;', 'canon text;', 'canons text[];', 'other name;'],
    [
      '  FOR spec IN SELECT * FROM (VALUES',
      `      ${values}`,
      '    ) AS s(name, cols, variants)',
      '  LOOP',
      '    other := NULL;',
      '    -- Only a check on the same columns can be the same rule; only then is its definition compared.',
      "    IF EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conrelid = tbl AND c.contype = 'c' AND c.conname <> spec.name",
      '        AND ARRAY(SELECT a.attname::text FROM pg_attribute a WHERE a.attrelid = tbl AND a.attnum = ANY (c.conkey) ORDER BY 1) = spec.cols) THEN',
      '      canons := ARRAY[]::text[];',
      '      FOREACH variant IN ARRAY spec.variants LOOP',
      ...canonicalExprSql('variant').map((line) => `    ${line}`),
      '        canons := canons || canon;',
      '      END LOOP;',
      '      SELECT conname INTO other FROM pg_constraint',
      "        WHERE conrelid = tbl AND contype = 'c' AND conname <> spec.name AND pg_get_expr(conbin, conrelid) = ANY (canons)",
      '        ORDER BY convalidated DESC, conname LIMIT 1;',
      '    END IF;',
      '    IF other IS NULL THEN',
      '      IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = tbl AND conname = spec.name) THEN',
      "        EXECUTE format('ALTER TABLE %s ADD CONSTRAINT %I CHECK (%s)', tbl, spec.name, spec.variants[1]);",
      '      END IF;',
      '    ELSIF EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = tbl AND conname = spec.name) THEN',
      "      EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', tbl, spec.name);",
      "      RAISE NOTICE 'recon-codemod: found check % on %, the same rule as %: kept it, dropped % (added beside it by an earlier run)', other, tbl, spec.name, spec.name;",
      '    ELSE',
      "      RAISE NOTICE 'recon-codemod: found check % on %, the same rule as %: kept it, added none', other, tbl, spec.name;",
      '    END IF;',
      '  END LOOP;',
    ],
  );
}

interface IndexSpec {
  name: string;
  /** Why the index is there (a comment in the SQL). */
  purpose: string;
  /** The key column. */
  column: string;
  predicate: string;
  /** Leading key columns another index may have before `column` and still serve: the predicate fixes their value. */
  fixed: string[];
  /** Whether an index on `column` without a predicate serves too (true where the predicate only drops NULL keys). */
  fullServes: boolean;
}

function indexSpecs({ indexes }: SqlNames): IndexSpec[] {
  return [
    {
      name: indexes.requestId,
      purpose:
        "Look up a row by its request id (OpenAI's usage and billing data carry none: this is for the app's own look-ups and logs).",
      column: 'openai_request_id',
      predicate: 'openai_request_id IS NOT NULL',
      fixed: [],
      fullServes: true,
    },
    {
      name: indexes.pending,
      purpose: "The reconciliation job's work queue.",
      column: 'created_at',
      predicate: "reconciliation_status = 'pending'",
      fixed: ['reconciliation_status'],
      fullServes: false,
    },
    {
      name: indexes.requestIdCreatedAt,
      purpose: 'Date ranges of matchable rows (a billing period, a usage bucket).',
      column: 'created_at',
      predicate: 'openai_request_id IS NOT NULL',
      fixed: [],
      fullServes: false,
    },
    {
      name: indexes.discrepancy,
      purpose: 'Rows whose billed cost differs from the estimate, for review.',
      column: 'created_at',
      predicate: "reconciliation_status = 'discrepancy'",
      fixed: ['reconciliation_status'],
      fullServes: false,
    },
  ];
}

/**
 * The partial indexes, each unless another btree index on the table already serves the same queries: the same key
 * column (after leading columns the predicate fixes) and the same predicate (by definition), or none where that
 * serves too. Then that index is kept, and ours dropped if an earlier run added it beside it. NOTICEs say which.
 */
function indexesSql(names: SqlNames): string {
  const specs = indexSpecs(names);
  const values = specs
    .map(
      (s) =>
        `(${quoteLiteral(s.name)}, ${quoteLiteral(s.column)}, ${quoteLiteral(s.predicate)}, ${textArray(s.fixed)}, ${s.fullServes})`,
    )
    .join(',\n      ');
  return [
    ...specs.map((s) => `-- ${s.name} (${s.column}) WHERE ${s.predicate}: ${s.purpose}`),
    doBlock(
      names.table,
      [
        'spec record;',
        'idx record;',
        'canon text;',
        'keys text[];',
        'serving regclass;',
        'ours regclass;',
        'others boolean;',
      ],
      [
        '  -- Whether any index but ours has one of our key columns (if none, as on a new table, nothing is compared).',
        '  others := EXISTS (SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid',
        `    WHERE i.indrelid = tbl AND c.relname <> ALL (${textArray(specs.map((s) => s.name))})`,
        `      AND i.indkey::int2[] && ARRAY(SELECT attnum FROM pg_attribute WHERE attrelid = tbl AND attname = ANY (${textArray([...new Set(specs.map((s) => s.column))])})));`,
        '  FOR spec IN SELECT * FROM (VALUES',
        `      ${values}`,
        '    ) AS s(name, col, pred, fixed, full_serves)',
        '  LOOP',
        '    canon := NULL;',
        '    serving := NULL;',
        '    FOR idx IN',
        '      SELECT i.indexrelid::regclass AS oid, pg_get_expr(i.indpred, i.indrelid) AS pred,',
        '        ARRAY(SELECT a.attname::text FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, n)',
        '              JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum',
        '              WHERE k.n <= i.indnkeyatts ORDER BY k.n) AS cols',
        '      FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am am ON am.oid = c.relam',
        "      WHERE others AND i.indrelid = tbl AND am.amname = 'btree' AND i.indexprs IS NULL AND i.indisvalid AND c.relname <> spec.name",
        '      ORDER BY c.relname',
        '    LOOP',
        '      keys := idx.cols;',
        '      WHILE cardinality(keys) > 1 AND keys[1] = ANY (spec.fixed) LOOP keys := keys[2:]; END LOOP;',
        '      IF keys[1] = spec.col AND idx.pred IS NOT NULL AND canon IS NULL THEN',
        '        -- Only now, for an index on the same key, is the predicate written as this server writes it.',
        ...canonicalExprSql('spec.pred').map((line) => `    ${line}`),
        '      END IF;',
        '      IF keys[1] = spec.col AND (idx.pred = canon OR (idx.pred IS NULL AND spec.full_serves)) THEN',
        '        serving := idx.oid;',
        '        EXIT;',
        '      END IF;',
        '    END LOOP;',
        '    IF serving IS NULL THEN',
        "      EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %s (%I) WHERE %s', spec.name, tbl, spec.col, spec.pred);",
        '      CONTINUE;',
        '    END IF;',
        "    ours := to_regclass(format('%I.%I', (SELECT n.nspname FROM pg_class r JOIN pg_namespace n ON n.oid = r.relnamespace WHERE r.oid = tbl), spec.name));",
        '    IF ours IS NOT NULL THEN',
        "      EXECUTE format('DROP INDEX %s', ours);",
        "      RAISE NOTICE 'recon-codemod: found index % on %, which serves the queries of %: kept it, dropped % (added beside it by an earlier run)', serving, tbl, spec.name, spec.name;",
        '    ELSE',
        "      RAISE NOTICE 'recon-codemod: found index % on %, which serves the queries of %: kept it, added none', serving, tbl, spec.name;",
        '    END IF;',
        '  END LOOP;',
      ],
    ),
  ].join('\n');
}

function commentsSql(table: string): string {
  return RECONCILIATION_COLUMNS.map(
    (column) => `COMMENT ON COLUMN ${table}.${column.name} IS ${quoteLiteral(column.description)};`,
  ).join('\n');
}

/**
 * The reconciliation view, built from the columns the table has, and its privileges.
 *
 * On Supabase a view is an API, and default privileges give `anon` and `authenticated` ALL on it; a view without
 * `security_invoker` reads the table with its owner's rights, past row-level security. So the view is created with
 * `security_invoker = true` (Postgres 15+; older servers get a WARNING) and everything `anon` and `authenticated` hold
 * on it is revoked: it is for the reconciliation job and the back office (the table owner, `service_role`). To show
 * signed-in users their own rows, `GRANT SELECT` on it to `authenticated`: the table's RLS policies then apply.
 */
function viewSql({ table, view, costColumn }: SqlNames): string {
  const costLookup =
    costColumn === undefined
      ? [
          '  SELECT c.name INTO cost FROM unnest(' +
            textArray(COST_COLUMN_CANDIDATES) +
            ') WITH ORDINALITY AS c(name, n)',
          '    JOIN pg_attribute a ON a.attrelid = tbl AND a.attname = c.name AND a.attnum > 0 AND NOT a.attisdropped ORDER BY c.n LIMIT 1;',
          '  IF cost IS NULL THEN',
          `    RAISE NOTICE 'recon-codemod: % has none of the estimated-cost columns in cents looked for (${COST_COLUMN_CANDIDATES.join(', ')}); the view ${view} shows estimated_cost_cents and cost_difference_cents as NULL. Name yours with --cost-column', tbl;`,
          '  ELSE',
          `    RAISE NOTICE 'recon-codemod: the view ${view} compares actual_cost_cents with %.%, taken to be the estimated cost in cents (else give --cost-column)', tbl, cost;`,
          '  END IF;',
        ]
      : [`  cost := ${quoteLiteral(costColumn)};`];
  const reconciliationColumns = [
    't.openai_request_id',
    't.openai_created',
    't.system_fingerprint',
    't.reconciliation_status',
  ];
  return doBlock(
    table,
    [
      'cost name;',
      'cols text[] := ARRAY[]::text[];',
      'col text;',
      'missing text[] := ARRAY[]::text[];',
      'role text;',
      'revoked text[] := ARRAY[]::text[];',
      'exposed text;',
      'other record;',
      'secured boolean;',
      "invoker boolean := current_setting('server_version_num')::int >= 150000;",
    ],
    [
      ...costLookup,
      '  IF NOT (SELECT relrowsecurity FROM pg_class WHERE oid = tbl) THEN',
      `    SELECT string_agg(r, ', ') INTO exposed FROM unnest(${textArray(API_ROLES)}) AS r`,
      "      WHERE CASE WHEN EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN has_table_privilege(r, tbl, 'SELECT, INSERT, UPDATE, DELETE') ELSE false END;",
      '    IF exposed IS NOT NULL THEN',
      "      RAISE WARNING 'recon-codemod: row-level security is disabled on %, and % may read or write it directly: every user''s rows, with their request ids. Enable it (ALTER TABLE % ENABLE ROW LEVEL SECURITY) and add policies', tbl, exposed, tbl;",
      '    ELSE',
      "      RAISE NOTICE 'recon-codemod: row-level security is disabled on %: whoever may read it sees every row', tbl;",
      '    END IF;',
      '  ELSE',
      '    -- Other views over the table that bypass its RLS and that the API roles may read (e.g. a token_usage_with_costs).',
      '    FOR other IN',
      '      SELECT DISTINCT v.oid::regclass AS name FROM pg_depend d JOIN pg_rewrite r ON r.oid = d.objid JOIN pg_class v ON v.oid = r.ev_class',
      "      WHERE d.classid = 'pg_rewrite'::regclass AND d.refclassid = 'pg_class'::regclass AND d.refobjid = tbl AND v.relkind = 'v'",
      `        AND v.oid IS DISTINCT FROM to_regclass(${quoteLiteral(view)})::oid`,
      "        AND NOT EXISTS (SELECT 1 FROM unnest(v.reloptions) AS o WHERE o ~* '^security_invoker=(true|on|yes|1)$')",
      '    LOOP',
      `      SELECT string_agg(r, ', ') INTO exposed FROM unnest(${textArray(API_ROLES)}) AS r`,
      "        WHERE CASE WHEN EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN has_table_privilege(r, other.name, 'SELECT') ELSE false END;",
      '      IF exposed IS NOT NULL THEN',
      "        RAISE WARNING 'recon-codemod: the view % reads % with its owner''s rights, past row-level security, and % may select from it: every user''s rows. ALTER VIEW % SET (security_invoker = true), or revoke it from them', other.name, tbl, exposed, other.name;",
      '      END IF;',
      '    END LOOP;',
      '  END IF;',
      `  FOREACH col IN ARRAY ${textArray(VIEW_BASE_COLUMNS)} LOOP`,
      '    IF EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = tbl AND attname = col AND attnum > 0 AND NOT attisdropped) THEN',
      "      cols := cols || format('t.%I', col);",
      '    ELSE',
      '      missing := missing || col;',
      '    END IF;',
      '  END LOOP;',
      '  IF cardinality(missing) > 0 THEN',
      `    RAISE NOTICE 'recon-codemod: % has no %; the view ${view} goes without', tbl, array_to_string(missing, ', ');`,
      '  END IF;',
      `  cols := cols || ${textArray(reconciliationColumns)};`,
      '  IF cost IS NULL THEN',
      "    cols := cols || ARRAY['NULL::numeric AS estimated_cost_cents', 't.actual_cost_cents', 'NULL::numeric AS cost_difference_cents'];",
      '  ELSE',
      "    cols := cols || ARRAY[format('t.%I AS estimated_cost_cents', cost), 't.actual_cost_cents', format('t.actual_cost_cents - t.%I AS cost_difference_cents', cost)];",
      '  END IF;',
      "  cols := cols || 't.reconciled_at'::text;",
      "  -- Grants on a view this migration already made safe are the team's decisions since: kept.",
      `  secured := EXISTS (SELECT 1 FROM pg_class WHERE oid = to_regclass(${quoteLiteral(view)}) AND reloptions @> ARRAY['security_invoker=true']);`,
      `  EXECUTE format('CREATE OR REPLACE VIEW ${view} %s AS SELECT %s FROM %s AS t',`,
      "    CASE WHEN invoker THEN 'WITH (security_invoker = true)' ELSE '' END, array_to_string(cols, ', '), tbl);",
      '  IF NOT invoker THEN',
      `    RAISE WARNING 'recon-codemod: this server is older than PostgreSQL 15 and has no security_invoker: ${view} reads % with its owner''s rights, past row-level security. Grant it to no role that must not see every row', tbl;`,
      '  END IF;',
      `  FOREACH role IN ARRAY ${textArray(API_ROLES)} LOOP`,
      '    IF NOT secured AND EXISTS (SELECT 1 FROM pg_roles WHERE rolname = role) THEN',
      `      IF has_table_privilege(role, ${quoteLiteral(view)}, 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER') THEN revoked := revoked || role; END IF;`,
      `      EXECUTE format('REVOKE ALL ON ${view} FROM %I', role);`,
      '    END IF;',
      '  END LOOP;',
      '  IF cardinality(revoked) > 0 THEN',
      `    RAISE NOTICE 'recon-codemod: revoked what % held on ${view} (default privileges): it is for the reconciliation job and the back office%', array_to_string(revoked, ', '),`,
      `      CASE WHEN invoker THEN format('; GRANT SELECT ON ${view} TO authenticated shows signed-in users the rows the RLS policies of %s let them see', tbl) ELSE '' END;`,
      '  END IF;',
    ],
  );
}

/** The trigger, checks, indexes, comments and view: the part both the migration and the fresh install share. */
function reconciliationObjectsSql(names: SqlNames): string {
  return [
    '-- The status of rows inserted after this migration (by the tracker, the app or a database function).',
    statusTriggerSql(names),
    '',
    '-- Checks, each unless an equivalent one is there (guarded: Postgres has no ADD CONSTRAINT IF NOT EXISTS).',
    checksSql(names),
    '',
    indexesSql(names),
    '-- One row per tracking call: the tracker inserts ON CONFLICT (idempotency_key) DO NOTHING, so a retry stores nothing.',
    `CREATE UNIQUE INDEX IF NOT EXISTS ${names.idempotencyIndex} ON ${names.table} (idempotency_key);`,
    "-- A gateway's generation by its id (reconcile --gateway looks each one up, and writes back by it).",
    `CREATE INDEX IF NOT EXISTS ${names.gatewayIndex} ON ${names.table} (llm_gateway, gateway_generation_id) WHERE gateway_generation_id IS NOT NULL;`,
    '',
    commentsSql(names.table),
    '',
    '-- One row per tracked call with what reconciliation needs: request id, status, estimated vs actual cost.',
    `-- Its columns: those of ${VIEW_BASE_COLUMNS.join(', ')} the table has, the reconciliation columns, and the estimated cost`,
    names.costColumn === undefined
      ? `-- from the first of ${COST_COLUMN_CANDIDATES.join(', ')} the table has (in cents; none if it has neither: NULL).`
      : `-- from ${names.costColumn} (in cents).`,
    '-- security_invoker: it reads the table with the rights (and under the RLS policies) of whoever queries it.',
    '-- anon and authenticated (Supabase) get nothing on it. A NOTICE or WARNING says when the table has RLS disabled.',
    viewSql(names),
  ].join('\n');
}

/**
 * The migration for an existing token-usage table: the reconciliation columns, a trigger for the status of new
 * rows, checks, partial indexes, column comments, the reconciliation view and a backfill of the status of existing
 * rows, in one transaction. Converges with an earlier hand migration (equivalent checks and indexes are kept once, a
 * status default is dropped) and is safe to run twice. Views already defined over the table keep working (adding
 * columns does not change them). Throws an Error when a name is not a valid identifier.
 */
export function migrationSql(options: ReconciliationSqlOptions = {}): string {
  const names = sqlNames(options);
  const { table } = names;
  return [
    `-- recon-codemod: OpenAI reconciliation fields for ${table}. Safe to run more than once.`,
    '-- It reads the table as it runs and says in NOTICEs what it found and assumed (psql and supabase db push show them).',
    'BEGIN;',
    '',
    preflightSql(names),
    '',
    `ALTER TABLE ${table}`,
    RECONCILIATION_COLUMNS.map((c) => `  ADD COLUMN IF NOT EXISTS ${c.name} ${c.sqlType}`).join(',\n') + ';',
    '',
    "-- Existing rows: those without a request id (OpenAI's or a gateway's generation id) can never be matched, so",
    '-- they are not_applicable, even where an earlier hand migration defaulted them to pending.',
    `UPDATE ${table} SET reconciliation_status = 'not_applicable'`,
    "  WHERE openai_request_id IS NULL AND gateway_generation_id IS NULL AND (reconciliation_status IS NULL OR reconciliation_status = 'pending');",
    `UPDATE ${table} SET reconciliation_status = 'pending'`,
    '  WHERE (openai_request_id IS NOT NULL OR gateway_generation_id IS NOT NULL) AND reconciliation_status IS NULL;',
    '',
    reconciliationObjectsSql(names),
    '',
    'COMMIT;',
    '',
  ].join('\n');
}

/**
 * A complete `CREATE TABLE` for a new install: the usual token-usage columns plus the reconciliation columns, with
 * the same trigger, checks, indexes, comments and view as the migration. Idempotent (`IF NOT EXISTS` throughout), one
 * transaction. Throws an Error when a name is not a valid identifier.
 */
export function createTableSql(options: ReconciliationSqlOptions = {}): string {
  const names = sqlNames({ ...options, costColumn: options.costColumn ?? DEFAULT_COST_COLUMN });
  const { table } = names;
  const columns = [
    'id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY',
    'created_at TIMESTAMPTZ NOT NULL DEFAULT now()',
    'user_id TEXT',
    'action_type TEXT NOT NULL',
    'model_used TEXT NOT NULL',
    'tokens_used INTEGER NOT NULL CHECK (tokens_used >= 0)',
    'input_tokens INTEGER CHECK (input_tokens >= 0)',
    'output_tokens INTEGER CHECK (output_tokens >= 0)',
    // Fractional: a short call costs a small fraction of a cent.
    `${names.costColumn} NUMERIC(12, 4)`,
    'success BOOLEAN NOT NULL DEFAULT true',
    'error_message TEXT',
    'metadata JSONB',
    ...RECONCILIATION_COLUMNS.map((c) => `${c.name} ${c.sqlType}`),
  ];
  return [
    `-- recon-codemod: token usage table ${table} with OpenAI reconciliation fields.`,
    'BEGIN;',
    '',
    `CREATE TABLE IF NOT EXISTS ${table} (`,
    columns.map((c) => `  ${c}`).join(',\n'),
    ');',
    '',
    reconciliationObjectsSql(names),
    '',
    'COMMIT;',
    '',
  ].join('\n');
}
