/**
 * What LangFlow calls a component is not stable: `data.type` drifts (`parser` vs
 * `ParserComponent`, `Prompt` vs `Prompt Template`), while `metadata.module` (1.6+) names the
 * class. Both are mapped to one canonical type here; the codegen registry keys on it.
 */

/** Class name (last segment of `metadata.module`) → canonical type. */
const BY_CLASS: Record<string, string> = {
  ChatInput: 'ChatInput',
  ChatOutput: 'ChatOutput',
  TextInputComponent: 'TextInput',
  TextOutputComponent: 'TextOutput',
  PromptComponent: 'Prompt',
  LanguageModelComponent: 'LanguageModelComponent',
  MemoryComponent: 'Memory',
  ParserComponent: 'ParserComponent',
  StructuredOutputComponent: 'StructuredOutput',
  OpenAIModelComponent: 'OpenAIModel',
  AnthropicModelComponent: 'AnthropicModel',
  ChatOllamaComponent: 'OllamaModel',
  GoogleGenerativeAIComponent: 'GoogleGenerativeAIModel',
  URLComponent: 'URLComponent',
  AgentComponent: 'Agent',
  CalculatorComponent: 'CalculatorComponent',
  LoopComponent: 'LoopComponent',
  ConditionalRouterComponent: 'ConditionalRouter',
};

/** `data.type` spellings → canonical type. */
const BY_TYPE: Record<string, string> = {
  parser: 'ParserComponent',
  Parser: 'ParserComponent',
  'Prompt Template': 'Prompt',
  URL: 'URLComponent',
  TextInputComponent: 'TextInput',
  TextOutputComponent: 'TextOutput',
  ChatOllama: 'OllamaModel',
  OllamaModel: 'OllamaModel',
  GoogleGenerativeAIModel: 'GoogleGenerativeAIModel',
  'Google Generative AI': 'GoogleGenerativeAIModel',
  'Chat Input': 'ChatInput',
  'Chat Output': 'ChatOutput',
  'Text Input': 'TextInput',
  'Text Output': 'TextOutput',
  MessageHistory: 'Memory',
  'Message History': 'Memory',
  RouterComponent: 'ConditionalRouter',
};

/** Node types whose cycles are by design (feedback into a loop or a router). */
export const CYCLE_TYPES = new Set(['LoopComponent', 'ConditionalRouter', 'SmartRouter']);

export function canonicalType(dataType: string | null | undefined, module: string | null | undefined): string {
  const cls = module ? module.slice(module.lastIndexOf('.') + 1) : '';
  if (cls && BY_CLASS[cls]) return BY_CLASS[cls];
  const t = dataType ?? '';
  return BY_TYPE[t] ?? (t || cls || 'Unknown');
}
