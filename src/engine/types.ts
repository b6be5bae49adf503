import type { CallSiteField } from '../config.js';

/** A replacement of the text between two offsets (UTF-16, as JavaScript strings index) of the original source. */
export interface TextEdit {
  start: number;
  end: number;
  text: string;
}

export type CallStatus = 'updated' | 'complete' | 'manual';

/** Stable codes for why a call was left for a person (reports group by them, the lint rule prints them). */
export type ManualReasonCode =
  | 'ambiguous-source'
  | 'no-source'
  | 'not-openai'
  | 'positional-arguments'
  | 'unknown-argument'
  | 'spread-unknown'
  | 'stream-not-captured'
  | 'out-of-scope'
  | 'no-field-value'
  | 'untyped-tracker'
  /** The model or client may be another provider's (picked at run time, or not readable): never guessed. */
  | 'provider-unknown'
  /** The call has the fields, but a value is not one the engine would accept for it (see `CallPlan.suspect`). */
  | 'suspect-value'
  /** Set by the CLI's type check (src/verify.ts), never by the engine: the edit added a tsc error and was reverted. */
  | 'edit-does-not-compile'
  /** Set by the CLI, never by the engine: the file's edit was planned but not written (read-only file, write error). */
  | 'file-not-written';

/** A field the call already passes whose value contradicts what the engine knows of the call's result. */
export interface SuspectValue {
  /** The property as written at the call. */
  prop: string;
  /** The value as written (`(transcription as any).id`). */
  value: string;
  /** The value the engine would write, when it is certain; absent when nothing can be certain (a gateway's id). */
  expected?: string;
  /** Why the value is wrong. */
  reason: string;
}

export interface CallPlan {
  /** 1-based line and column of the call expression. */
  line: number;
  column: number;
  /** Offsets of the call expression in the source. */
  start: number;
  end: number;
  /** The callee as written (`trackTokenUsage`, `track`, `tracking.trackTokenUsage`). */
  callee: string;
  status: CallStatus;
  /** Fields the call does not have (in canonical order); empty when complete. */
  missing: CallSiteField[];
  /** The expression the fields are read from (`completion`, `response`, `event.response`). */
  source?: string;
  /** What kind of result the source is (`openai.chat.completion`, `ai.generateText`, …). */
  sourceKind?: string;
  /** For updated calls: the field (as written) → the expression written for it. */
  added?: Record<string, string>;
  /** The edits that complete this call (empty for complete and manual calls). */
  edits: TextEdit[];
  /** For manual calls. */
  reasonCode?: ManualReasonCode;
  reason?: string;
  /** A manual call marked with a `// recon-codemod:` comment: a person has been told; the lint rule and --check accept it. */
  acknowledged?: boolean;
  /** Notes a reviewer should read even when the call was updated (e.g. multi-step runs). */
  notes?: string[];
  /** Values already at the call that are wrong (`suspect-value` calls, and calls whose suspect values were replaced). */
  suspect?: SuspectValue[];
  /**
   * For a `suspect-value` call whose every right value is certain: the edits that replace the suspect values (and add
   * what is missing). Applied only with `fixSuspect`; the lint rule offers them as a suggestion.
   */
  suspectFix?: TextEdit[];
  /** The tracker's definition (`trackerKey`), when it was found: ties the call to the schema step's change. */
  tracker?: string;
  /**
   * For an updated call whose tracker the schema step extends: the files it edits for that (the tracker's parameter
   * type, its insert row), this call's own file included when it is one of them. The call's edit compiles, and its
   * fields are stored, only together with those edits.
   */
  schemaFiles?: string[];
}

/** What the schema step changed (or could not change) in a file. */
export interface SchemaPlan {
  typeName: string;
  /** Properties added to the tracker's parameter type. */
  added: string[];
  /** Properties added to the tracker's insert row. */
  passedThrough: string[];
  /** What a person must still add to the tracker, when its row could not be found. */
  manual?: string;
}

export interface FilePlan {
  path: string;
  /** Present when the schema step edits this file (the tracker's type or its insert row). */
  schema?: SchemaPlan;
  status: 'changed' | 'unchanged' | 'error';
  error?: string;
  calls: CallPlan[];
  /** The new text, present when status is `changed`. */
  output?: string;
  /** The `--todo` comments in `output` (offsets of the analysed text, as the calls' edits), so a check can re-apply a subset. */
  todoEdits?: TextEdit[];
}

/**
 * Does the lint rule report this call? Every call that is not complete, except two that a person has already been
 * pointed at: a spread this tool cannot see into (it may hold the fields; the codemod's report lists it) and a manual
 * call acknowledged with a `// recon-codemod:` comment (`recon-codemod --todo` writes them).
 */
export function isReportedByLint(call: CallPlan): boolean {
  if (call.status === 'complete') return false;
  if (call.status === 'manual' && (call.reasonCode === 'spread-unknown' || call.acknowledged)) return false;
  return true;
}
