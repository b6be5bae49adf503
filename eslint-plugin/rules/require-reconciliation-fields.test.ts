import { resolve } from 'node:path';
import { RuleTester } from '@typescript-eslint/rule-tester';
import { afterAll, describe, it } from 'vitest';
import { rule, type MessageIds, type Options } from './require-reconciliation-fields.js';

RuleTester.afterAll = afterAll;
RuleTester.describe = describe;
RuleTester.it = it;
RuleTester.itOnly = it.only;

const ruleTester = new RuleTester();

// The rule tester ships its own copy of @typescript-eslint/utils (a patch version apart): same shape, distinct
// private members, so TypeScript needs telling that the rule is the rule tester's kind of rule.
const testedRule = rule as unknown as Parameters<typeof ruleTester.run<MessageIds, Options>>[1];

/**
 * A route inside the demo app: the rule's host finds the demo app's tsconfig (`@/*` → `src/*`), so
 * `@/lib/tokens/tracking` resolves to the real tracker and its parameter type decides `null` vs `undefined`.
 */
const ROUTE = resolve(import.meta.dirname, '../../fixtures/demo-app/src/app/api/lint-case/route.ts');
const ROUTE_JS = resolve(import.meta.dirname, '../../fixtures/demo-app/src/app/api/lint-case/route.js');

const IMPORTS = `import { openai } from '@/lib/openai';
import { trackTokenUsage } from '@/lib/tokens/tracking';
`;

/** A chat completion, then `body` inside the tracking call's object literal. */
const completionThenTrack = (callee: string, body: string, imports = IMPORTS) => `${imports}
export async function POST() {
  const completion = await openai.chat.completions.create({ model: 'gpt-4o', messages: [] });
  await ${callee}({
${body}
  });
}
`;

const USAGE_FIELDS = `    user_id: 'u1',
    action_type: 'summary',
    model_used: 'gpt-4o',
    tokens_used: completion.usage?.total_tokens ?? 0,
    input_tokens: completion.usage?.prompt_tokens ?? 0,
    output_tokens: completion.usage?.completion_tokens ?? 0,
    success: true,`;

const ADDED_FROM_COMPLETION = `
    openai_request_id: completion.id,
    openai_created: completion.created,
    system_fingerprint: completion.system_fingerprint,`;

const ALL = '`openai_request_id`, `openai_created`, `system_fingerprint`';

/** Beside fixtures/tracker-type-missing-fields/tracking.ts, whose `TokenUsage` lacks the fields. */
const BESIDE_OLD_TRACKER = resolve(import.meta.dirname, '../../fixtures/tracker-type-missing-fields/lint-case.ts');
const OLD_TRACKER_CALL = `import OpenAI from 'openai';
import { trackTokenUsage } from './tracking';

const openai = new OpenAI();

export async function POST() {
  const completion = await openai.chat.completions.create({ model: 'gpt-4o', messages: [] });
  await trackTokenUsage({ user_id: 'u1', action_type: 'a', model_used: completion.model, tokens_used: 1, success: true });
}
`;

/** A tracker whose type lacks the fields, in the file that calls it. */
const trackerHere = (members: string, row: string, call: string) => `import OpenAI from 'openai';

const openai = new OpenAI();
const db = { insert: async (row: object) => row };

interface TokenUsage {
  user_id: string;
  tokens_used: number;${members}
}

async function trackTokenUsage(usage: TokenUsage): Promise<void> {
  await db.insert({ user_id: usage.user_id, tokens_used: usage.tokens_used${row} });
}

export async function POST() {
  const completion = await openai.chat.completions.create({ model: 'gpt-4o', messages: [] });
  await trackTokenUsage({ user_id: 'u1', tokens_used: completion.usage?.total_tokens ?? 0${call} });
}
`;

