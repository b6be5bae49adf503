/**
 * One style for every command's usage errors: parseArgs's messages in our words (`unknown option --wrte (did you mean
 * --write?)`, `--out needs a value`), never its text with an unbalanced quote.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** Edit distance, for "did you mean": options are short, so the plain table is enough. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length];
}

/** parseArgs's messages, in our words: `unknown option --wrte (did you mean --write?)`, and no unbalanced quotes. */
export function usageMessage(error: Error & { code?: string }, options: string[]): string {
  const unknown = /^Unknown option '(-{1,2}[^']+)'/.exec(error.message);
  if (unknown) {
    const given = unknown[1].replace(/^-+/, '');
    const best = options.map((o) => ({ o, d: distance(given, o) })).sort((x, y) => x.d - y.d)[0];
    return `unknown option ${unknown[1]}${best && best.d <= Math.max(2, Math.floor(given.length / 3)) ? ` (did you mean --${best.o}?)` : ''}`;
  }
  const extra = /^Unexpected argument '(.+?)'\. This command does not take positional arguments/.exec(error.message);
  if (extra) return `unexpected argument ${extra[1]} (this command takes options only)`;
  const missing = /^Option '(.+?)' argument missing/.exec(error.message);
  if (missing) return `${missing[1].split(', ').at(-1)!.split(' ')[0]} needs a value`;
  return error.message.replace(/\. To specify a positional argument starting with a '-'.*$/s, '').replace(/'/g, '');
}

/** parseArgs, strict, with its errors rewritten by usageMessage against the command's own option names. */
export function parseOptions<T extends ParseArgsConfig & { strict: true }>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (error) {
    throw new Error(usageMessage(error as Error, Object.keys(config.options ?? {})));
  }
}
