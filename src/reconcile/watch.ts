/**
 * The watch-mode file watcher: the operating system's own notifications (`fs.watch`, inotify on
 * Linux), one per folder, each event handed on with the path it names. A pass reads the disk
 * itself, so all the controller needs is "something changed here" and, in `flows/`, which file.
 *
 * Why not chokidar (issue 16): on every change in a folder chokidar lists the folder again and
 * lstat's each entry. A tenant with thousands of flows has tens of thousands of generated files in
 * one folder, and a batch of builds writes thousands of them: a 3,000-flow first build took 415 s,
 * 63 % of it in those re-listings. Here an event costs nothing but the callback.
 */
import { readdirSync, statSync, watch, type FSWatcher } from 'node:fs';
import path from 'node:path';

export interface FolderWatch {
  /** Watches `dir` (and, when `deep`, its sub-folders) if it exists; true when it is watched now. */
  add(dir: string, deep: boolean): boolean;
  close(): void;
}

/** Folders and names flowc never looks at: caches, git's own, dotfiles (editors' and atomic writes' temp files). */
const skipped = (name: string) => name === '__pycache__' || name === '.git' || name.startsWith('.');

/**
 * Calls `onEvent(absolute path)` for every change in a watched folder (a file written, added,
 * removed or renamed). A sub-folder of a deep folder is watched as soon as an event names it.
 */
export function watchFolders(onEvent: (file: string) => void, onError: (err: Error) => void): FolderWatch {
  const watchers = new Map<string, FSWatcher>();
  const deepDirs = new Set<string>();
  let closed = false;

  const add = (dir: string, deep: boolean): boolean => {
    if (closed) return false;
    if (deep) deepDirs.add(dir);
    if (watchers.has(dir)) return true;
    let w: FSWatcher;
    try {
      w = watch(dir, { persistent: true }, (_event, name) => {
        if (!name || skipped(name)) return;
        const file = path.join(dir, name.toString());
        // A new sub-folder of a deep folder (components/<flow>/ after a build): watch it too.
        if (deepDirs.has(dir) && !path.extname(name.toString()) && statSync(file, { throwIfNoEntry: false })?.isDirectory()) walk(file);
        onEvent(file);
      });
    } catch {
      return false; // not there (yet), or gone: the controller adds it again after a pass
    }
    // A folder removed under us ends its watcher; a later pass adds it again if it comes back.
    w.on('error', (err) => {
      if ((err as NodeJS.ErrnoException).code !== 'EPERM' && (err as NodeJS.ErrnoException).code !== 'ENOENT') onError(err);
      w.close();
      watchers.delete(dir);
    });
    watchers.set(dir, w);
    return true;
  };

  const walk = (dir: string) => {
    if (!add(dir, true)) return;
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) if (e.isDirectory() && !skipped(e.name)) walk(path.join(dir, e.name));
  };

  return {
    add(dir, deep) {
      if (watchers.has(dir)) return true;
      if (!deep) return add(dir, false);
      walk(dir);
      return watchers.has(dir);
    },
    close() {
      closed = true;
      for (const w of watchers.values()) w.close();
      watchers.clear();
    },
  };
}
