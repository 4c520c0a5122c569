/** Port checks before anything starts: a taken port is named with the process holding it. */
import { createServer } from 'node:net';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { UsageError } from '../lib/errors.ts';

export interface PlannedPort {
  port: number;
  owner: string;
}

export function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ port, host, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

/** Which process listens on a TCP port: /proc/net/tcp{,6} inode → /proc/<pid>/fd socket link. */
export function portHolder(port: number): { pid: number; command: string } | undefined {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10 || f[3] !== '0A') continue; // 0A = LISTEN
      if (parseInt(f[1]!.split(':')[1]!, 16) === port) inodes.add(f[9]!);
    }
  }
  if (inodes.size === 0) return undefined;
  for (const pidDir of readdirSync('/proc')) {
    if (!/^\d+$/.test(pidDir)) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pidDir}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pidDir}/fd/${fd}`));
        if (m && inodes.has(m[1]!)) {
          const command = readFileSync(`/proc/${pidDir}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
          return { pid: Number(pidDir), command };
        }
      } catch {
        // fd closed while we looked
      }
    }
  }
  return undefined;
}

/** Throws one UsageError listing every planned port already in use, and who holds it. */
export async function assertPortsFree(ports: PlannedPort[]): Promise<void> {
  const taken: string[] = [];
  for (const p of ports) {
    if (await isPortFree(p.port)) continue;
    const holder = portHolder(p.port);
    taken.push(`port ${p.port} (${p.owner}) is in use${holder ? ` by pid ${holder.pid}: ${holder.command.slice(0, 120)}` : ''}`);
  }
  if (taken.length) {
    throw new UsageError(taken.join('\n  '), {
      fix: 'stop the process holding it (`npm run stack -- down` if it is a detached stack of ours), or run with --port-offset N to move the whole stack',
    });
  }
}
