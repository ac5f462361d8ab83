import test from 'ava';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DockerfileParser } from 'dockerfile-ast';
import { lintDockerfile } from './lint.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dockerfile = readFileSync(path.join(root, 'Dockerfile'), 'utf8');
const opts = { basePrefix: 'node:20.' };

test('the Dockerfile passes the policy: multi-stage, pinned node:20, npm ci, git+python3, non-root, HEALTHCHECK, flowc reconcile, no secrets', (t) => {
  t.deepEqual(lintDockerfile(dockerfile, opts), []);
});

test('the linter catches each violation it is meant to catch', (t) => {
  const bad = [
    'FROM node:latest AS build',
    'ARG GIT_TOKEN=abc',
    'RUN apt-get install -y curl',
    'FROM node:20-slim',
    'ENV LANGSERVE_RESTART_TOKEN=s3cret',
    'COPY .env /app/.env',
    'ADD https://example.com/x.tgz /x.tgz',
    'USER root',
    'ENTRYPOINT ["node", "dist/main.js"]',
  ].join('\n');
  const problems = lintDockerfile(bad, opts).join('\n');
  for (const expected of [
    'base image not pinned: FROM node:latest',
    'base image not pinned: FROM node:20-slim',
    'does not install with `npm ci`',
    'does not install git',
    'does not install python3',
    'USER root is root',
    'no HEALTHCHECK',
    'ENTRYPOINT is not `flowc reconcile`',
    'ARG GIT_TOKEN=… bakes a secret',
    'ENV LANGSERVE_RESTART_TOKEN=… bakes a secret',
    'COPY .env copies a secret file',
    'ADD https://example.com/x.tgz fetches',
  ]) {
    t.true(problems.includes(expected), `expected "${expected}" in:\n${problems}`);
  }
  t.regex(lintDockerfile('FROM node:20.20.2-bookworm-slim\nRUN npm ci\n', opts).join('\n'), /not multi-stage/);
  t.regex(lintDockerfile('FROM node:20.1.0 AS b\nRUN npm ci\nFROM node:20.1.0\nRUN apt-get install git python3\nUSER 10001\nHEALTHCHECK CMD wget -q localhost:8080/\nENTRYPOINT ["flowc","reconcile"]', opts).join('\n'), /HEALTHCHECK does not probe \/healthz on 8081/);
});

test('every COPY source exists and is not excluded by .dockerignore (docker cannot build here, so check the context statically)', (t) => {
  const ignore = readFileSync(path.join(root, '.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  for (const must of ['.git', 'node_modules', '.env', '*.env', '.venv']) t.true(ignore.includes(must), `.dockerignore must exclude ${must}`);
  const excluded = new Set(ignore.filter((l) => !l.startsWith('!') && !/[*?]/.test(l)));
  const reincluded = new Set(ignore.filter((l) => l.startsWith('!')).map((l) => l.slice(1)));

  const copies = DockerfileParser.parse(dockerfile)
    .getInstructions()
    .filter((i) => i.getKeyword().toUpperCase() === 'COPY')
    .filter((i) => !(i as unknown as { getFlags(): Array<{ getName(): string }> }).getFlags().some((f) => f.getName() === 'from'));
  t.true(copies.length > 0);
  for (const c of copies) {
    const parts = c.getArguments().map((a) => a.getValue());
    for (const src of parts.slice(0, -1)) {
      const matches = /[*?]/.test(src) ? readdirSync(path.join(root, path.dirname(src))).filter((f) => globRe(path.basename(src)).test(f)) : [src];
      t.true(matches.length > 0 && (/[*?]/.test(src) || existsSync(path.join(root, src))), `COPY ${src}: not in the repo`);
      const top = src.split('/')[0]!;
      t.false((excluded.has(top) || excluded.has(src)) && !reincluded.has(src), `COPY ${src}: excluded by .dockerignore`);
    }
  }
});

const globRe = (glob: string): RegExp => new RegExp(`^${glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')}$`);

test('files flowc reads at run time beside dist/ (templates, package.json, non-TypeScript files under src/) reach the runtime stage', (t) => {
  const df = DockerfileParser.parse(dockerfile);
  const froms = df.getFROMs();
  const finalLine = froms[froms.length - 1]!.getRange().start.line;
  const runtimeCopies = df
    .getInstructions()
    .filter((i) => i.getKeyword().toUpperCase() === 'COPY' && i.getRange().start.line > finalLine)
    .map((i) => {
      const parts = i.getArguments().map((a) => a.getValue());
      const fromBuild = (i as unknown as { getFlags(): Array<{ getName(): string }> }).getFlags().some((f) => f.getName() === 'from');
      // Paths inside the build stage are /src/<repo path>; context paths are repo paths.
      return parts.slice(0, -1).map((p) => (fromBuild ? p.replace(/^\/src\//, '') : p));
    })
    .flat();
  const covered = (file: string) => runtimeCopies.some((src) => file === src || file.startsWith(`${src.replace(/\/$/, '')}/`) || globRe(src).test(file));
  const assets = readdirSync(path.join(root, 'src'), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && !e.name.endsWith('.ts'))
    .map((e) => path.relative(root, path.join(e.parentPath, e.name)));
  for (const f of [...assets, 'package.json', 'templates/server.py.liquid', 'bin/flowc.js', 'dist']) t.true(covered(f), `${f} is not copied into the runtime image`);
  t.false(covered('src/main.ts'), 'TypeScript sources stay out of the runtime image');
});
