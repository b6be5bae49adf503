/**
 * What a person does about each kind of manual call, said once: `short` is the `// recon-codemod: <code>: <short>`
 * comment `--todo` writes above the call (a whole sentence that fits on one line, never a cut one); `long` is the
 * Markdown report's "What to do".
 */
import type { ManualReasonCode } from './types.js';

export const MANUAL_ACTIONS: Record<ManualReasonCode, { short: string; long: string }> = {
  'ambiguous-source': {
    short: 'pick the OpenAI result this row records; pass its id, created, system_fingerprint',
    long: 'Pick the completion whose usage this call records and pass its `id`, `created` and `system_fingerprint`.',
  },
  'no-source': {
    short: "pass the OpenAI result's id, created, system_fingerprint (null if there is no request)",
    long: 'Pass the values from where the OpenAI result is available, or write `null` if the call has no OpenAI request.',
  },
  'not-openai': {
    short: 'not an OpenAI request: pass null for the three fields',
    long: 'Not an OpenAI request: set the three fields to `null` (an id from another provider must never go in `openai_request_id`).',
  },
  'positional-arguments': {
    short: 'give the tracker the three fields (a parameter each, or one object) and pass them',
    long: "Extend the tracker's signature with the three values, or switch it to one object argument, and pass them at this call.",
  },
  'unknown-argument': {
    short: 'add the three fields where the usage object passed here is built',
    long: 'Add the three fields where the usage object is built.',
  },
  'spread-unknown': {
    short: 'check the spread object has the three fields; add them where it is built, or here',
    long: 'Check whether the spread object already carries the fields; add them where it is built, or here.',
  },
  'stream-not-captured': {
    short: 'keep id, created, system_fingerprint from a stream chunk (or onFinish), pass them',
    long: 'Keep `id`, `created` and `system_fingerprint` from a chunk inside the stream loop (or use `onFinish`) and pass them.',
  },
  'out-of-scope': {
    short: 'the OpenAI result is not in scope: pass its id, created, system_fingerprint down',
    long: 'Move the call where the result is in scope, or pass the three values down to it.',
  },
  'no-field-value': {
    short: "write the missing fields' values by hand (null when the tracker's type allows it)",
    long: "Write the value by hand (null/undefined per the tracker's type), or adjust the tracker's type.",
  },
  'untyped-tracker': {
    short: "make sure the tracker's parameter type has the three fields, then pass them here",
    long: "The tracker's parameter type could not be read, so the fields could not be added safely: make sure it declares `openai_request_id`, `openai_created` and `system_fingerprint` (optional, nullable; `recon-codemod sql` has the matching columns), then pass them here or run again.",
  },
  'provider-unknown': {
    short: "may be another provider's request: pass the OpenAI values on its path, null elsewhere",
    long: "The model or client may be another provider's (picked at run time, or not readable): if it is always OpenAI, add the fields by hand; otherwise record the id only on the OpenAI path and null elsewhere.",
  },
  'suspect-value': {
    short: 'a value passed here is wrong (see the report): replace it, or pass null',
    long: "A value the call already passes is wrong (a gateway's id, a property the result does not have): replace it as the reason says (`--fix-suspect` does where the right value is certain), or write null.",
  },
  'file-not-written': {
    short: 'the edit was not written (read-only file or write error): fix that, run again',
    long: "The edit was planned but its file was not written (read-only, or the write failed: see the file's error): make the file writable, or pass --force for a read-only one, and run again.",
  },
  'edit-does-not-compile': {
    short: 'the planned edit did not compile (see the report): fix that type, or edit by hand',
    long: 'The planned edit added the tsc error quoted, or the record is checked against a type of its own (`satisfies T`, `const row: T`) that lacks the fields (so it was not written): fix the type it names (e.g. add `id`/`created` to a cast, the fields to `T`), or add the fields by hand.',
  },
};

/**
 * The text of a `--todo` comment (after `// recon-codemod: `): the reason code and what to do, whole. For an
 * ambiguous source, the candidates the reason names (`first`, `second`), when they fit: the choice is the action.
 */
export function todoText(code: ManualReasonCode | undefined, reason = ''): string {
  if (!code) return 'finish this call by hand (see the report)';
  if (code === 'ambiguous-source') {
    const names = [...new Set([...reason.matchAll(/`([A-Za-z_$][\w$.]*)`/g)].map((m) => m[1]))];
    const choice = `pick which of ${names.join(', ')} this row records; pass its id, created, system_fingerprint`;
    if (names.length > 1 && choice.length <= 100) return `${code}: ${choice}`;
  }
  return `${code}: ${MANUAL_ACTIONS[code].short}`;
}
