// One app process for the multi-process tests and figures: tracks ROWS rows into the embedded store DATA_DIR with the
// built tracker (TRACKING: a file URL of dist/tracking/index.js), CONCURRENCY at a time, then closes the tracker and
// prints {"pid", "ok", "failed"}. With HOLD=1 it takes the store (pinned) and keeps it until stdin closes.
const { createTracker, pgliteStore } = await import(process.env.TRACKING);

const store = pgliteStore({ dataDir: process.env.DATA_DIR });
const errors = [];
const tracker = createTracker({
  store,
  logger: { error: (m) => errors.push(m) },
  deadLetterFile: `${process.env.DATA_DIR}.dead-${process.pid}.jsonl`,
  rejectedFile: `${process.env.DATA_DIR}.rejected-${process.pid}.jsonl`,
  timeoutMs: 300_000,
});

if (process.env.HOLD === '1') {
  await store.db();
  process.stdout.write(`${JSON.stringify({ pid: process.pid, holding: true })}\n`);
  process.stdin.resume();
  await new Promise((done) => process.stdin.on('end', done));
  await tracker.close();
  process.exit(0);
}

const rows = Number(process.env.ROWS);
const concurrency = Number(process.env.CONCURRENCY ?? 10);
let ok = 0;
let failed = 0;
for (let start = 0; start < rows; start += concurrency) {
  const batch = [];
  for (let i = start; i < Math.min(rows, start + concurrency); i += 1) {
    batch.push(
      tracker.trackTokenUsage({
        action_type: process.env.TAG,
        model_used: 'gpt-4o-mini',
        tokens_used: i,
        openai_request_id: `chatcmpl-${process.env.TAG}-${process.pid}-${i}`,
      }),
    );
  }
  for (const result of await Promise.all(batch)) {
    if (result.ok) ok += 1;
    else failed += 1;
  }
}
await tracker.close();
process.stdout.write(`${JSON.stringify({ pid: process.pid, ok, failed, errors: errors.slice(0, 3) })}\n`);
