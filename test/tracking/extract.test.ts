import type { ToolSet, GenerateTextResult, StreamTextOnFinishCallback, LanguageModelResponseMetadata } from 'ai';
import type { APIPromise } from 'openai/core/api-promise';
import type { ChatCompletion, ChatCompletionChunk } from 'openai/resources/chat/completions';
import type { Response } from 'openai/resources/responses/responses';
import type { ImagesResponse } from 'openai/resources/images';
import type { Transcription } from 'openai/resources/audio/transcriptions';
import type { CreateEmbeddingResponse } from 'openai/resources/embeddings';
import { describe, expect, it } from 'vitest';
import { extractReconciliationFields } from '../../src/tracking/index.js';

// These objects are typed with the installed SDKs' own types, so the whole-project type check (`npm run build`, which
// `npm test` runs first, in test/global-setup.ts) fails if a shape drifts from what the SDK declares.

/** What awaiting an openai-node call gives: the body plus the non-enumerable `_request_id` (see addRequestID). */
type AwaitedCall<T> = Awaited<APIPromise<T>>;
function awaitedBody<T extends object>(body: T, requestId: string): AwaitedCall<T> {
  return Object.defineProperty(body, '_request_id', { value: requestId, enumerable: false }) as AwaitedCall<T>;
}
type WithResponse<T> = Awaited<ReturnType<APIPromise<T>['withResponse']>>;
const httpResponse = new globalThis.Response('{}', { headers: { 'x-request-id': 'req_header123' } });

const chatCompletion: ChatCompletion = {
  id: 'chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT',
  object: 'chat.completion',
  created: 1741570283,
  model: 'gpt-4o-2024-08-06',
  system_fingerprint: 'fp_44709d6fcb',
  choices: [
    {
      index: 0,
      finish_reason: 'stop',
      logprobs: null,
      message: { role: 'assistant', content: 'Hello', refusal: null },
    },
  ],
  usage: { prompt_tokens: 9, completion_tokens: 1, total_tokens: 10 },
};

const responsesResult: Response = {
  id: 'resp_67ccd2bed1ec8190b14f964abc0542670bb6a6b452d3795b',
  object: 'response',
  created_at: 1741476542,
  model: 'gpt-4.1-2025-04-14',
  output_text: 'Hello',
  output: [],
  error: null,
  incomplete_details: null,
  instructions: null,
  metadata: null,
  parallel_tool_calls: true,
  temperature: 1,
  tool_choice: 'auto',
  tools: [],
  top_p: 1,
};

const aiSdkResponse: LanguageModelResponseMetadata = {
  id: 'chatcmpl-AISDK123',
  timestamp: new Date('2025-11-16T14:12:18.999Z'),
  modelId: 'gpt-4o-2024-08-06',
};
const aiSdkFields = { openai_request_id: 'chatcmpl-AISDK123', openai_created: 1763302338, system_fingerprint: null };

