#!/usr/bin/env -S node --max-old-space-size=320 --max-semi-space-size=4
// The V8 flags above keep a long-running watcher's memory bounded (issue 16: without them V8 grows
// its heap lazily, and a 10,000-flow first build peaked at ~600 MB RSS, ~450 MB idle after; with
// them ~330 MB and ~240 MB). A batch is what a pass holds (batch_flows), so 320 MB of old space
// leaves room to spare. `node bin/flowc.js` runs without them.
//
// Thin launcher: the compiled CLI lives in dist/ (`npm run build`). It runs dist/bundle/ (the same
// modules bundled by scripts/bundle.mjs: far fewer files to load, for the pre-commit hook) unless
// that is older than dist/main.js, i.e. dist/ was recompiled by a bare `tsc` since: then dist/ runs.
import module from 'node:module';
import { statSync } from 'node:fs';

// Node >= 22.1 caches compiled code on disk; Node 20 (the supported line) has no such cache: no-op.
module.enableCompileCache?.();

const mtime = (rel) => statSync(new URL(rel, import.meta.url), { throwIfNoEntry: false })?.mtimeMs ?? -1;
const entry = mtime('../dist/bundle/main.js') >= mtime('../dist/main.js') ? '../dist/bundle/main.js' : '../dist/main.js';
const { main } = await import(entry);

main(process.argv.slice(2));
