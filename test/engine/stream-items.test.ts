/** The stream item pass (src/engine/sources/stream-items.ts): the variable of a `for await` loop over a stream. */
import { describe, expect, it } from 'vitest';
import { classifyStreamChunk, otherProviderStreamItem } from '../../src/engine/sources/stream-items.js';
import { ts } from '../../src/engine/ts.js';
import { passProject } from './pass-project.js';

const p = passProject({
  '/app/route.ts': `import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
const openai = new OpenAI();
const anthropic = new Anthropic();
async function run() {
  const stream = await openai.chat.completions.create({ model: 'm', messages: [], stream: true });
  for await (const chunk of stream) save(chunk);
  for await (const castChunk of stream as AsyncIterable<{ choices: unknown[] }>) save(castChunk);
  const [left, right] = stream.tee();
  for await (const teed of left) save(teed);
  const events = anthropic.messages.stream({ model: 'c', messages: [] });
  for await (const event of events) save(event);
}
`,
});
const ctx = () => p.ctx('/app/route.ts');
const decl = (name: string) => p.decl('/app/route.ts', name) as ts.VariableDeclaration;

describe('classifyStreamChunk', () => {
  it('a chunk of an OpenAI chat stream (also of one half of its tee) carries the fields', () => {
    expect(classifyStreamChunk(decl('chunk'), ctx())).toMatchObject({
      type: 'source',
      base: 'chunk',
      kind: { id: expect.stringContaining('chunk') },
    });
    expect(classifyStreamChunk(decl('teed'), ctx())).toMatchObject({ type: 'source', base: 'teed' });
  });

  it('chunks typed by a cast that may lack the fields are refused', () => {
    expect(classifyStreamChunk(decl('castChunk'), ctx())).toMatchObject({ type: 'rejected', code: 'no-field-value' });
  });
});

describe('otherProviderStreamItem', () => {
  it("an item of another provider's stream is that provider's; an OpenAI chunk is not claimed here", () => {
    expect(otherProviderStreamItem(decl('event'), ctx())).toMatchObject({ type: 'rejected', code: 'not-openai' });
    expect(otherProviderStreamItem(decl('chunk'), ctx())).toBeUndefined();
  });
});
