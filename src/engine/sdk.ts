// The result kinds live in result-kinds.ts (one table); re-exported here for the engine's older imports.
export {
  AI_SDK_FUNCTIONS,
  AI_SDK_STREAMING,
  RESULT_KINDS,
  renderRead,
  type FieldReader,
  type ResultKind,
} from './result-kinds.js';

/** Packages whose clients are other providers: their ids are never OpenAI ids. */
export const OTHER_PROVIDER_PACKAGES = [
  '@anthropic-ai/sdk',
  '@google/generative-ai',
  '@google/genai',
  '@google-cloud/vertexai',
  'groq-sdk',
  'together-ai',
  '@mistralai/mistralai',
  'cohere-ai',
  'replicate',
  '@ai-sdk/anthropic',
  '@ai-sdk/google',
  '@ai-sdk/google-vertex',
  '@ai-sdk/mistral',
  '@ai-sdk/groq',
  '@ai-sdk/cohere',
  '@ai-sdk/amazon-bedrock',
  '@ai-sdk/xai',
  '@ai-sdk/deepseek',
  '@openrouter/ai-sdk-provider',
];

/** The openai package's client classes (a client of another class is not taken for one). */
export const OPENAI_CLIENT_CLASSES = ['OpenAI', 'AzureOpenAI'];
