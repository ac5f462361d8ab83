/**
 * manifests/k8s: every object validates against the Kubernetes OpenAPI schemas (kubernetes-models
 * 4.5.1 ships them compiled to validators, Kubernetes 1.27), the example overlay renders (with
 * kubectl's built-in kustomize where present, and always with the test's kustomize-lite, the two
 * compared), and the rendered tenant holds the deployment rules: one writer, probes, limits,
 * non-root, secrets only by reference, a flowc.yaml the real config loader accepts.
 */
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { loadConfig } from '../../src/config/load.js';
import { build, forEachContainer, type K8sObject } from './kustomize-lite.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const k8s = path.join(root, 'manifests/k8s');
const base = path.join(k8s, 'base');
const overlay = path.join(k8s, 'overlays/example-tenant');

/** Validates one object against its kind's schema; returns the validator's message or ''. */
async function schemaError(o: K8sObject): Promise<string> {
  const [group, version] = o.apiVersion.includes('/') ? o.apiVersion.split('/') : [undefined, o.apiVersion];
  const mod = (await import(`kubernetes-models/${group ? `${group}/` : ''}${version}`)) as Record<string, new (d: unknown) => { validate(): void }>;
  const Model = mod[o.kind];
  if (!Model) return `${o.apiVersion} ${o.kind}: no schema (unknown kind)`;
  try {
    new Model(o).validate();
    return '';
  } catch (err) {
    return `${o.kind}/${o.metadata?.name}: ${(err as Error).message}`;
  }
}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.ya?ml$/.test(e.name))
    .map((e) => path.join(e.parentPath, e.name));
}

