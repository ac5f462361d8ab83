/**
 * A real PostgreSQL server for one test file: a fresh cluster in a temp directory on a free port,
 * reached over TCP with trust auth, removed when stopped.
 *
 *   const pg = await startPostgres();   // pg.url = postgresql://postgres@127.0.0.1:<port>/flowc
 *   ...
 *   await pg.stop();
 *
 * The server binaries come from Debian's `postgresql` package (scripts/test.sh installs it). The
 * server refuses to run as root, so under root the cluster is owned by the package's `postgres`
 * user and every server command runs as that user.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface RunningPostgres {
  url: string;
  stop(): Promise<void>;
}

/** The newest installed server's bin directory, or a clear error naming what to install. */
export function postgresBin(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(path.join(root, v, 'bin/initdb'))) : [];
  versions.sort((a, b) => Number(b) - Number(a));
  if (!versions.length) throw new Error(`no PostgreSQL server under ${root}: install Debian's postgresql package (scripts/test.sh does: apt-get install -y postgresql)`);
  return path.join(root, versions[0]!, 'bin');
}

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

export async function startPostgres(): Promise<RunningPostgres> {
  const bin = postgresBin();
  const asRoot = process.getuid?.() === 0;
  const owner = asRoot ? Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' })) : undefined;
  const group = asRoot ? Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' })) : undefined;
  const run = (tool: string, args: string[]) => {
    const argv = asRoot ? ['runuser', '-u', 'postgres', '--', path.join(bin, tool), ...args] : [path.join(bin, tool), ...args];
    return execFileSync(argv[0]!, argv.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  };
  const dir = mkdtempSync(path.join(tmpdir(), 'flowc-pg-'));
  chmodSync(dir, 0o755);
  if (owner !== undefined) chownSync(dir, owner, group!);
  const data = path.join(dir, 'data');
  const port = await freePort();
  try {
    run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C.UTF-8']);
    // fsync off: a test cluster thrown away at the end need not survive a power cut.
    const options = `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c fsync=off -c max_connections=50`;
    run('pg_ctl', ['-D', data, '-l', path.join(dir, 'server.log'), '-w', '-t', '60', '-o', options, 'start']);
    run('createdb', ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', 'flowc']);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    const e = err as { stderr?: string; message: string };
    throw new Error(`starting PostgreSQL from ${bin} failed: ${e.stderr || e.message}`);
  }
  return {
    url: `postgresql://postgres@127.0.0.1:${port}/flowc`,
    async stop() {
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
