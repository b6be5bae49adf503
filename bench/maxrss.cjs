// Fallback peak-memory probe for bench/run.ts when /usr/bin/time is absent: loaded with `node --require` (through
// NODE_OPTIONS, so worker processes load it too), it appends this process's peak RSS in bytes to $BENCH_RSS_FILE.
const { appendFileSync } = require('node:fs');
const file = process.env.BENCH_RSS_FILE;
if (file) {
  process.on('exit', () => {
    try {
      appendFileSync(file, `${process.resourceUsage().maxRSS * 1024}\n`);
    } catch {
      /* best effort */
    }
  });
}
