/**
 * Deterministic generator of a large Next.js-style TypeScript repo for the bench: the demo app's library modules
 * (tracker, OpenAI client, in-house wrapper, model), a tsconfig with `@/*` paths, `trackerFiles` API routes copied from
 * the demo app's route shapes with varied names, and ordinary code (components, hooks, utils, types; 50–200 lines each)
 * up to `totalFiles`. Same seed → same bytes.
 */
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('..', import.meta.url));
const DEMO = join(REPO, 'fixtures', 'demo-app');

export interface GenerateOptions {
  dir: string;
  totalFiles: number;
  trackerFiles: number;
  seed?: number;
}

export interface GenerateResult {
  files: number;
  trackerFiles: number;
  trackingCalls: number;
  bytes: number;
  lines: number;
}

/** mulberry32: small, fast, deterministic. */
export function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)];
  return { next, int, pick };
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const full = join(dir, entry);
    if (statSync(full).isDirectory()) out.push(...walk(full));
    else out.push(full);
  }
  return out.sort();
}

const WORDS = [
  'account',
  'billing',
  'vision',
  'goal',
  'habit',
  'journal',
  'profile',
  'session',
  'insight',
  'category',
  'reminder',
  'streak',
  'summary',
  'board',
  'prompt',
  'feedback',
  'invoice',
  'team',
  'project',
  'task',
  'note',
  'event',
  'report',
  'upload',
  'preview',
  'search',
  'filter',
  'order',
  'payment',
  'plan',
  'member',
  'message',
  'thread',
  'draft',
  'review',
];
const cap = (s: string) => s[0].toUpperCase() + s.slice(1);