ruleTester.run('require-reconciliation-fields', testedRule, {
  valid: [
    {
      name: 'a file that never mentions the tracker (bail-out)',
      code: `export const answer = 42;\n`,
      filename: ROUTE,
    },
    {
      name: 'complete call',
      code: completionThenTrack('trackTokenUsage', `${USAGE_FIELDS}${ADDED_FROM_COMPLETION}`),
      filename: ROUTE,
    },
    {
      name: 'fields present as shorthand, quoted key and explicit null',
      code: `${IMPORTS}
export async function POST() {
  const completion = await openai.chat.completions.create({ model: 'gpt-4o', messages: [] });
  const openai_request_id = completion.id;
  await trackTokenUsage({
${USAGE_FIELDS}
    openai_request_id,
    'openai_created': completion.created,
    system_fingerprint: null,
  });
}
`,
      filename: ROUTE,
    },
    {
      name: 'explicit undefined acknowledges a field',
      code: completionThenTrack(
        'trackTokenUsage',
        `${USAGE_FIELDS}
    openai_request_id: undefined,
    ["openai_created"]: undefined,
    system_fingerprint: undefined,`,
      ),
      filename: ROUTE,
    },
    {
      name: 'namespace import, complete',
      code: completionThenTrack(
        'tracking.trackTokenUsage',
        `${USAGE_FIELDS}${ADDED_FROM_COMPLETION}`,
        `import { openai } from '@/lib/openai';\nimport * as tracking from '@/lib/tokens/tracking';\n`,
      ),
      filename: ROUTE,
    },
    {
      name: 'spread of a local const literal that holds the fields',
      code: `${IMPORTS}
export async function POST() {
  const completion = await openai.chat.completions.create({ model: 'gpt-4o', messages: [] });
  const reconciliation = {
    openai_request_id: completion.id,
    openai_created: completion.created,
    system_fingerprint: completion.system_fingerprint,
  };
  await trackTokenUsage({
${USAGE_FIELDS}
    ...reconciliation,
  });
}
`,
      filename: ROUTE,
    },
    {
      name: 'a spread the engine cannot see into is not reported (documented exception)',
      code: `${IMPORTS}
export async function record(base: Record<string, unknown>) {
  const completion = await openai.chat.completions.create({ model: 'gpt-4o', messages: [] });
  await trackTokenUsage({
    ...base,
${USAGE_FIELDS}
  });
  return completion;
}
`,
      filename: ROUTE,
    },
    {
      name: 'a same-named local that is not a function definition is unrelated',
      code: `import { openai } from '@/lib/openai';
declare const logger: { child(name: string): (entry: object) => void };

export async function POST() {
  const completion = await openai.chat.completions.create({ model: 'gpt-4o', messages: [] });
  const trackTokenUsage = logger.child('usage');
  trackTokenUsage({ tokens_used: completion.usage?.total_tokens ?? 0 });
}
`,
      filename: ROUTE,
    },
    {
      name: 'a parameter shadowing the imported tracker is unrelated',
      code: `${IMPORTS}
export async function POST(trackTokenUsage: (entry: object) => void) {
  const completion = await openai.chat.completions.create({ model: 'gpt-4o', messages: [] });
  trackTokenUsage({ tokens_used: completion.usage?.total_tokens ?? 0 });
}
`,
      filename: ROUTE,
    },
    {
      name: 'a method of another object with the same name is unrelated',
      code: `import { openai } from '@/lib/openai';
declare const analytics: { trackTokenUsage(entry: object): void };

export async function POST() {
  const completion = await openai.chat.completions.create({ model: 'gpt-4o', messages: [] });
  analytics.trackTokenUsage({ tokens_used: completion.usage?.total_tokens ?? 0 });
}
`,
      filename: ROUTE,
    },
    {
      name: 'an import of the same name from a module that is not the configured tracking module',
      code: completionThenTrack(
        'trackTokenUsage',
        `${USAGE_FIELDS}`,
        `import { openai } from '@/lib/openai';\nimport { trackTokenUsage } from '@acme/analytics';\n`,
      ),
      filename: ROUTE,
      options: [{ trackingModules: ['lib/tokens/tracking'] }],
    },
    {
      name: 'calls written in comments, strings and templates are not calls',
      code: `${IMPORTS}
// trackTokenUsage({ user_id: 'u1', tokens_used: 1 })
/* await trackTokenUsage({ tokens_used: 2 }); */
export const docs = "trackTokenUsage({ tokens_used: 3 })";
export const template = \`trackTokenUsage({ tokens_used: \${4} })\`;
export async function POST() {
  return openai.chat.completions.create({ model: 'gpt-4o', messages: [] });
}
`,
      filename: ROUTE,
    },
    {
      name: 'configured field names (options are the codemod config)',
      code: completionThenTrack(
        'recordUsage',
        `    tokens_used: completion.usage?.total_tokens ?? 0,
    requestId: completion.id,
    createdAt: completion.created,
    fingerprint: completion.system_fingerprint,`,
        `import { openai } from '@/lib/openai';\nimport { recordUsage } from '@/lib/usage';\n`,
      ),
      filename: ROUTE,
      options: [
        {
          callees: ['recordUsage'],
          fieldNames: {
            openai_request_id: 'requestId',
            openai_created: 'createdAt',
            system_fingerprint: 'fingerprint',
          },
        },
      ],
    },
  ],
  invalid: [
    {
      name: 'named import: reports the call and suggests the codemod edit',
      code: completionThenTrack('trackTokenUsage', USAGE_FIELDS),
      filename: ROUTE,
      errors: [
        {
          messageId: 'missingFields',
          data: { callee: 'trackTokenUsage', fields: ALL, source: 'completion' },
          line: 6,
          column: 9,
          endLine: 14,
          endColumn: 5,
          suggestions: [
            {
              messageId: 'suggestAdd',
              data: { fields: ALL, source: 'completion' },
              output: completionThenTrack('trackTokenUsage', `${USAGE_FIELDS}${ADDED_FROM_COMPLETION}`),
            },
          ],
        },
      ],
    },
    {
      name: 'aliased import',
      code: completionThenTrack(
        'track',
        USAGE_FIELDS,
        `import { openai } from '@/lib/openai';\nimport { trackTokenUsage as track } from '@/lib/tokens/tracking';\n`,
      ),
      filename: ROUTE,
      errors: [
        {
          messageId: 'missingFields',
          data: { callee: 'track', fields: ALL, source: 'completion' },
          suggestions: [
            {
              messageId: 'suggestAdd',
              output: completionThenTrack(
                'track',
                `${USAGE_FIELDS}${ADDED_FROM_COMPLETION}`,
                `import { openai } from '@/lib/openai';\nimport { trackTokenUsage as track } from '@/lib/tokens/tracking';\n`,
              ),
            },
          ],
        },
      ],
    },
    {
      name: 'namespace import',
      code: completionThenTrack(
        'tracking.trackTokenUsage',
        USAGE_FIELDS,
        `import { openai } from '@/lib/openai';\nimport * as tracking from '@/lib/tokens/tracking';\n`,
      ),
      filename: ROUTE,
      errors: [
        {
          messageId: 'missingFields',
          data: { callee: 'tracking.trackTokenUsage', fields: ALL, source: 'completion' },
          suggestions: [
            {
              messageId: 'suggestAdd',
              output: completionThenTrack(
                'tracking.trackTokenUsage',
                `${USAGE_FIELDS}${ADDED_FROM_COMPLETION}`,
                `import { openai } from '@/lib/openai';\nimport * as tracking from '@/lib/tokens/tracking';\n`,
              ),
            },
          ],
        },
      ],
    },
    {
      name: 'same-file definition: its parameter type decides how a possibly-missing value is written',
      code: `import OpenAI from 'openai';
const client = new OpenAI();

async function trackTokenUsage(usage: {
  tokens_used: number;
  openai_request_id: string;
  openai_created: number;
  system_fingerprint: string | null;
}) {
  console.log(usage);
}

export async function run() {
  const completion = await client.chat.completions.create({ model: 'gpt-4o', messages: [] });
  await trackTokenUsage({ tokens_used: completion.usage?.total_tokens ?? 0 });
}
`,
      filename: ROUTE,
      errors: [
        {
          messageId: 'missingFields',
          data: { callee: 'trackTokenUsage', fields: ALL, source: 'completion' },
          line: 15,
          suggestions: [
            {
              messageId: 'suggestAdd',
              output: `import OpenAI from 'openai';
const client = new OpenAI();

async function trackTokenUsage(usage: {
  tokens_used: number;
  openai_request_id: string;
  openai_created: number;
  system_fingerprint: string | null;
}) {
  console.log(usage);
}

export async function run() {
  const completion = await client.chat.completions.create({ model: 'gpt-4o', messages: [] });
  await trackTokenUsage({ tokens_used: completion.usage?.total_tokens ?? 0, openai_request_id: completion.id, openai_created: completion.created, system_fingerprint: completion.system_fingerprint ?? null });
}
`,
            },
          ],
        },
      ],
    },
    {
      name: 'argument is a local const object literal: the suggestion edits the literal',
      code: `${IMPORTS}
export async function POST() {
  const completion = await openai.chat.completions.create({ model: 'gpt-4o', messages: [] });
  const usage = {
${USAGE_FIELDS}
  };
  await trackTokenUsage(usage);
}
`,
      filename: ROUTE,
      errors: [
        {
          messageId: 'missingFields',
          line: 15,
          column: 9,
          suggestions: [
            {
              messageId: 'suggestAdd',
              output: `${IMPORTS}
export async function POST() {
  const completion = await openai.chat.completions.create({ model: 'gpt-4o', messages: [] });
  const usage = {
${USAGE_FIELDS}${ADDED_FROM_COMPLETION}
  };
  await trackTokenUsage(usage);
}
`,
            },
          ],
        },
      ],
    },
    {
      name: 'partially complete: names only the missing fields',
      code: completionThenTrack('trackTokenUsage', `${USAGE_FIELDS}\n    openai_request_id: completion.id,`),
      filename: ROUTE,
      errors: [
        {
          messageId: 'missingFields',
          data: { callee: 'trackTokenUsage', fields: '`openai_created`, `system_fingerprint`', source: 'completion' },
          suggestions: [
            {
              messageId: 'suggestAdd',
              data: { fields: '`openai_created`, `system_fingerprint`', source: 'completion' },
              output: completionThenTrack(
                'trackTokenUsage',
                `${USAGE_FIELDS}
    openai_request_id: completion.id,
    openai_created: completion.created,
    system_fingerprint: completion.system_fingerprint,`,
              ),
            },
          ],
        },
      ],
    },
    {
      name: 'manual: two completions and nothing ties the call to one; the reason, no suggestion',
      code: `${IMPORTS}
export async function POST() {
  const first = await openai.chat.completions.create({ model: 'gpt-4o', messages: [] });
  const second = await openai.chat.completions.create({ model: 'gpt-4o', messages: [] });
  await trackTokenUsage({ user_id: 'u1', success: true });
  return [first, second];
}
`,
      filename: ROUTE,
      errors: [
        {
          messageId: 'manual',
          data: {
            callee: 'trackTokenUsage',
            fields: ALL,
            reason:
              "`first`, `second` could each be this call's result (from the results in scope) and nothing ties the call to one: pass the fields from the right one by hand",
          },
          line: 7,
          suggestions: [],
        },
      ],
    },
    {
      name: 'provider-unknown: a model picked by a runtime provider string is never guessed; no suggestion',
      code: `import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAI } from '@ai-sdk/openai';
import { generateText } from 'ai';
import { trackTokenUsage } from '@/lib/tokens/tracking';

function getModel(provider: string) {
  if (provider === 'anthropic') return createAnthropic({})('claude-sonnet-4-5');
  return createOpenAI({})('gpt-4o');
}

export async function POST(provider: string) {
  const result = await generateText({ model: getModel(provider), prompt: 'hi' });
  await trackTokenUsage({ user_id: 'u1', action_type: 'chat', model_used: 'x', tokens_used: result.usage.totalTokens ?? 0, success: true });
}
`,
      filename: ROUTE,
      errors: [{ messageId: 'manual', line: 13, suggestions: [] }],
    },
    {
      name: 'suspect-value: an id read behind the AI Gateway is reported, with no suggestion (nothing is certain)',
      code: `import { generateText } from 'ai';
import { trackTokenUsage } from '@/lib/tokens/tracking';

export async function POST() {
  const { usage, response } = await generateText({ model: 'openai/gpt-4o', prompt: 'hi' });
  await trackTokenUsage({
    user_id: 'u1',
    action_type: 'chat',
    model_used: 'gpt-4o',
    tokens_used: usage.totalTokens ?? 0,
    success: true,
    openai_request_id: response?.id,
    openai_created: Math.floor(response.timestamp.getTime() / 1000),
    system_fingerprint: null,
  });
}
`,
      filename: ROUTE,
      errors: [{ messageId: 'suspectValue', line: 6, suggestions: [] }],
    },
    {
      name: 'suspect-value: a transcription body id is always undefined; the suggestion reads `_request_id`',
      code: `${IMPORTS}
export async function POST(file: File) {
  const transcription = await openai.audio.transcriptions.create({ file, model: 'whisper-1' });
  await trackTokenUsage({
    user_id: 'u1',
    action_type: 'transcribe',
    model_used: 'whisper-1',
    tokens_used: 0,
    success: true,
    openai_request_id: (transcription as any).id,
    openai_created: null,
    system_fingerprint: null,
  });
}
`,
      filename: ROUTE,
      errors: [
        {
          messageId: 'suspectValue',
          line: 6,
          suggestions: [
            {
              messageId: 'suggestReplace',
              data: { values: '`openai_request_id: (transcription as any).id` by `transcription._request_id`' },
              output: `${IMPORTS}
export async function POST(file: File) {
  const transcription = await openai.audio.transcriptions.create({ file, model: 'whisper-1' });
  await trackTokenUsage({
    user_id: 'u1',
    action_type: 'transcribe',
    model_used: 'whisper-1',
    tokens_used: 0,
    success: true,
    openai_request_id: transcription._request_id,
    openai_created: null,
    system_fingerprint: null,
  });
}
`,
            },
          ],
        },
      ],
    },
    {
      name: 'manual: positional arguments',
      code: `import { trackTokenUsage } from './tracking';
trackTokenUsage('u1', 42);
`,
      filename: ROUTE,
      errors: [{ messageId: 'manual', line: 2, column: 1, suggestions: [] }],
    },
    {
      name: 'streamText onFinish: the suggestion adds `response` to the destructuring',
      code: `import { streamText } from 'ai';
import { chatModel } from '@/lib/ai/model';
import { trackTokenUsage } from '@/lib/tokens/tracking';

export function POST() {
  return streamText({
    model: chatModel,
    prompt: 'hi',
    onFinish: async ({ usage }) => {
      await trackTokenUsage({
        user_id: 'u1',
        action_type: 'chat',
        model_used: 'gpt-4o',
        tokens_used: usage.totalTokens ?? 0,
        input_tokens: usage.inputTokens ?? 0,
        output_tokens: usage.outputTokens ?? 0,
        success: true,
      });
    },
  });
}
`,
      filename: ROUTE,
      errors: [
        {
          messageId: 'missingFields',
          data: { callee: 'trackTokenUsage', fields: ALL, source: 'response' },
          line: 10,
          column: 13,
          suggestions: [
            {
              messageId: 'suggestAdd',
              output: `import { streamText } from 'ai';
import { chatModel } from '@/lib/ai/model';
import { trackTokenUsage } from '@/lib/tokens/tracking';

export function POST() {
  return streamText({
    model: chatModel,
    prompt: 'hi',
    onFinish: async ({ usage, response }) => {
      await trackTokenUsage({
        user_id: 'u1',
        action_type: 'chat',
        model_used: 'gpt-4o',
        tokens_used: usage.totalTokens ?? 0,
        input_tokens: usage.inputTokens ?? 0,
        output_tokens: usage.outputTokens ?? 0,
        success: true,
        openai_request_id: response.id,
        openai_created: Math.floor(response.timestamp.getTime() / 1000),
        system_fingerprint: null,
      });
    },
  });
}
`,
            },
          ],
        },
      ],
    },
    {
      name: 'configured callee and field names',
      code: completionThenTrack(
        'recordUsage',
        `    tokens_used: completion.usage?.total_tokens ?? 0,`,
        `import { openai } from '@/lib/openai';\nimport { recordUsage } from '@/lib/usage';\n`,
      ),
      filename: ROUTE,
      options: [
        {
          callees: ['recordUsage'],
          fieldNames: {
            openai_request_id: 'requestId',
            openai_created: 'createdAt',
            system_fingerprint: 'fingerprint',
          },
        },
      ],
      errors: [
        {
          messageId: 'missingFields',
          data: { callee: 'recordUsage', fields: '`requestId`, `createdAt`, `fingerprint`', source: 'completion' },
          suggestions: [
            {
              messageId: 'suggestAdd',
              output: completionThenTrack(
                'recordUsage',
                `    tokens_used: completion.usage?.total_tokens ?? 0,
    requestId: completion.id,
    createdAt: completion.created,
    fingerprint: completion.system_fingerprint,`,
                `import { openai } from '@/lib/openai';\nimport { recordUsage } from '@/lib/usage';\n`,
              ),
            },
          ],
        },
      ],
    },
    {
      name: 'CRLF file: offsets line up and the suggestion keeps CRLF',
      code: completionThenTrack('trackTokenUsage', USAGE_FIELDS).replace(/\n/g, '\r\n'),
      filename: ROUTE,
      errors: [
        {
          messageId: 'missingFields',
          line: 6,
          column: 9,
          suggestions: [
            {
              messageId: 'suggestAdd',
              output: completionThenTrack('trackTokenUsage', `${USAGE_FIELDS}${ADDED_FROM_COMPLETION}`).replace(
                /\n/g,
                '\r\n',
              ),
            },
          ],
        },
      ],
    },
    {
      name: 'JavaScript file, CommonJS require of the tracker',
      code: `const { trackTokenUsage } = require('./tracking');
const OpenAI = require('openai');
const client = new OpenAI();

async function run() {
  const completion = await client.chat.completions.create({ model: 'gpt-4o', messages: [] });
  await trackTokenUsage({ tokens_used: completion.usage.total_tokens });
}
module.exports = { run };
`,
      filename: ROUTE_JS,
      errors: [
        {
          messageId: 'missingFields',
          line: 7,
          suggestions: [
            {
              messageId: 'suggestAdd',
              output: `const { trackTokenUsage } = require('./tracking');
const OpenAI = require('openai');
const client = new OpenAI();

async function run() {
  const completion = await client.chat.completions.create({ model: 'gpt-4o', messages: [] });
  await trackTokenUsage({ tokens_used: completion.usage.total_tokens, openai_request_id: completion.id, openai_created: completion.created, system_fingerprint: completion.system_fingerprint });
}
module.exports = { run };
`,
            },
          ],
        },
      ],
    },
    {
      name: "the tracker's type lacks the fields, in another file: no suggestion (this file's edit alone would not compile), that file named",
      code: OLD_TRACKER_CALL,
      filename: BESIDE_OLD_TRACKER,
      errors: [
        {
          messageId: 'missingFieldsTrackerElsewhere',
          data: {
            callee: 'trackTokenUsage',
            fields: ALL,
            source: 'completion',
            // The rule tester's working directory is `/`: the file is named by its absolute path.
            tracker: `the tracker's parameter type \`TokenUsage\` in ${resolve(BESIDE_OLD_TRACKER, '../tracking.ts')}`,
          },
          line: 8,
          column: 9,
          suggestions: [],
        },
      ],
    },
    {
      name: "the tracker's type lacks the fields, in this file: the suggestion adds them to the type and its row too, as the codemod does",
      code: trackerHere('', '', ''),
      filename: ROUTE,
      errors: [
        {
          messageId: 'missingFields',
          // The call's position in the text as it is (the engine planned it in the text with the type extended).
          line: 17,
          column: 9,
          endLine: 17,
          endColumn: 93,
          suggestions: [
            {
              messageId: 'suggestAddWithTracker',
              data: {
                fields: ALL,
                source: 'completion',
                tracker: "the tracker's parameter type `TokenUsage` in this file",
              },
              output: trackerHere(
                `
  openai_request_id?: string | null;
  openai_created?: number | null;
  system_fingerprint?: string | null;`,
                ', openai_request_id: usage.openai_request_id ?? null, openai_created: usage.openai_created ?? null, system_fingerprint: usage.system_fingerprint ?? null',
                ', openai_request_id: completion.id, openai_created: completion.created, system_fingerprint: completion.system_fingerprint',
              ),
            },
          ],
        },
      ],
    },
  ],
});
