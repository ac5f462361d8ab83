/**
 * A small Dockerfile policy linter over dockerfile-ast's parse tree (docker itself cannot run on
 * the build machines, so the image is held to its rules statically). Returns one message per
 * violation; an empty list means the Dockerfile passes.
 */
import { DockerfileParser, type From, type Instruction } from 'dockerfile-ast';

const SECRETISH = /(TOKEN|SECRET|PASSWORD|PASSWD|API_?KEY|BLD_KEY|PRIVATE_KEY|CREDENTIAL)/i;
const SECRET_FILES = /(^|\/)(\.env|[^/]*\.env|[^/]*\.pem|[^/]*\.key|id_rsa[^/]*|\.npmrc|\.git-credentials|secrets?)(\/|$)/;

export interface LintOptions {
  /** Major version the final base image must be (e.g. `node:20.`). */
  basePrefix: string;
}

export function lintDockerfile(text: string, options: LintOptions): string[] {
  const problems: string[] = [];
  const df = DockerfileParser.parse(text);
  const froms = df.getFROMs();
  if (froms.length < 2) problems.push('not multi-stage: expected a build stage and a runtime stage');
  const stageNames = new Set(froms.map((f) => f.getBuildStage()?.toLowerCase()).filter(Boolean));

  for (const from of froms) {
    const image = from.getImageName() ?? '';
    if (stageNames.has(image.toLowerCase())) continue; // FROM <earlier stage>
    if (!isPinned(from)) problems.push(`base image not pinned: FROM ${from.getImage()} (use an exact version tag or @sha256 digest)`);
  }
  const final = froms[froms.length - 1];
  if (final && !(final.getImage() ?? '').startsWith(options.basePrefix)) {
    problems.push(`final base image ${final.getImage()} does not start with ${options.basePrefix}`);
  }

  const all = df.getInstructions();
  const finalStart = final?.getRange().start.line ?? 0;
  const inFinal = (i: Instruction) => i.getRange().start.line >= finalStart;
  const keyword = (i: Instruction) => i.getKeyword().toUpperCase();
  const args = (i: Instruction) => i.getArgumentsContent() ?? '';
  const buildRuns = all.filter((i) => keyword(i) === 'RUN' && !inFinal(i)).map(args).join('\n');
  const finalRuns = all.filter((i) => keyword(i) === 'RUN' && inFinal(i)).map(args).join('\n');

  if (!/\bnpm ci\b/.test(buildRuns)) problems.push('the build stage does not install with `npm ci`');
  for (const tool of ['git', 'python3']) {
    if (!new RegExp(`apt-get install[^\\n]*\\b${tool}\\b`).test(finalRuns)) problems.push(`the runtime stage does not install ${tool}`);
  }

  const users = all.filter((i) => keyword(i) === 'USER' && inFinal(i));
  const lastUser = users.length ? args(users[users.length - 1]!).trim() : '';
  const userName = lastUser.split(':')[0] ?? '';
  if (!lastUser) problems.push('no USER in the runtime stage: the container would run as root');
  else if (userName === 'root' || userName === '0') problems.push(`USER ${lastUser} is root`);

  const health = all.filter((i) => keyword(i) === 'HEALTHCHECK' && inFinal(i));
  if (health.length === 0) problems.push('no HEALTHCHECK in the runtime stage');
  else if (!/\/healthz/.test(args(health[0]!)) || !/8081/.test(args(health[0]!))) problems.push('HEALTHCHECK does not probe /healthz on 8081');

  const entry = all.filter((i) => keyword(i) === 'ENTRYPOINT' && inFinal(i));
  const entryText = entry.length ? args(entry[entry.length - 1]!).replace(/[[\]",]/g, ' ') : '';
  if (!/\bflowc\s+reconcile\b/.test(entryText)) problems.push('ENTRYPOINT is not `flowc reconcile`');

  for (const i of all) {
    const kw = keyword(i);
    if (kw === 'ENV' || kw === 'ARG') {
      for (const [name, value] of properties(i)) {
        if (SECRETISH.test(name) && !/_FILE$/.test(name)) problems.push(`${kw} ${name}${value ? '=…' : ''} bakes a secret into the image; pass it at run time`);
      }
    }
    if (kw === 'COPY' || kw === 'ADD') {
      const parts = i.getArguments().map((a) => a.getValue()).filter((v) => !v.startsWith('--'));
      for (const src of parts.slice(0, -1)) {
        if (SECRET_FILES.test(src)) problems.push(`${kw} ${src} copies a secret file into a layer`);
        if (kw === 'ADD' && /^https?:/.test(src)) problems.push(`ADD ${src} fetches at build time: unpinned and unverified`);
      }
    }
    if (kw === 'RUN' && /(TOKEN|PASSWORD|SECRET)=\S/.test(args(i)) && !/--mount=type=secret/.test(args(i))) {
      problems.push(`RUN sets a secret inline: ${args(i).slice(0, 40)}…`);
    }
  }
  return problems;
}

/** `name:1.2.3[-variant]` or `@sha256:<64 hex>`; never `latest`, never a bare major. */
function isPinned(from: From): boolean {
  const digest = from.getImageDigest();
  if (digest && /^sha256:[0-9a-f]{64}$/.test(digest)) return true;
  const tag = from.getImageTag();
  return !!tag && tag !== 'latest' && /^v?\d+\.\d+\.\d+/.test(tag);
}

function properties(i: Instruction): Array<[string, string | null]> {
  const p = (i as unknown as { getProperties?: () => Array<{ getName(): string; getValue(): string | null }> }).getProperties;
  return p ? p.call(i).map((prop) => [prop.getName(), prop.getValue()]) : [];
}
