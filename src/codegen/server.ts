/**
 * The tenant-level LangServe host (`app/server.py`). It scans the flows directory at start-up and
 * on every `/restart`, so adding a flow never changes this file: it depends only on the slug,
 * the output directory, the configured trace collectors and the generator (templates + flowc
 * version). Pure.
 */
import { posix } from 'node:path';
import { sha256, withHeader } from './header.js';
import { GENERATOR_DIGEST, renderTemplate } from './render.js';
import type { GeneratedFile } from './types.js';

export interface ServerOptions {
  slug: string;
  /** Output root for flow modules, repo-relative; default `app/flows`. */
  outputDir?: string;
  /** OTLP/HTTP trace URLs flowc.yaml names (telemetry.phoenix, .jaeger): the host exports where flowc does. */
  collectors?: readonly string[];
}

/** Where the host lives; `uvicorn app.server:app` from the repo root loads it. */
export const SERVER_PATH = 'app/server.py';

/**
 * The host's path and input hash, known without rendering it: a pass that finds an intact host
 * with this hash on disk need not render (or load liquidjs) at all.
 */
export function serverInput(options: ServerOptions): { path: string; inputSha256: string; flowsDir: string } {
  const outputDir = posix.normalize(options.outputDir ?? 'app/flows').replace(/\/+$/, '');
  const flowsDir = posix.join(outputDir, options.slug);
  // No collectors: the hash is the one hosts had before collectors were an input.
  const collectors = options.collectors?.length ? options.collectors : undefined;
  return { path: SERVER_PATH, inputSha256: sha256(JSON.stringify({ generator: GENERATOR_DIGEST, slug: options.slug, flowsDir, collectors })), flowsDir };
}

export function compileServer(options: ServerOptions): GeneratedFile {
  const { inputSha256, flowsDir } = serverInput(options);
  const body = renderTemplate('server.py', { slug: options.slug, flows_dir: flowsDir, collectors: [...(options.collectors ?? [])] });
  return {
    path: SERVER_PATH,
    content: withHeader(body, { source: 'flowc.yaml', inputSha256, generator: GENERATOR_DIGEST }),
  };
}
