/**
 * Acceptance 3: password fields. `load_from_db` → os.environ["NAME"]; empty → the provider's
 * conventional variable; a literal value refuses the compile naming node and field, never the
 * value (or is scrubbed with `secrets: 'scrub'`). Planted values never reach a file or an error.
 */
import test from 'ava';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileFlow } from '../../src/codegen/compile.js';
import { FlowcError, isFlowcError } from '../../src/errors.js';
import { fixturesRoot } from '../helpers/python.js';
import { basicChat, type Json } from './flowkit.js';

const PLANTED = 'sk-planted-DO-NOT-LEAK-7f3a9c';
const flowText = (files: { path: string; content: string }[]) => files.find((f) => f.path.includes('/flow_'))!.content;

test('load_from_db secret becomes os.environ["NAME"]', (t) => {
  const src = JSON.stringify(basicChat({ apiKey: { value: 'MY_TEAM_OPENAI_KEY', password: true, load_from_db: true } }));
  const r = compileFlow(src, { file: 'flows/chat.json', slug: 'acme' });
  t.true(flowText(r.files).includes('api_key=lambda: os.environ["MY_TEAM_OPENAI_KEY"]'));
  t.false(flowText(r.files).includes('OPENAI_API_KEY"]'));
});

test('an empty secret field falls back to the provider\'s conventional variable', (t) => {
  const r = compileFlow(JSON.stringify(basicChat()), { file: 'flows/chat.json', slug: 'acme' });
  t.true(flowText(r.files).includes('api_key=lambda: os.environ["OPENAI_API_KEY"]'));
  const anthropic = basicChat({ model: [{ name: 'claude-x', provider: 'Anthropic', metadata: { model_class: 'ChatAnthropic' } }] });
  t.true(flowText(compileFlow(JSON.stringify(anthropic), { file: 'flows/c.json', slug: 'a' }).files).includes('os.environ["ANTHROPIC_API_KEY"]'));
});

test('a literal secret refuses the compile naming node and field, never the value', (t) => {
  const src = JSON.stringify(basicChat({ apiKey: { value: PLANTED, password: true } }));
  const err = t.throws(() => compileFlow(src, { file: 'flows/chat.json', slug: 'acme' }), { instanceOf: FlowcError })!;
  t.is(err.where.nodeId, 'LanguageModelComponent-ccccc');
  t.is(err.where.field, 'api_key');
  t.is(err.where.file, 'flows/chat.json');
  const text = `${err.describe()} ${JSON.stringify(err.toJSON())} ${err.stack}`;
  t.false(text.includes(PLANTED));
  t.regex(err.describe(), /flows\/chat\.json: node LanguageModelComponent-ccccc \(LanguageModelComponent\), field api_key/);
});

test('secrets: scrub replaces a literal with the env reference and warns', (t) => {
  const src = JSON.stringify(basicChat({ apiKey: { value: PLANTED, password: true } }));
  const r = compileFlow(src, { file: 'flows/chat.json', slug: 'acme', secrets: 'scrub' });
  for (const f of r.files) t.false(f.content.includes(PLANTED), f.path);
  t.true(flowText(r.files).includes('os.environ["OPENAI_API_KEY"]'));
  t.is(r.warnings.filter((w) => w.includes('field api_key') && w.includes('scrubbed')).length, 1);
  t.false(r.warnings.join('\n').includes(PLANTED));
  // The option changes output, so it is part of the input hash.
  t.not(r.inputSha256, compileFlow(JSON.stringify(basicChat()), { file: 'flows/chat.json', slug: 'acme', secrets: 'scrub' }).inputSha256);
});

/** Puts a distinct planted value into every password field of a LangFlow export. */
function plant(json: Json, found: string[]): Json {
  const data = json as { data: { nodes: Array<{ data?: { node?: { template?: Record<string, Record<string, Json>> } } }> } };
  for (const n of data.data.nodes) {
    for (const [name, field] of Object.entries(n.data?.node?.template ?? {})) {
      if (field && typeof field === 'object' && field.password === true) {
        const value = `${PLANTED}-${found.length}`;
        field.value = value;
        field.load_from_db = false;
        found.push(value);
        void name;
      }
    }
  }
  return json;
}

const present = existsSync(join(fixturesRoot, '1.8'));

(present ? test : test.skip)('planted secrets in the fixtures never appear in a generated file or an error', (t) => {
  let planted = 0;
  let refusedForSecret = 0;
  let scrubbed = 0;
  for (const folder of ['1.8', '1.10']) {
    for (const entry of readdirSync(join(fixturesRoot, folder)).filter((f) => f.endsWith('.json'))) {
      const values: string[] = [];
      const src = JSON.stringify(plant(JSON.parse(readFileSync(join(fixturesRoot, folder, entry), 'utf8')) as Json, values));
      planted += values.length;
      for (const secrets of ['refuse', 'scrub'] as const) {
        try {
          const r = compileFlow(src, { file: `flows/${entry}`, slug: 's', secrets });
          const all = [...r.files.map((f) => f.content), ...r.warnings].join('\n');
          for (const v of values) t.false(all.includes(v), `${folder}/${entry} leaked a planted secret (${secrets})`);
          if (secrets === 'scrub') scrubbed++;
          else t.is(values.length, 0, `${folder}/${entry} compiled with literal secrets under refuse`);
        } catch (err) {
          if (!isFlowcError(err)) throw err;
          const text = `${err.describe()} ${JSON.stringify(err.toJSON())} ${err.stack ?? ''}`;
          for (const v of values) t.false(text.includes(v), `${folder}/${entry} error text leaked a planted secret`);
          if (secrets === 'refuse' && err.where.field) refusedForSecret++;
        }
      }
    }
  }
  t.log(`planted ${planted} secrets; ${refusedForSecret} refusals named the field; ${scrubbed} flows compiled scrubbed`);
  t.true(planted > 20);
  t.true(scrubbed >= 14);
  t.true(refusedForSecret >= 10);
});

test('issue 14 #9: a field set to a LangFlow global variable is read from the environment at run time, or warned about — never compiled as the name', async (t) => {
  const { basicChat } = await import('./flowkit.js');
  const f = basicChat() as { data: { nodes: Array<{ id: string; data: { node: { template: Record<string, Record<string, unknown>> } } }> } };
  const prompt = f.data.nodes.find((n) => n.id === 'Prompt-bbbbb')!;
  prompt.data.node.template.topic = { ...prompt.data.node.template.topic, value: 'TOPIC_OF_THE_DAY', load_from_db: true };
  const lm = f.data.nodes.find((n) => n.id === 'LanguageModelComponent-ccccc')!;
  lm.data.node.template.temperature = { ...lm.data.node.template.temperature, type: 'str', value: 'MODEL_TEMPERATURE', load_from_db: true };
  const r = compileFlow(JSON.stringify(f), { file: 'flows/g.json', slug: 'acme' });
  const module = r.files.find((x) => x.path.endsWith('flow_g.py'))!.content;
  t.regex(module, /"topic": os\.environ\["TOPIC_OF_THE_DAY"\]/, 'a passed-through field reads the variable when the node runs');
  t.false(module.includes('"TOPIC_OF_THE_DAY",'), 'never the name as a value');
  t.true(r.warnings.some((w) => /node LanguageModelComponent-ccccc .*field temperature: reads LangFlow global variable MODEL_TEMPERATURE/.test(w)), r.warnings.join('\n'));
  t.false(module.includes('MODEL_TEMPERATURE'));
});
