import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, existsSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTracker,
  pgliteStore,
  postgresStore,
  type DeadLetter,
  type TokenUsage,
} from '../../src/tracking/index.js';
import { emptyPGliteDir } from '../helpers.js';

const usage: TokenUsage = {
  user_id: 'user-1',
  action_type: 'prompt_suggestions',
  model_used: 'gpt-4o-mini',
  tokens_used: 42,
  openai_request_id: 'chatcmpl-down1',
  openai_created: 1731763938,
  system_fingerprint: null,
};

/** A port nothing listens on: connections are refused, as when the database is down. */
async function refusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}

let workDir: string;
let downUrl: string;
beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'recon-tracker-'));
  downUrl = `postgres://postgres@127.0.0.1:${await refusedPort()}/postgres`;
});
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

const readLetters = (file: string): DeadLetter[] =>
  readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as DeadLetter);

describe('a store that is down', () => {
  it('returns a failed result, logs the request id and dead-letters the row; never throws', async () => {
    const deadLetterFile = join(workDir, 'down', 'dead.jsonl');
    const logged: string[] = [];
    const tracker = createTracker({
      store: postgresStore({ connectionString: downUrl }),
      logger: { error: (m) => logged.push(m) },
      deadLetterFile,
    });
    try {
      const result = await tracker.trackTokenUsage(usage);
      expect(result).toEqual({ ok: false, error: expect.stringMatching(/ECONNREFUSED/), requestId: 'chatcmpl-down1' });
      expect(logged).toEqual([
        expect.stringMatching(/request id chatcmpl-down1\).*ECONNREFUSED.*kept in .*dead\.jsonl/),
      ]);
      expect(readLetters(deadLetterFile)).toEqual([
        {
          failed_at: expect.any(String),
          attempts: 1,
          stage: 'store',
          error: expect.stringMatching(/ECONNREFUSED/),
          request_id: 'chatcmpl-down1',
          // The row as it was to be stored, with the key that makes its replay idempotent.
          usage: {
            ...usage,
            success: true,
            reconciliation_status: 'pending',
            idempotency_key: expect.stringMatching(/^[0-9a-f-]{36}$/),
          },
        },
      ]);
    } finally {
      await tracker.close();
    }
  });

  it('logs the whole row when there is no dead-letter file', async () => {
    const logged: string[] = [];
    const tracker = createTracker({
      store: postgresStore({ connectionString: downUrl }),
      logger: { error: (m) => logged.push(m) },
      deadLetterFile: null,
    });
    try {
      expect((await tracker.trackTokenUsage(usage)).ok).toBe(false);
      expect(logged).toEqual([expect.stringContaining('"usage":{"user_id":"user-1"')]);
    } finally {
      await tracker.close();
    }
  });
});

describe('a store that hangs', () => {
  let server: Server;
  let port: number;
  const sockets: Socket[] = [];
  beforeAll(async () => {
    // Accepts connections and never answers, like a database stuck behind a dead load balancer.
    server = createServer((socket) => sockets.push(socket));
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    port = (server.address() as { port: number }).port;
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((done) => server.close(done));
  });

  it('gives up after timeoutMs and dead-letters the row', async () => {
    const deadLetterFile = join(workDir, 'hang.jsonl');
    const tracker = createTracker({
      store: postgresStore({ connectionString: `postgres://postgres@127.0.0.1:${port}/postgres` }),
      logger: { error: () => {} },
      deadLetterFile,
      timeoutMs: 200,
    });
    const result = await tracker.trackTokenUsage(usage);
    expect(result).toEqual({ ok: false, error: 'the store did not answer within 200 ms', requestId: 'chatcmpl-down1' });
    expect(readLetters(deadLetterFile)).toHaveLength(1);
    void tracker.close(); // the pool waits for the hung connection; the sockets are destroyed in afterAll
  });
});

describe('a bad row', () => {
  it.each([
    [
      { ...usage, openai_created: 1731763938123 },
      /openai_created: openai_created must be unix seconds, got 1731763938123 which looks like milliseconds/,
    ],
    [{ ...usage, openai_created: 1731763938.5 }, /openai_created: openai_created must be an integer/],
    [{ ...usage, tokens_used: -1 }, /tokens_used: tokens_used must not be negative/],
    [{ ...usage, model_used: undefined }, /model_used: /],
    [null, /row: /],
  ])('is reported, not thrown: %#', async (bad, message) => {
    const rejectedFile = join(workDir, 'bad.jsonl');
    const tracker = createTracker({
      store: postgresStore({ connectionString: downUrl }),
      logger: { error: () => {} },
      rejectedFile,
    });
    const result = await tracker.trackTokenUsage(bad as TokenUsage);
    expect(result).toEqual({
      ok: false,
      error: expect.stringMatching(message),
      requestId: bad ? 'chatcmpl-down1' : null,
    });
    expect(readLetters(rejectedFile).at(-1)).toMatchObject({
      stage: 'validation',
      usage: JSON.parse(JSON.stringify(bad)),
    });
  });

  it('whose getter throws leaves a log line and a rejected letter with what could be read', async () => {
    const rejectedFile = join(workDir, 'getter.jsonl');
    const logged: string[] = [];
    const tracker = createTracker({
      store: postgresStore({ connectionString: downUrl }),
      logger: { error: (m) => logged.push(m) },
      rejectedFile,
    });
    const row = {
      ...usage,
      get tokens_used(): number {
        throw new Error('usage not ready');
      },
    };
    const result = await tracker.trackTokenUsage(row);
    expect(result).toMatchObject({ ok: false, error: expect.stringMatching(/usage not ready/) });
    expect(logged).toEqual([
      expect.stringMatching(
        /request id chatcmpl-down1.*reading the row threw: usage not ready.*kept in .*getter\.jsonl/,
      ),
    ]);
    expect(readLetters(rejectedFile)).toEqual([
      expect.objectContaining({
        stage: 'validation',
        request_id: 'chatcmpl-down1',
        usage: { ...usage, tokens_used: '[threw: usage not ready]' },
      }),
    ]);
  });

  it('that is not JSON is still reported, and the log says it was not kept', async () => {
    const logged: string[] = [];
    const tracker = createTracker({
      store: postgresStore({ connectionString: downUrl }),
      logger: { error: (m) => logged.push(m) },
      deadLetterFile: join(workDir, 'big.jsonl'),
    });
    const result = await tracker.trackTokenUsage({ ...usage, tokens_used: 10n } as unknown as TokenUsage);
    expect(result).toMatchObject({ ok: false, requestId: 'chatcmpl-down1' });
    expect(logged).toEqual([expect.stringMatching(/not kept: the row is not JSON/)]);
    expect(existsSync(join(workDir, 'big.jsonl'))).toBe(false);
  });
});

