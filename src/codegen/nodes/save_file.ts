/**
 * SaveToFile (Save File): writes its input to a local file as LangFlow does (Message as
 * txt/json/markdown; Data and Table as csv/json/markdown). Relative names land under
 * FLOWC_FILES_DIR. Only local storage compiles; AWS and Google Drive are refused.
 */
import type { PyValue } from '../python.js';
import { bool, constant, input, str, type NodeGenerator } from './generator.js';

export const saveFile: NodeGenerator = {
  types: ['SaveToFile'],
  template: 'nodes/save_file.py',
  runtime: ['files'],
  outputs: { message: 'Message' },
  // It writes a file: it runs even when nothing reads its confirmation.
  sink: true,
  vars(ctx) {
    const rows = constant<PyValue>(ctx, 'storage_location', []);
    const picked = (Array.isArray(rows) ? rows : [rows]).find((r) => r && typeof r === 'object' && !Array.isArray(r)) as
      | Record<string, PyValue>
      | undefined;
    const location = typeof picked?.name === 'string' ? picked.name : 'Local';
    if (location !== 'Local') {
      ctx.fail('storage_location', `storage "${location}" is not supported by flowc`, 'choose Local storage in LangFlow (docs/compiler.md)');
    }
    if (!picked || picked.selected !== true) ctx.warn('storage_location', 'no storage selected: the file is saved locally (FLOWC_FILES_DIR)');
    return {
      value: input(ctx, 'input'),
      file_name: input(ctx, 'file_name'),
      file_format: str(ctx, 'local_format') || str(ctx, 'file_format'),
      append: bool(ctx, 'append_mode', false),
    };
  },
};
