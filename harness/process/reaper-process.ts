/**
 * The reaper: a tiny detached process that outlives the harness. The harness tells it,
 * over this process's stdin, each process group it starts ("add <pgid>") or has stopped
 * ("remove <pgid>"). When stdin closes — the harness exited, crashed, or was SIGKILLed —
 * the reaper terminates every group still registered, then exits. Same idea as
 * testcontainers' Ryuk, without a container.
 *
 * Runs directly under Node's type stripping (no tsx): erasable TypeScript only.
 */
import { appendFileSync } from 'node:fs';
import { request } from 'node:http';

const groups = new Set<number>();
/** Container engines (socket path) and the run label whose containers, networks and volumes go with the harness. */
const engines: { socket: string; label: string }[] = [];
const logFile = process.argv[2];
const log = (msg: string): void => {
  if (logFile) appendFileSync(logFile, `${new Date().toISOString()} reaper[${process.pid}] ${msg}\n`);
};

function alive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

function signalAll(sig: NodeJS.Signals): void {
  for (const g of groups) {
    try {
      process.kill(-g, sig);
    } catch {
      groups.delete(g);
    }
  }
}

/** One call to the Docker-compatible API on a unix socket; resolves with the parsed body (or undefined). */
function api(socket: string, method: string, path: string): Promise<unknown> {
  return new Promise((resolve) => {
    const req = request({ socketPath: socket, method, path, timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => {
        try {
          resolve(body ? JSON.parse(body) : undefined);
        } catch {
          resolve(undefined);
        }
      });
    });
    req.on('error', () => resolve(undefined));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

/** Removes every container, network and volume that carries a run's label. */
async function reapContainers(): Promise<void> {
  for (const { socket, label } of engines) {
    const filters = encodeURIComponent(JSON.stringify({ label: [label] }));
    const list = async <T>(path: string): Promise<T[]> => ((await api(socket, 'GET', `${path}?all=1&filters=${filters}`)) ?? []) as T[];
    // A loaded engine can take longer than one call's timeout to remove a container, and a
    // network cannot go while one is attached: list again until nothing is left (bounded).
    const deadline = Date.now() + 120_000;
    for (let round = 1; Date.now() < deadline; round++) {
      const containers = await list<{ Id: string }>('/containers/json');
      const networks = await list<{ Id: string }>('/networks');
      if (!containers.length && !networks.length) break;
      log(`round ${round}: removing ${containers.length} container(s) and ${networks.length} network(s) labelled ${label}`);
      await Promise.all(containers.map((c) => api(socket, 'DELETE', `/containers/${c.Id}?force=1&v=1`)));
      for (const n of networks) await api(socket, 'DELETE', `/networks/${n.Id}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    const volumes = ((await api(socket, 'GET', `/volumes?filters=${filters}`)) as { Volumes?: { Name: string }[] } | undefined)?.Volumes ?? [];
    for (const v of volumes) await api(socket, 'DELETE', `/volumes/${v.Name}?force=1`);
  }
}

async function reap(): Promise<void> {
  if (engines.length) await reapContainers();
  if (groups.size === 0) process.exit(0);
  log(`harness gone; reaping ${[...groups].join(', ')}`);
  // A frozen (SIGSTOPped) process ignores SIGTERM until continued.
  signalAll('SIGCONT');
  signalAll('SIGTERM');
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline && [...groups].some(alive)) await new Promise((r) => setTimeout(r, 100));
  signalAll('SIGKILL');
  log('done');
  process.exit(0);
}

let buffer = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk: string) => {
  buffer += chunk;
  let nl: number;
  while ((nl = buffer.indexOf('\n')) >= 0) {
    const [cmd, arg, extra] = buffer.slice(0, nl).trim().split(/\s+/);
    buffer = buffer.slice(nl + 1);
    if (cmd === 'containers' && arg && extra) {
      engines.push({ socket: arg, label: extra });
      continue;
    }
    if (cmd === 'forget-containers') {
      engines.length = 0;
      continue;
    }
    const pgid = Number(arg);
    if (!Number.isInteger(pgid) || pgid <= 1) continue;
    if (cmd === 'add') groups.add(pgid);
    else if (cmd === 'remove') groups.delete(pgid);
  }
});
process.stdin.on('end', () => void reap());
process.stdin.on('error', () => void reap());
// The harness's Ctrl-C reaches its own process group only; ignore stray signals so
// the reaper outlives a harness that is being torn down.
process.on('SIGINT', () => {});
process.on('SIGHUP', () => {});
log('started');