export function generateRepo(options: GenerateOptions): GenerateResult {
  const { dir, totalFiles, trackerFiles } = options;
  const r = rng(options.seed ?? 42);
  let files = 0;
  let bytes = 0;
  let lines = 0;
  let trackingCalls = 0;
  const write = (rel: string, text: string) => {
    const path = join(dir, rel);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
    files++;
    bytes += Buffer.byteLength(text);
    lines += text.split('\n').length;
  };

  // The app's shell and library modules, as in the demo app.
  writeFileSync(
    join(mkdirP(dir), 'package.json'),
    JSON.stringify({ name: 'bench-app', private: true, type: 'module' }, null, 2) + '\n',
  );
  writeFileSync(
    join(dir, 'tsconfig.json'),
    readFileSync(join(DEMO, 'tsconfig.json'), 'utf8').replace('"src/**/*.ts"', '"src/**/*.ts", "src/**/*.tsx"'),
  );
  for (const file of walk(join(DEMO, 'src', 'lib'))) write(relative(DEMO, file), readFileSync(file, 'utf8'));

  // Tracker-calling routes: the demo app's route shapes, varied names, same directory depth (relative imports hold).
  const routes = walk(join(DEMO, 'src', 'app', 'api')).map((f) => ({
    name: relative(join(DEMO, 'src', 'app', 'api'), f),
    text: readFileSync(f, 'utf8'),
  }));
  for (let i = 0; i < trackerFiles; i++) {
    const route = routes[i % routes.length];
    const slug = `${r.pick(WORDS)}-${r.pick(WORDS)}-${i}`;
    const group = `g${i % 17}`;
    const text = route.text
      .replace(/action_type: '([a-z_]+)'/g, (_m, a: string) => `action_type: '${a}_${slug.replace(/-/g, '_')}'`)
      .replace(
        /'(Summarise|Suggest|Merge|Turn|Assemble|Polish|Refine|Rewrite|Flip|Describe|Write)/g,
        (_m, w: string) => `'(${slug}) ${w}`,
      );
    trackingCalls += (text.match(/trackTokenUsage\(/g) ?? []).length;
    write(join('src', 'app', 'api', group, slug, 'route.ts'), text);
  }

  // Ordinary code up to totalFiles.
  const kinds = ['component', 'component', 'hook', 'util', 'util', 'types', 'service'] as const;
  for (let i = 0; files < totalFiles; i++) {
    const kind = r.pick(kinds);
    const base = `${r.pick(WORDS)}${cap(r.pick(WORDS))}${i}`;
    const area = r.pick(WORDS);
    const target = r.int(50, 200);
    const text =
      kind === 'component'
        ? component(base, target, r)
        : kind === 'hook'
          ? hook(base, target, r)
          : kind === 'types'
            ? types(base, target, r)
            : kind === 'service'
              ? service(base, target, r)
              : util(base, target, r);
    const folder =
      kind === 'component'
        ? 'components'
        : kind === 'hook'
          ? 'hooks'
          : kind === 'types'
            ? 'types'
            : kind === 'service'
              ? 'services'
              : 'utils';
    write(
      join('src', folder, area, `${kind === 'component' ? cap(base) : base}.${kind === 'component' ? 'tsx' : 'ts'}`),
      text,
    );
  }
  return { files, trackerFiles, trackingCalls, bytes, lines };
}

function mkdirP(dir: string) {
  mkdirSync(dir, { recursive: true });
  return dir;
}

type R = ReturnType<typeof rng>;

function fill(target: number, head: string[], block: (k: number) => string[], tail: string[]): string {
  const out = [...head];
  for (let k = 0; out.length + tail.length < target; k++) out.push(...block(k));
  return [...out, ...tail].join('\n') + '\n';
}

function component(name: string, target: number, r: R): string {
  const C = cap(name);
  const field = r.pick(WORDS);
  return fill(
    target,
    [
      `import { useCallback, useMemo, useState } from 'react';`,
      `import type { ${cap(field)}Item } from '@/types/${field}';`,
      ``,
      `export interface ${C}Props {`,
      `  items: ${cap(field)}Item[];`,
      `  title?: string;`,
      `  onSelect?: (id: string) => void;`,
      `}`,
      ``,
    ],
    (k) => [
      `function ${C}Row${k}({ item, active, onClick }: { item: ${cap(field)}Item; active: boolean; onClick: () => void }) {`,
      `  const label = useMemo(() => item.name.trim() || 'Untitled ${field} ${k}', [item.name]);`,
      `  return (`,
      `    <li className={active ? 'row row--active' : 'row'} onClick={onClick} data-index={${k}}>`,
      `      <span className="row__label">{label}</span>`,
      `      {item.count > ${r.int(1, 99)} ? <strong>{item.count}</strong> : <em>{item.count}</em>}`,
      `    </li>`,
      `  );`,
      `}`,
      ``,
    ],
    [
      `export default function ${C}({ items, title = '${cap(field)}s', onSelect }: ${C}Props) {`,
      `  const [active, setActive] = useState<string | null>(null);`,
      `  const select = useCallback((id: string) => {`,
      `    setActive(id);`,
      `    onSelect?.(id);`,
      `  }, [onSelect]);`,
      `  return (`,
      `    <section aria-label={title}>`,
      `      <h2>{title}</h2>`,
      `      <ul>{items.map((item) => <${C}Row0 key={item.id} item={item} active={item.id === active} onClick={() => select(item.id)} />)}</ul>`,
      `    </section>`,
      `  );`,
      `}`,
    ],
  );
}

function hook(name: string, target: number, r: R): string {
  const field = r.pick(WORDS);
  return fill(
    target,
    [`import { useEffect, useRef, useState } from 'react';`, ``, `const ENDPOINT = '/api/${field}/${name}';`, ``],
    (k) => [
      `export function use${cap(name)}${k}(id: string, refreshMs = ${r.int(1, 60) * 1000}) {`,
      `  const [data, setData] = useState<Record<string, unknown> | null>(null);`,
      `  const [error, setError] = useState<Error | null>(null);`,
      `  const timer = useRef<ReturnType<typeof setInterval>>();`,
      `  useEffect(() => {`,
      `    let cancelled = false;`,
      `    const load = async () => {`,
      `      try {`,
      `        const res = await fetch(\`\${ENDPOINT}?id=\${encodeURIComponent(id)}&page=${k}\`);`,
      `        if (!res.ok) throw new Error(\`${field} request failed: \${res.status}\`);`,
      `        const json = (await res.json()) as Record<string, unknown>;`,
      `        if (!cancelled) setData(json);`,
      `      } catch (e) {`,
      `        if (!cancelled) setError(e as Error);`,
      `      }`,
      `    };`,
      `    void load();`,
      `    timer.current = setInterval(load, refreshMs);`,
      `    return () => {`,
      `      cancelled = true;`,
      `      clearInterval(timer.current);`,
      `    };`,
      `  }, [id, refreshMs]);`,
      `  return { data, error };`,
      `}`,
      ``,
    ],
    [],
  );
}

function util(name: string, target: number, r: R): string {
  return fill(
    target,
    [`/** Helpers for ${name}. */`, `const LIMIT = ${r.int(10, 500)};`, ``],
    (k) => {
      const f = `${r.pick(WORDS)}${cap(r.pick(WORDS))}${k}`;
      return [
        `export function ${f}(values: number[], factor = ${r.int(1, 9)}): number[] {`,
        `  const out: number[] = [];`,
        `  for (const [i, v] of values.entries()) {`,
        `    if (i >= LIMIT) break;`,
        `    out.push(Math.round(v * factor * 100) / 100);`,
        `  }`,
        `  return out.sort((a, b) => a - b);`,
        `}`,
        ``,
        `export const ${f}Label = (value: string | undefined): string =>`,
        `  value ? value.replace(/[_-]+/g, ' ').replace(/\\b\\w/g, (c) => c.toUpperCase()) : '—';`,
        ``,
      ];
    },
    [],
  );
}

function types(name: string, target: number, r: R): string {
  return fill(
    target,
    [`// Domain types: ${name}`, ``],
    (k) => {
      const T = `${cap(r.pick(WORDS))}${cap(r.pick(WORDS))}${k}`;
      return [
        `export interface ${T} {`,
        `  id: string;`,
        `  name: string;`,
        `  count: number;`,
        `  createdAt: string;`,
        `  status: 'draft' | 'active' | 'archived';`,
        `  tags?: string[];`,
        `  owner?: { id: string; email: string };`,
        `}`,
        ``,
        `export type ${T}Patch = Partial<Omit<${T}, 'id' | 'createdAt'>>;`,
        ``,
      ];
    },
    [],
  );
}

function service(name: string, target: number, r: R): string {
  const table = r.pick(WORDS);
  return fill(
    target,
    [
      `import { z } from 'zod';`,
      ``,
      `const Row = z.object({ id: z.string(), user_id: z.string(), value: z.number().optional() });`,
      `type Row = z.infer<typeof Row>;`,
      ``,
    ],
    (k) => [
      `export async function ${name}Fetch${k}(userId: string, signal?: AbortSignal): Promise<Row[]> {`,
      `  const res = await fetch(\`/rest/v1/${table}?user_id=eq.\${userId}&limit=${r.int(5, 100)}\`, { signal });`,
      `  if (!res.ok) {`,
      `    throw new Error(\`${table}: \${res.status} \${res.statusText}\`);`,
      `  }`,
      `  const rows = (await res.json()) as unknown[];`,
      `  return rows.map((row) => Row.parse(row));`,
      `}`,
      ``,
    ],
    [],
  );
}

// `npx tsx bench/generate.ts <dir> [totalFiles] [trackerFiles]`
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [dir, total = '10000', tracker = '100'] = process.argv.slice(2);
  console.log(generateRepo({ dir, totalFiles: Number(total), trackerFiles: Number(tracker) }));
}