describe('extractReconciliationFields', () => {
  it('reads a chat completion: id, created, system_fingerprint', () => {
    expect(extractReconciliationFields(awaitedBody(chatCompletion, 'req_abc'))).toEqual({
      openai_request_id: 'chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT',
      openai_created: 1741570283,
      system_fingerprint: 'fp_44709d6fcb',
    });
  });

  it('gives a null fingerprint where the completion has none (Azure, newer models)', () => {
    const { system_fingerprint: _, ...withoutFingerprint } = chatCompletion;
    const completion: ChatCompletion = withoutFingerprint;
    expect(extractReconciliationFields(completion).system_fingerprint).toBeNull();
  });

  it('reads a stream chunk', () => {
    const chunk: ChatCompletionChunk = {
      id: 'chatcmpl-chunk1',
      object: 'chat.completion.chunk',
      created: 1741570284,
      model: 'gpt-4o',
      system_fingerprint: 'fp_chunk',
      choices: [{ index: 0, delta: { content: 'Hi' }, finish_reason: null }],
    };
    expect(extractReconciliationFields(chunk)).toEqual({
      openai_request_id: 'chatcmpl-chunk1',
      openai_created: 1741570284,
      system_fingerprint: 'fp_chunk',
    });
  });

  it('reads a Responses API result: id, created_at, no fingerprint', () => {
    expect(extractReconciliationFields(awaitedBody(responsesResult, 'req_abc'))).toEqual({
      openai_request_id: 'resp_67ccd2bed1ec8190b14f964abc0542670bb6a6b452d3795b',
      openai_created: 1741476542,
      system_fingerprint: null,
    });
  });

  it('reads the body of a .withResponse() pair', () => {
    const pair: WithResponse<ChatCompletion> = {
      data: chatCompletion,
      response: httpResponse,
      request_id: 'req_header123',
    };
    expect(extractReconciliationFields(pair)).toEqual(extractReconciliationFields(chatCompletion));
  });

  it('falls back to the x-request-id header of a .withResponse() pair when the body has no id', () => {
    const pair: WithResponse<Transcription> = {
      data: { text: 'hello' },
      response: httpResponse,
      request_id: 'req_header123',
    };
    expect(extractReconciliationFields(pair)).toEqual({
      openai_request_id: 'req_header123',
      openai_created: null,
      system_fingerprint: null,
    });
  });

  it('reads _request_id of an awaited transcription', () => {
    const transcription = awaitedBody<Transcription>({ text: 'hello world' }, 'req_transcribe1');
    expect(Object.keys(transcription)).toEqual(['text']); // non-enumerable, as openai-node makes it
    expect(extractReconciliationFields(transcription)).toEqual({
      openai_request_id: 'req_transcribe1',
      openai_created: null,
      system_fingerprint: null,
    });
  });

  it('reads _request_id and created of an awaited images result', () => {
    const images = awaitedBody<ImagesResponse>(
      { created: 1741570300, data: [{ url: 'https://example.com/a.png' }] },
      'req_image1',
    );
    expect(extractReconciliationFields(images)).toEqual({
      openai_request_id: 'req_image1',
      openai_created: 1741570300,
      system_fingerprint: null,
    });
  });

  it('reads _request_id of an awaited embeddings result, with no created', () => {
    const embeddings = awaitedBody<CreateEmbeddingResponse>(
      { object: 'list', model: 'text-embedding-3-small', data: [], usage: { prompt_tokens: 3, total_tokens: 3 } },
      'req_embed1',
    );
    expect(extractReconciliationFields(embeddings)).toEqual({
      openai_request_id: 'req_embed1',
      openai_created: null,
      system_fingerprint: null,
    });
  });

  it('reads an AI SDK generateText result: response.id and the timestamp in whole seconds', () => {
    // The fields that matter of a GenerateTextResult, typed against it; the rest of the result is irrelevant here.
    const result: Pick<GenerateTextResult<ToolSet, never>, 'response'> = {
      response: { ...aiSdkResponse, messages: [], body: { system_fingerprint: 'fp_not_parsed' } },
    };
    expect(extractReconciliationFields(result)).toEqual(aiSdkFields);
  });

  it('reads an AI SDK streamText onFinish event and an awaited result.response', () => {
    type OnFinishEvent = Parameters<StreamTextOnFinishCallback<ToolSet>>[0];
    const event: Pick<OnFinishEvent, 'response'> = { response: { ...aiSdkResponse, messages: [] } };
    expect(extractReconciliationFields(event)).toEqual(aiSdkFields);
    expect(extractReconciliationFields(aiSdkResponse)).toEqual(aiSdkFields);
  });

  it('treats an id the AI SDK made up (no provider id) as no id', () => {
    const invented: LanguageModelResponseMetadata = { ...aiSdkResponse, id: 'aitxt-Xb3k9Qm2Lp0Zr7Tw5Yv1Nc8D' };
    expect(extractReconciliationFields({ response: invented })).toEqual({
      openai_request_id: null,
      openai_created: null,
      system_fingerprint: null,
    });
  });

  it('reads an openai v3 (axios) response', () => {
    expect(extractReconciliationFields({ status: 200, headers: {}, data: chatCompletion })).toEqual(
      extractReconciliationFields(chatCompletion),
    );
  });

  it.each([
    ['undefined', undefined],
    ['a string', 'chatcmpl-abc'],
    ['an Anthropic message', { id: 'msg_01XFDUDYJgAACzvnptvVoYEL', type: 'message', role: 'assistant', content: [] }],
    ['an object with only an id', { id: 'chatcmpl-abc', created: 1741570283 }],
    ['a streamText result whose response is still a promise', { response: Promise.resolve(aiSdkResponse) }],
  ])('returns all nulls for %s', (_, value) => {
    expect(extractReconciliationFields(value)).toEqual({
      openai_request_id: null,
      openai_created: null,
      system_fingerprint: null,
    });
  });

  it('never passes on a created value that is not unix seconds', () => {
    expect(extractReconciliationFields({ ...chatCompletion, created: 1741570283123 }).openai_created).toBeNull();
    expect(extractReconciliationFields({ ...chatCompletion, created: 1741570283.5 }).openai_created).toBeNull();
    expect(
      extractReconciliationFields({ response: { ...aiSdkResponse, timestamp: new Date(Number.NaN) } }).openai_created,
    ).toBeNull();
  });
});
