/**
 * Builds LangFlow-shaped export JSON for tests: nodes with typed template fields and outputs,
 * edges with both `data` handles and the `œ` handle strings, like LangFlow writes them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../helpers/python.js';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export interface FieldSpec {
  value?: Json;
  type?: string;
  input_types?: string[];
  password?: boolean;
  load_from_db?: boolean;
  _input_type?: string;
}

export interface NodeSpec {
  id: string;
  type: string;
  display_name?: string;
  fields?: Record<string, FieldSpec | Json>;
  outputs?: Array<string | { name: string; types: string[] }>;
  custom_fields?: Record<string, string[]>;
  module?: string;
}

const OUTPUT_TYPES: Record<string, string[]> = {
  message: ['Message'],
  prompt: ['Message'],
  text: ['Message'],
  text_output: ['Message'],
  model_output: ['LanguageModel'],
  parsed_text: ['Message'],
  messages_text: ['Message'],
  dataframe: ['DataFrame'],
  structured_output: ['Data'],
  dataframe_output: ['DataFrame'],
  stored_messages: ['Message'],
};

export function node(spec: NodeSpec): Json {
  const template: Record<string, Json> = { _type: 'Component', code: { type: 'code', value: '# component code', show: false } };
  for (const [name, f] of Object.entries(spec.fields ?? {})) {
    const field: FieldSpec = f !== null && typeof f === 'object' && !Array.isArray(f) && ('value' in f || 'password' in f) ? (f as FieldSpec) : { value: f as Json };
    template[name] = { type: field.type ?? 'str', value: field.value ?? '', input_types: field.input_types ?? ['Message'], ...(field.password ? { password: true } : {}), ...(field.load_from_db ? { load_from_db: true } : {}), ...(field._input_type ? { _input_type: field._input_type } : {}), show: true, advanced: false, display_name: name } as Json;
  }
  const outputs = (spec.outputs ?? []).map((o) => {
    const name = typeof o === 'string' ? o : o.name;
    const types = typeof o === 'string' ? (OUTPUT_TYPES[o] ?? ['Message']) : o.types;
    return { name, display_name: name, types, selected: types[0]!, method: `build_${name}` } as Json;
  });
  return {
    id: spec.id,
    type: 'genericNode',
    position: { x: 0, y: 0 },
    data: {
      id: spec.id,
      type: spec.type,
      node: {
        display_name: spec.display_name ?? spec.type,
        description: '',
        template,
        outputs,
        custom_fields: (spec.custom_fields ?? {}) as Json,
        ...(spec.module ? { metadata: { module: spec.module } } : {}),
      },
    },
  };
}

export function edge(source: string, output: string, target: string, field: string, types: string[] = ['Message']): Json {
  const sourceHandle = { dataType: source.split('-')[0]!, id: source, name: output, output_types: types };
  const targetHandle = { fieldName: field, id: target, inputTypes: ['Message'], type: 'str' };
  const enc = (o: object) => JSON.stringify(o).replace(/"/g, 'œ');
  return {
    id: `reactflow__edge-${source}${output}-${target}${field}`,
    source,
    target,
    sourceHandle: enc(sourceHandle),
    targetHandle: enc(targetHandle),
    data: { sourceHandle, targetHandle },
  } as Json;
}

export function flow(name: string, nodes: Json[], edges: Json[], extra: Record<string, Json> = {}): Json {
  return { id: '11111111-2222-3333-4444-555555555555', name, description: 'test flow', endpoint_name: null, last_tested_version: '1.8.0', ...extra, data: { nodes, edges, viewport: { x: 0, y: 0, zoom: 1 } } };
}

/** ChatInput → Prompt(system, {topic} from a field) → LanguageModel (OpenAI) → ChatOutput. */
export function basicChat(opts: { name?: string; template?: string; model?: Json; apiKey?: FieldSpec; topic?: string } = {}): Json {
  return flow(opts.name ?? 'Basic chat', [
    node({ id: 'ChatInput-aaaaa', type: 'ChatInput', display_name: 'Chat Input', fields: { input_value: 'Hello', sender: 'User', sender_name: 'User', session_id: '', should_store_message: { value: true, type: 'bool' } }, outputs: ['message'] }),
    node({ id: 'Prompt-bbbbb', type: 'Prompt', display_name: 'Prompt', fields: { template: { value: opts.template ?? 'You are an expert on {topic}.', type: 'prompt' }, topic: opts.topic ?? 'flows' }, custom_fields: { template: ['topic'] }, outputs: ['prompt'] }),
    node({
      id: 'LanguageModelComponent-ccccc',
      type: 'LanguageModelComponent',
      display_name: 'Language Model',
      fields: {
        model: { value: opts.model ?? [{ name: 'gpt-4o-mini', provider: 'OpenAI', metadata: { model_class: 'ChatOpenAI' } }], type: 'model', _input_type: 'ModelInput' },
        api_key: opts.apiKey ?? { value: '', password: true },
        input_value: '',
        system_message: '',
        temperature: { value: 0.2, type: 'float' },
      },
      outputs: ['text_output', 'model_output'],
    }),
    node({ id: 'ChatOutput-ddddd', type: 'ChatOutput', display_name: 'Chat Output', fields: { input_value: '', sender: 'Machine', sender_name: 'AI', should_store_message: { value: true, type: 'bool' } }, outputs: ['message'] }),
  ], [
    edge('ChatInput-aaaaa', 'message', 'LanguageModelComponent-ccccc', 'input_value'),
    edge('Prompt-bbbbb', 'prompt', 'LanguageModelComponent-ccccc', 'system_message'),
    edge('LanguageModelComponent-ccccc', 'text_output', 'ChatOutput-ddddd', 'input_value'),
  ]);
}

/** A custom component written for these tests (its own inputs, outputs and code). */
export const SHOUT = readFileSync(join(repoRoot, 'test/fixtures/components/shout.py'), 'utf8');

/** Chat Input → Shout (custom: its code edited in LangFlow) → Chat Output. */
export function shoutFlow(source = SHOUT): Buffer {
  const shout = node({
    id: 'ShoutComponent-s1',
    type: 'ShoutComponent',
    display_name: 'Shout',
    fields: { text: { value: '' }, suffix: { value: '!!' } },
    outputs: [
      { name: 'shouted', types: ['Message'] },
      { name: 'length', types: ['Data'] },
    ],
    module: 'custom_components.shout',
  }) as { data: { node: { template: { code: { value: string } }; outputs: Array<{ method: string }>; edited?: boolean } } };
  shout.data.node.template.code.value = source;
  shout.data.node.outputs[0]!.method = 'shout';
  shout.data.node.outputs[1]!.method = 'count';
  shout.data.node.edited = true;
  return Buffer.from(JSON.stringify(chatThrough('Shout', shout as unknown as Json, 'ShoutComponent-s1', 'text', 'shouted')));
}

/** Chat Input → `component` (its `input` field fed, its `output` read) → Chat Output. */
export function chatThrough(name: string, component: Json, id: string, input: string, output: string): Json {
  return flow(
    name,
    [
      node({ id: 'ChatInput-c1', type: 'ChatInput', fields: { input_value: 'hello', should_store_message: { value: false, type: 'bool' } }, outputs: ['message'] }),
      component,
      node({ id: 'ChatOutput-c2', type: 'ChatOutput', fields: { input_value: '', should_store_message: { value: false, type: 'bool' } }, outputs: ['message'] }),
    ],
    [edge('ChatInput-c1', 'message', id, input), edge(id, output, 'ChatOutput-c2', 'input_value')],
  );
}