describe('replayDeadLetters', () => {
  it('replays the rows of a replay that was killed half-way (its file aside, its process gone)', async () => {
    const deadLetterFile = join(workDir, 'orphan.jsonl');
    const pid = Number(
      spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout,
    );
    const letter: DeadLetter = {
      failed_at: '2026-01-01T00:00:00.000Z',
      attempts: 1,
      stage: 'store',
      error: 'down',
      request_id: 'chatcmpl-orphan',
      usage: { ...usage, openai_request_id: 'chatcmpl-orphan', idempotency_key: 'k-orphan' },
    };
    writeFileSync(`${deadLetterFile}.replaying-${pid}-1`, `${JSON.stringify(letter)}\n`);
    const down = createTracker({
      store: postgresStore({ connectionString: downUrl }),
      logger: { error: () => {} },
      deadLetterFile,
    });
    try {
      expect(await down.replayDeadLetters()).toEqual({ stored: 0, failed: 1 });
      expect(readLetters(deadLetterFile)).toEqual([
        expect.objectContaining({
          request_id: 'chatcmpl-orphan',
          attempts: 2,
          usage: expect.objectContaining({ idempotency_key: 'k-orphan' }),
        }),
      ]);
      expect(readdirSync(workDir).filter((name) => name.startsWith('orphan.jsonl.replaying-'))).toEqual([]);
    } finally {
      await down.close();
    }
  });

  it('stores the rows once the database is back and keeps those that still fail', async () => {
    const deadLetterFile = join(workDir, 'replay.jsonl');
    const down = createTracker({
      store: postgresStore({ connectionString: downUrl }),
      logger: { error: () => {} },
      deadLetterFile,
      rejectedFile: join(workDir, 'rejected.jsonl'),
    });
    await down.trackTokenUsage(usage);
    await down.trackTokenUsage({ ...usage, openai_request_id: 'chatcmpl-down2' });
    await down.trackTokenUsage({ ...usage, openai_request_id: 'chatcmpl-bad', tokens_used: -5 });
    // Only the rows that may store later are queued for replay; the invalid one is rejected at once, never replayed.
    expect(readLetters(deadLetterFile)).toHaveLength(2);
    expect(readLetters(join(workDir, 'rejected.jsonl')).map((l) => l.request_id)).toEqual(['chatcmpl-bad']);

    // Replaying while still down: queued again with the first failure's time and the attempts counted.
    const [first] = readLetters(deadLetterFile);
    expect(await down.replayDeadLetters()).toEqual({ stored: 0, failed: 2 });
    expect(await down.replayDeadLetters()).toEqual({ stored: 0, failed: 2 });
    const [again] = readLetters(deadLetterFile);
    expect(again).toMatchObject({ failed_at: first.failed_at, attempts: 3, last_failed_at: expect.any(String) });
    expect(again.usage).toEqual(first.usage);

    await emptyPGliteDir(join(workDir, 'db'));
    const store = pgliteStore({ dataDir: join(workDir, 'db') });
    // The embedded database's cold start (seconds on a loaded machine) is not the insert the timeout is about: it is
    // opened first, and the tracker waiting on it gets a limit made for hangs, not the default 10 s.
    await store.db();
    const up = createTracker({ store, logger: { error: () => {} }, deadLetterFile, timeoutMs: 240_000 });
    try {
      expect(await up.replayDeadLetters()).toEqual({ stored: 2, failed: 0 });
      const { rows } = await (
        await store.db()
      ).query('SELECT openai_request_id, reconciliation_status FROM token_usage ORDER BY id');
      expect(rows).toEqual([
        { openai_request_id: 'chatcmpl-down1', reconciliation_status: 'pending' },
        { openai_request_id: 'chatcmpl-down2', reconciliation_status: 'pending' },
      ]);
      expect(existsSync(deadLetterFile)).toBe(false);
      expect(await up.replayDeadLetters()).toEqual({ stored: 0, failed: 0 });
      expect(await createTracker({ store, deadLetterFile: join(workDir, 'none.jsonl') }).replayDeadLetters()).toEqual({
        stored: 0,
        failed: 0,
      });
    } finally {
      await up.close();
      await down.close();
    }
  });
});
