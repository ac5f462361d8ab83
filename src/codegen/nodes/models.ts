/**
 * Chat models: LanguageModelComponent (≤1.7 `provider` + `model_name`; 1.8+ a `model` list whose
 * item names the provider and `metadata.model_class`) and the legacy per-provider nodes. All of
 * them build their client through the module's `make_chat_model`, so the deployer's environment
 * (OPENAI_BASE_URL, API keys, OLLAMA_BASE_URL) applies and tests can swap in a fake.
 */
import type { Arg } from '../render.js';
import { input, num, str, type GenContext, type NodeGenerator } from './generator.js';

const PROVIDERS: Record<string, { id: string; keyEnv: string | null }> = {
  openai: { id: 'openai', keyEnv: 'OPENAI_API_KEY' },
  anthropic: { id: 'anthropic', keyEnv: 'ANTHROPIC_API_KEY' },
  google: { id: 'google', keyEnv: 'GOOGLE_API_KEY' },
  'google generative ai': { id: 'google', keyEnv: 'GOOGLE_API_KEY' },
  ollama: { id: 'ollama', keyEnv: null },
};

const BY_CLASS: Record<string, string> = {
  ChatOpenAI: 'openai',
  ChatAnthropic: 'anthropic',
  ChatGoogleGenerativeAI: 'google',
  ChatOllama: 'ollama',
};

export const SUPPORTED_PROVIDERS = 'OpenAI, Anthropic, Google, Ollama';

interface Choice {
  provider: string;
  model: string;
}

/** The provider/model a node selects, null when none is selected (chosen at run time). */
function selected(ctx: GenContext, fixedProvider?: string): Choice | null {
  const raw = ctx.node.inputs.model?.kind === 'const' ? ctx.node.inputs.model.value : undefined;
  let provider = fixedProvider ?? '';
  let model = '';
  if (Array.isArray(raw) && raw.length > 0 && raw[0] && typeof raw[0] === 'object') {
    const item = raw[0] as { name?: unknown; provider?: unknown; metadata?: { model_class?: unknown } };
    const cls = typeof item.metadata?.model_class === 'string' ? item.metadata.model_class : '';
    provider = typeof item.provider === 'string' ? item.provider : (BY_CLASS[cls] ?? cls);
    model = typeof item.name === 'string' ? item.name : '';
  } else {
    // ≤1.7: LanguageModelComponent names it in `provider`, the Agent in `agent_llm`.
    if (!fixedProvider) provider = str(ctx, 'provider') || str(ctx, 'agent_llm');
    model = str(ctx, 'model_name') || (typeof raw === 'string' ? raw : '');
  }
  if (!provider && !model) return null;
  const known = PROVIDERS[provider.toLowerCase()];
  if (!known) {
    ctx.fail('model', `model provider "${provider}" is not supported (supported: ${SUPPORTED_PROVIDERS})`, 'pick one of the supported providers in LangFlow');
  }
  return { provider: known.id, model };
}

/**
 * The `make_chat_model(...)` arguments of a model node. `fixedProvider` for legacy nodes.
 * With an edge into `model`/`llm` the node uses that model and builds none (returns null).
 */
export function modelArgs(ctx: GenContext, fixedProvider?: string): { provider: string; model: string; params: Array<{ name: string; arg: Arg }> } | null {
  for (const field of ['model', 'llm']) {
    if (ctx.params.has(field)) return null;
  }
  ctx.usesModel();
  const choice = selected(ctx, fixedProvider);
  if (!choice || !choice.model) {
    ctx.warn('model', 'no model selected: chosen at run time from FLOWC_MODEL or the provider keys in the environment (docs/compiler.md)');
  }
  const provider = choice?.provider ?? '';
  const params: Array<{ name: string; arg: Arg }> = [];
  const temperature = num(ctx, 'temperature');
  if (temperature !== null) params.push({ name: 'temperature', arg: { value: temperature } });
  const maxTokens = num(ctx, 'max_tokens');
  if (maxTokens !== null && maxTokens > 0) params.push({ name: 'max_tokens', arg: { value: Math.trunc(maxTokens) } });
  for (const field of ['ollama_base_url', 'base_url', 'openai_api_base', 'anthropic_api_url']) {
    if (!(field in ctx.node.fields)) continue;
    // LanguageModelComponent carries Ollama's URL whatever the provider: only Ollama reads it.
    if (field === 'ollama_base_url' && provider !== 'ollama') continue;
    const arg = input(ctx, field);
    if ('param' in arg || ('value' in arg && arg.value)) params.push({ name: 'base_url', arg });
    break;
  }
  const keyField = ['api_key', 'openai_api_key', 'anthropic_api_key', 'google_api_key'].find((f) => ctx.node.fields[f]?.password);
  if (keyField && provider !== 'ollama') {
    // Empty key + provider chosen at run time: the client reads its own conventional variable.
    const secret = ctx.secret(keyField, provider ? (PROVIDERS[provider]?.keyEnv ?? null) : null);
    if (secret) params.push({ name: 'api_key', arg: secret });
  }
  return { provider, model: choice?.model ?? '', params };
}

function modelNode(types: string[], fixedProvider?: string): NodeGenerator {
  return {
    types,
    template: 'nodes/language_model.py',
    outputs: { text_output: 'Message', model_output: 'Any' },
    vars(ctx) {
      const args = modelArgs(ctx, fixedProvider);
      if (!args) ctx.fail('model', 'a model fed by an edge is not supported on this node', 'select the model in the node itself');
      return {
        built: args,
        system_message: input(ctx, 'system_message'),
        input_value: input(ctx, 'input_value'),
      };
    },
  };
}

export const languageModel = modelNode(['LanguageModelComponent']);
export const openaiModel = modelNode(['OpenAIModel'], 'openai');
export const anthropicModel = modelNode(['AnthropicModel'], 'anthropic');
export const googleModel = modelNode(['GoogleGenerativeAIModel'], 'google');
export const ollamaModel = modelNode(['OllamaModel'], 'ollama');
