/**
 * The subset of `kustomize build` our manifests use, so the overlay renders in a test even where no
 * kustomize/kubectl binary exists: resources (files and directories), labels (metadata only),
 * namespace, images, and inline JSON 6902 patches with a kind/name target. Anything else in a
 * kustomization.yaml is refused, so the subset cannot silently drift from what the files ask for.
 * Where kubectl is present the test also compares this output with `kubectl kustomize`.
 */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';

export type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string> }; [k: string]: unknown };

const SUPPORTED = new Set(['apiVersion', 'kind', 'resources', 'labels', 'namespace', 'images', 'patches']);
const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'PersistentVolume', 'StorageClass', 'CustomResourceDefinition']);

interface Kustomization {
  resources?: string[];
  labels?: Array<{ pairs: Record<string, string>; includeSelectors?: boolean; includeTemplates?: boolean }>;
  namespace?: string;
  images?: Array<{ name: string; newName?: string; newTag?: string }>;
  patches?: Array<{ target: { kind: string; name: string }; patch: string }>;
}

export function build(dir: string): K8sObject[] {
  const k = parse(readFileSync(path.join(dir, 'kustomization.yaml'), 'utf8')) as Kustomization;
  for (const key of Object.keys(k)) if (!SUPPORTED.has(key)) throw new Error(`${dir}/kustomization.yaml: "${key}" is not supported by kustomize-lite`);
  let objects: K8sObject[] = [];
  for (const r of k.resources ?? []) {
    const p = path.resolve(dir, r);
    if (statSync(p).isDirectory()) objects.push(...build(p));
    else objects.push(...parseAllDocuments(readFileSync(p, 'utf8')).map((d) => d.toJS() as K8sObject).filter(Boolean));
  }
  for (const { target, patch } of k.patches ?? []) {
    const ops = parse(patch) as PatchOp[];
    const hits = objects.filter((o) => o.kind === target.kind && o.metadata.name === target.name);
    if (hits.length !== 1) throw new Error(`patch target ${target.kind}/${target.name} matched ${hits.length} objects`);
    objects = objects.map((o) => (o === hits[0] ? applyPatch(o, ops) : o));
  }
  for (const { pairs, includeSelectors, includeTemplates } of k.labels ?? []) {
    if (includeSelectors || includeTemplates) throw new Error('kustomize-lite: labels with includeSelectors/includeTemplates are not supported');
    for (const o of objects) o.metadata.labels = { ...(o.metadata.labels ?? {}), ...pairs };
  }
  if (k.namespace) for (const o of objects) if (!CLUSTER_SCOPED.has(o.kind)) o.metadata.namespace = k.namespace;
  for (const img of k.images ?? []) {
    for (const o of objects) forEachContainer(o, (c) => {
      const [name, tag] = splitImage(c.image);
      if (name === img.name) c.image = `${img.newName ?? name}${img.newTag ? `:${img.newTag}` : tag ? `:${tag}` : ''}`;
    });
  }
  return objects;
}

type PatchOp = { op: 'add' | 'replace' | 'remove'; path: string; value?: unknown };

/** RFC 6902 add/replace/remove on a deep copy. */
export function applyPatch<T>(doc: T, ops: PatchOp[]): T {
  const out = structuredClone(doc) as unknown;
  for (const { op, path: ptr, value } of ops) {
    const keys = ptr.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
    const last = keys.pop()!;
    let cur = out as Record<string, unknown>;
    for (const key of keys) {
      const next = (cur as Record<string, unknown>)[key];
      if (next === undefined || next === null || typeof next !== 'object') throw new Error(`patch path ${ptr}: ${key} does not exist`);
      cur = next as Record<string, unknown>;
    }
    const isArr = Array.isArray(cur);
    if (op !== 'add' && !(last in cur)) throw new Error(`patch ${op} ${ptr}: target does not exist`);
    if (op === 'remove') isArr ? (cur as unknown as unknown[]).splice(Number(last), 1) : delete cur[last];
    else if (op === 'add' && isArr) (cur as unknown as unknown[]).splice(last === '-' ? (cur as unknown as unknown[]).length : Number(last), 0, value);
    else cur[last] = value;
  }
  return out as T;
}

type Container = { name: string; image: string; [k: string]: unknown };
export function forEachContainer(o: K8sObject, fn: (c: Container) => void): void {
  const spec = (o.spec as { template?: { spec?: { containers?: Container[]; initContainers?: Container[] } } } | undefined)?.template?.spec;
  for (const c of [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])]) fn(c);
}

function splitImage(image: string): [string, string | undefined] {
  const at = image.lastIndexOf(':');
  return at > image.lastIndexOf('/') ? [image.slice(0, at), image.slice(at + 1)] : [image, undefined];
}
