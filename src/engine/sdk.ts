// The result kinds live in result-kinds.ts (one table); re-exported here for the engine's older imports.
export {
  AI_SDK_FUNCTIONS,
  AI_SDK_STREAMING,
  RESULT_KINDS,
  renderRead,
  type FieldReader,
  type ResultKind,
} from './result-kinds.js';

/**
 * Other providers' own APIs, by host: an OpenAI SDK client whose `baseURL` is one of them, or a raw `fetch` there, calls
 * that provider, never OpenAI, so the OpenAI fields are certainly null. Gateways and proxies (OpenRouter, LiteLLM, a
 * company proxy), which may route a request to OpenAI, are never here: their calls stay manual or get the gateway
 * fields.
 */
export const OTHER_PROVIDER_API_HOSTS: Readonly<Record<string, string>> = {
  'api.anthropic.com': 'Anthropic',
  'api.cohere.ai': 'Cohere',
  'api.cohere.com': 'Cohere',
  'api.deepseek.com': 'DeepSeek',
  'api.fireworks.ai': 'Fireworks AI',
  'api.groq.com': 'Groq',
  'api.mistral.ai': 'Mistral',
  'api.perplexity.ai': 'Perplexity',
  'api.together.xyz': 'Together AI',
  'api.replicate.com': 'Replicate',
  'api-inference.huggingface.co': 'Hugging Face',
  'router.huggingface.co': 'Hugging Face',
  'api.x.ai': 'xAI',
  'generativelanguage.googleapis.com': 'Google Gemini',
};

/** The provider whose own API `url` is (`https://api.deepseek.com/v1` → DeepSeek), if it is one. */
export function otherProviderApi(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' && !parsed.port ? OTHER_PROVIDER_API_HOSTS[parsed.hostname] : undefined;
  } catch {
    return undefined;
  }
}

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
