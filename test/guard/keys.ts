/** Test keys and flows for the guard and webhook tests. Keys are random and made at run time, so no file holds one. */
import { randomBytes } from 'node:crypto';

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
export const rand = (n: number, alphabet = ALNUM): string =>
  [...randomBytes(n)].map((b) => alphabet[b % alphabet.length]).join('');
export const mixed = (n: number, alphabet = ALNUM): string => {
  for (;;) {
    const s = rand(n, alphabet);
    if (/[0-9]/.test(s) && /[A-Za-z]/.test(s) && new Set(s).size >= 10) return s;
  }
};
const UPPER_DIGITS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
export const keys = {
  openai: () => 'sk-' + 'proj-' + mixed(48, ALNUM + '_-'),
  openaiLegacy: () => 'sk-' + mixed(48),
  anthropic: () => 'sk-' + 'ant-api03-' + mixed(80, ALNUM + '_-'),
  aws: () => 'AK' + 'IA' + mixed(16, UPPER_DIGITS),
  github: () => 'gh' + 'p_' + mixed(36),
  githubPat: () => 'github' + '_pat_' + mixed(22) + '_' + mixed(59),
  slack: () => 'xo' + 'xb-' + rand(12, '0123456789') + '-' + mixed(24),
  privateKey: () =>
    ['-----BEGIN RSA ' + 'PRIVATE KEY-----', mixed(64, ALNUM + '+/'), mixed(64, ALNUM + '+/'), '-----END RSA PRIVATE KEY-----'].join('\n'),
};

/** A small LangFlow-shaped export: a chat input, a prompt, an OpenAI model. */
export function flowWith(opts: { apiKey?: string; loadFromDb?: boolean; prompt?: string } = {}): string {
  const node = (id: string, template: Record<string, unknown>) => ({
    id,
    type: 'genericNode',
    position: { x: 0, y: 0 },
    data: { id, type: id.split('-')[0], node: { template: { _type: 'Component', ...template } } },
  });
  const flow = {
    id: 'demo',
    name: 'Demo',
    data: {
      nodes: [
        node('ChatInput-a1', { input_value: { value: 'hi', password: false } }),
        node('Prompt-b2', { template: { name: 'template', value: opts.prompt ?? 'Answer: {question}', password: false } }),
        node('OpenAIModel-c3', {
          model_name: { value: 'gpt-4o-mini' },
          api_key: { name: 'api_key', password: true, load_from_db: opts.loadFromDb ?? false, value: opts.apiKey ?? '' },
        }),
      ],
      edges: [],
    },
  };
  return JSON.stringify(flow, null, 2);
}

