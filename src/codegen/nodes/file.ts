/**
 * File: the text of the node's files (text formats). LangFlow stores uploads on its server, so
 * at run time the stored paths are looked up under FLOWC_FILES_DIR; a node with no file selected
 * (as starter projects ship) reads the paths in FLOWC_FILE.
 */
import type { PyValue } from '../python.js';
import { constant, str, type NodeGenerator } from './generator.js';

export const file: NodeGenerator = {
  types: ['File'],
  template: 'nodes/file.py',
  runtime: ['files'],
  outputs: { message: 'Message' },
  vars(ctx) {
    const raw = constant<PyValue>(ctx, 'path', []);
    const paths = (Array.isArray(raw) ? raw : [raw]).filter((p): p is string => typeof p === 'string' && p !== '');
    if (paths.length === 0) ctx.warn('path', 'no file selected: the file is named at run time by FLOWC_FILE (docs/compiler.md)');
    return { paths, separator: str(ctx, 'separator', '\n\n') };
  },
};
