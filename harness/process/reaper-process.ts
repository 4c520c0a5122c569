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

const groups = new Set<number>();
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

async function reap(): Promise<void> {
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
    const [cmd, arg] = buffer.slice(0, nl).trim().split(/\s+/);
    buffer = buffer.slice(nl + 1);
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
