/** The fetch body pass (src/engine/sources/fetch-json.ts): what the JSON body of a raw `fetch` is. */
import { describe, expect, it } from 'vitest';
import { RESULT_KINDS } from '../../src/engine/result-kinds.js';
import { classifyFetchJson, classifyOllamaJson } from '../../src/engine/sources/fetch-json.js';
import { isCall, passProject } from './pass-project.js';

const p = passProject({
  '/app/route.ts': `const CHAT = 'https://api.openai.com/v1/chat/completions';
const loopA = loopB;
const loopB = loopA;
async function run(endpoint: string) {
  const r1 = await fetch(CHAT, {});
  const d1 = await r1.json();
  const r2 = await fetch('https://api.anthropic.com/v1/messages', {});
  const d2 = await r2.json();
  const r3 = await fetch(loopA, {});
  const d3 = await r3.json();
  const r4 = await fetch(\`\${endpoint}/api/chat\`, {});
  const d4 = await r4.json();
  console.log(d4.eval_count);
  const r5 = await fetch('https://api.openai.com/v1/models', {});
  const d5 = await r5.json();
}
`,
});
const json = (name: string) => p.node('/app/route.ts', `${name}.json()`, isCall);

describe('classifyFetchJson', () => {
  it('an OpenAI REST endpoint is its kind, read from the body; another host is not OpenAI; a body with no id says so', () => {
    expect(classifyFetchJson(json('r1'))).toMatchObject({
      kind: RESULT_KINDS.chatCompletion,
      fetchBody: true,
      needsAwait: true,
    });
    expect(classifyFetchJson(json('r2'))?.rejection).toMatchObject({
      code: 'not-openai',
      reason: expect.stringContaining('api.anthropic.com'),
    });
    expect(classifyFetchJson(json('r5'))?.rejection).toMatchObject({ code: 'no-field-value' });
  });

  it('a URL held in a cycle of consts is not written out: no answer', () => {
    expect(classifyFetchJson(json('r3'))).toBeUndefined();
  });
});

describe('classifyOllamaJson', () => {
  it("`/api/chat` read for `eval_count` is Ollama's native API; the same body without those reads is not claimed", () => {
    expect(classifyOllamaJson(json('r4'))?.rejection).toMatchObject({
      code: 'not-openai',
      reason: expect.stringContaining('Ollama'),
    });
    expect(classifyOllamaJson(json('r1'))).toBeUndefined();
  });
});