function kubectlKustomize(dir: string): K8sObject[] | undefined {
  try {
    const out = execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return parseAllDocuments(out).map((d) => d.toJS() as K8sObject);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

const byKey = (objs: K8sObject[]) => Object.fromEntries(objs.map((o) => [`${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`, o]));

test('every object in manifests/k8s validates against the Kubernetes schemas', async (t) => {
  const files = yamlFiles(k8s).filter((f) => path.basename(f) !== 'kustomization.yaml');
  t.true(files.length >= 5);
  for (const f of files) {
    for (const doc of parseAllDocuments(readFileSync(f, 'utf8'))) {
      t.deepEqual(doc.errors, [], f);
      const o = doc.toJS() as K8sObject;
      t.is(await schemaError(o), '', path.relative(root, f));
    }
  }
});

test('the schema validation rejects a malformed object (the check can fail)', async (t) => {
  const deployment = build(base).find((o) => o.kind === 'Deployment')!;
  const broken = structuredClone(deployment) as any;
  broken.spec.replicas = 'one';
  delete broken.spec.selector;
  t.regex(await schemaError(broken), /replicas must be integer|must have required property 'selector'/);
  const badProbe = structuredClone(deployment) as any;
  badProbe.spec.template.spec.containers[0].livenessProbe.periodSeconds = 'often';
  t.not(await schemaError(badProbe), '');
});

test('the overlay renders; kustomize-lite agrees with kubectl kustomize where kubectl exists', async (t) => {
  const lite = build(overlay);
  for (const o of lite) t.is(await schemaError(o), '', `${o.kind}/${o.metadata.name}`);
  const real = kubectlKustomize(overlay);
  if (real === undefined) {
    t.log('kubectl not on PATH: rendered with kustomize-lite only');
  } else {
    t.deepEqual(byKey(lite), byKey(real));
    for (const o of real) t.is(await schemaError(o), '');
  }
});

test('the rendered tenant: one writer, probes, limits, non-root, secrets by reference, tenant values applied', (t) => {
  const objs = build(overlay);
  const find = (kind: string) => objs.filter((o) => o.kind === kind);
  const ns = find('Namespace')[0]!.metadata.name;
  t.is(ns, 'tenant-acme');
  for (const o of objs) if (o.kind !== 'Namespace') t.is(o.metadata.namespace, ns, `${o.kind}/${o.metadata.name} namespace`);
  t.deepEqual(find('Secret'), [], 'no Secret is committed: flowc-secrets is created out of band');

  const dep = find('Deployment').find((d) => d.metadata.name === 'flowc') as any;
  t.is(dep.spec.replicas, 1);
  t.is(dep.spec.strategy.type, 'Recreate');
  const pod = dep.spec.template.spec;
  t.true(pod.securityContext.runAsNonRoot);
  t.not(pod.securityContext.runAsUser, 0);

  forEachContainer(dep, (c: any) => {
    t.is(c.image, 'registry.example.com/legostudio/flowc:0.1.0', c.name);
    t.false(c.securityContext.allowPrivilegeEscalation, c.name);
    t.true(c.securityContext.readOnlyRootFilesystem, c.name);
    t.deepEqual(c.securityContext.capabilities.drop, ['ALL']);
    for (const k of ['requests', 'limits']) for (const r of ['cpu', 'memory']) t.truthy(c.resources?.[k]?.[r], `${c.name} ${k}.${r}`);
    for (const e of c.env ?? []) {
      if (/(TOKEN|KEY|SECRET|PASSWORD)/.test(e.name) && !e.name.endsWith('_FILE')) t.truthy(e.valueFrom?.secretKeyRef, `${c.name} env ${e.name} must come from a Secret`);
    }
  });

  const flowc = pod.containers.find((c: any) => c.name === 'flowc');
  const env = Object.fromEntries(flowc.env.map((e: any) => [e.name, e]));
  const http = flowc.ports.find((p: any) => p.name === flowc.livenessProbe.httpGet.port);
  t.is(http.containerPort, 8081);
  t.is(flowc.livenessProbe.httpGet.path, '/healthz');
  t.is(flowc.readinessProbe.httpGet.path, '/readyz');
  t.is(env.BLD_KEY.valueFrom.secretKeyRef.name, 'flowc-secrets');
  t.is(env.LANGSERVE_RESTART_TOKEN.valueFrom.secretKeyRef.name, 'flowc-secrets');
  t.is(env.FLOWC_SLUG.value, 'acme');
  t.is(env.FLOWC_STACK_PORT.value, '4107');
  // GIT_TOKEN_FILE names a file inside a mount of a Secret volume.
  const mount = flowc.volumeMounts.find((m: any) => env.GIT_TOKEN_FILE.value.startsWith(`${m.mountPath}/`));
  const volume = pod.volumes.find((v: any) => v.name === mount?.name);
  t.is(volume?.secret?.secretName, 'flowc-secrets');
  t.true(volume.secret.items.some((i: any) => path.posix.join(mount.mountPath, i.path) === env.GIT_TOKEN_FILE.value));
  // Every mounted volume exists; the repo is one RWO claim.
  forEachContainer(dep, (c: any) => {
    for (const m of c.volumeMounts ?? []) t.truthy(pod.volumes.find((v: any) => v.name === m.name), `${c.name} mounts ${m.name}`);
  });
  const claim = pod.volumes.find((v: any) => v.name === 'repo').persistentVolumeClaim.claimName;
  const [pvc] = find('PersistentVolumeClaim') as any[];
  t.is(pvc.metadata.name, claim);
  t.deepEqual(pvc.spec.accessModes, ['ReadWriteOnce']);

  const svc = find('Service').find((s) => s.metadata.name === 'flowc') as any;
  for (const [k, v] of Object.entries(svc.spec.selector)) t.is(dep.spec.template.metadata.labels[k], v, `service selector ${k}`);
  const containerPorts = pod.containers.flatMap((c: any) => c.ports ?? []).map((p: any) => p.name);
  for (const p of svc.spec.ports) t.true(containerPorts.includes(p.targetPort), `service port ${p.name} → ${p.targetPort}`);
  t.truthy(svc.spec.ports.find((p: any) => p.port === 8081));
});

test("the ConfigMap's flowc.yaml is accepted by flowc's own config loader, and matches the tenant", (t) => {
  for (const [dir, slug] of [[base, 'tenant'], [overlay, 'acme']] as const) {
    const cm = build(dir).find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'flowc-config') as any;
    const tmp = mkdtempSync(path.join(tmpdir(), 'flowc-k8s-'));
    try {
      writeFileSync(path.join(tmp, 'flowc.yaml'), cm.data['flowc.yaml']);
      const config = loadConfig(tmp, {});
      t.is(config.slug, slug);
      t.is(config.webhook.listen, '0.0.0.0:8081');
      const dep = build(dir).find((o) => o.kind === 'Deployment') as any;
      const slugEnv = dep.spec.template.spec.containers[0].env.find((e: any) => e.name === 'FLOWC_SLUG');
      t.is(slugEnv.value, slug, 'FLOWC_SLUG env and flowc.yaml slug agree');
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }
});

test('issue 16: the host is its own Deployment of three replicas behind a Service, following the tenant branch, with an autoscaler and a disruption budget', (t) => {
  const objs = build(overlay);
  const named = (kind: string, name: string) => objs.find((o) => o.kind === kind && o.metadata.name === name) as any;
  const host = named('Deployment', 'flowc-host');
  t.is(host.spec.replicas, 3);
  t.is(host.spec.strategy.rollingUpdate.maxUnavailable, 0, 'a rollout never drops below the replicas serving');
  const pod = host.spec.template.spec;
  const [c] = pod.containers;
  t.deepEqual(c.command, ['/opt/flowc/scripts/host-replica.sh']);
  t.regex(readFileSync(path.join(root, 'Dockerfile'), 'utf8'), /^COPY scripts\/host-replica\.sh \.\/scripts\/host-replica\.sh$/m, 'the image carries the script at /opt/flowc/scripts');
  const env = Object.fromEntries(c.env.map((e: any) => [e.name, e]));
  t.is(env.FLOWC_SLUG.value, 'acme');
  t.is(env.TENANT_REPO_URL.value, 'https://git.example.com/tenants/acme.git');
  t.is(env.LANGSERVE_RESTART_TOKEN.valueFrom.secretKeyRef.name, 'flowc-secrets');
  t.is(env.FLOWC_DATABASE_URL.valueFrom.secretKeyRef.name, 'flowc-secrets', 'chat history shared through PostgreSQL');
  t.is(c.readinessProbe.httpGet.path, '/readyz', 'ready only while serving the branch tip');
  t.is(c.livenessProbe.httpGet.path, '/healthz');
  // Each replica has its own clone: no shared (RWO) repo claim.
  t.false(pod.volumes.some((v: any) => v.persistentVolumeClaim), 'no replica mounts the compiler\'s repo volume');
  t.truthy(pod.volumes.find((v: any) => v.name === 'repo').emptyDir);
  const labels = host.spec.template.metadata.labels;

  const svc = named('Service', 'flowc-host');
  for (const [k, v] of Object.entries(svc.spec.selector)) t.is(labels[k], v, `host service selector ${k}`);
  t.is(svc.spec.ports[0].targetPort, c.ports[0].name);
  const compiler = named('Service', 'flowc');
  t.false(Object.entries(compiler.spec.selector).every(([k, v]) => labels[k] === v), "the compiler's Service does not send traffic to hosts");

  const hpa = named('HorizontalPodAutoscaler', 'flowc-host');
  t.deepEqual(hpa.spec.scaleTargetRef, { apiVersion: 'apps/v1', kind: 'Deployment', name: 'flowc-host' });
  t.is(hpa.spec.minReplicas, 3);
  t.is(hpa.spec.metrics[0].resource.name, 'cpu');
  const pdb = named('PodDisruptionBudget', 'flowc-host');
  for (const [k, v] of Object.entries(pdb.spec.selector.matchLabels)) t.is(labels[k], v, `PDB selector ${k}`);

  // flowc reloads through the host Service, in its env and in flowc.yaml.
  const flowc = named('Deployment', 'flowc').spec.template.spec.containers.find((x: any) => x.name === 'flowc');
  t.is(flowc.env.find((e: any) => e.name === 'FLOWC_LANGSERVE_URL').value, `http://flowc-host:${svc.spec.ports[0].port}`);
  t.regex(named('ConfigMap', 'flowc-config').data['flowc.yaml'], /url: http:\/\/flowc-host:8000/);
});
