/**
 * Atomic file writes for the work tree: write a temp file beside the target, then rename over it,
 * so a reader (git, the LangServe host, a watcher) sees the old file or the new one, never half.
 * Temp files carry a recognisable name, so the ones a killed process left behind are found and
 * removed by the next pass (`isStaleTemp`).
 */
import { rename, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';

let counter = 0;
const TEMP_RE = /^\..+\.flowc-tmp-\d+-\d+$/;

export const isStaleTemp = (name: string): boolean => TEMP_RE.test(name);

export async function writeAtomic(file: string, content: string | Uint8Array): Promise<void> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.flowc-tmp-${process.pid}-${++counter}`);
  try {
    await writeFile(tmp, content);
    await rename(tmp, file);
  } catch (err) {
    await unlink(tmp).catch(() => {});
    throw err;
  }
}
