/**
 * Nothing left behind, and bad input refused before anything starts: the stack CLI
 * under SIGKILL, SIGTERM and `down`, a taken port, a monitoring folder missing a file.
 */
import { describe, expect, it } from 'vitest';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildTopology, plannedPorts } from '../../harness/plan/topology.ts';
import { busyPorts, eventually, pidAlive, runCli } from '../support/stack-helpers.ts';
import { REPO_ROOT } from '../../harness/lib/paths.ts';

const portsAt = (offset: number) => plannedPorts(buildTopology({ offset, runDir: '/nonexistent' }), { services: true }).map((p) => p.port);

function componentPids(runDir: string): number[] {
  const d = JSON.parse(readFileSync(join(runDir, 'stack.json'), 'utf8')) as { components: { pid: number }[] };
  return d.components.map((c) => c.pid);
}

describe('stack lifecycle', () => {
  it('a SIGKILLed harness leaves no stack process and no listening port (the reaper)', async () => {
    const offset = 300;
    const runDir = mkdtempSync(join(tmpdir(), 'sigkill-'));
    // The permissive folder: all nine components run (the seed folder has no Loki here).
    const cli = runCli('harness/cli/stack.ts', ['up', '--no-services', '--port-offset', String(offset), '--run-dir', runDir, '--monitoring-dir', join(REPO_ROOT, 'monitoring-victorialogs')]);
    await cli.waitFor('All ready', 120_000);
    const pids = componentPids(runDir);
    const allAlive = pids.every(pidAlive);
    // SIGKILL first, then judge: a failed expectation must not leave this stack up for the next test.
    cli.child.kill('SIGKILL');
    expect(pids.length).toBe(9);
    expect(allAlive).toBe(true);
    await cli.exited;
    expect(await eventually(() => pids.every((p) => !pidAlive(p)), 20_000)).toBe(true);
    expect(await eventually(async () => (await busyPorts(portsAt(offset))).length === 0, 10_000)).toBe(true);
  });

  it('SIGTERM stops the foreground stack in order and exits', async () => {
    const offset = 300;
    const runDir = mkdtempSync(join(tmpdir(), 'sigterm-'));
    const cli = runCli('harness/cli/stack.ts', ['up', '--no-services', '--port-offset', String(offset), '--run-dir', runDir]);
    await cli.waitFor('All ready', 120_000);
    const pids = componentPids(runDir);
    cli.child.kill('SIGTERM');
    expect(await cli.exited).toBe(143);
    expect(cli.output()).toContain('no process or port left behind');
    expect(pids.filter(pidAlive)).toEqual([]);
    expect(await busyPorts(portsAt(offset))).toEqual([]);
  });

  it('up --detach returns once ready; status reports it; down stops it', async () => {
    const offset = 300;
    const up = runCli('harness/cli/stack.ts', ['up', '--detach', '--no-services', '--port-offset', String(offset)]);
    expect(await up.exited).toBe(0);
    expect(up.output()).toMatch(/Prometheus\s+http:\/\/127\.0\.0\.1:7328/);
    const status = runCli('harness/cli/stack.ts', ['status', '--port-offset', String(offset)]);
    await status.exited;
    expect(status.output()).toMatch(/prometheus\s+\S+\s+ready/);
    expect(status.output()).toMatch(/alertmanager\s+\S+\s+ready/);
    const down = runCli('harness/cli/stack.ts', ['down', '--port-offset', String(offset)]);
    expect(await down.exited).toBe(0);
    expect(await eventually(async () => (await busyPorts(portsAt(offset))).length === 0, 10_000)).toBe(true);
  });

  it('a taken port: exit 2 naming the port and its holder, nothing started', async () => {
    const offset = 300;
    const blocker: Server = createServer();
    await new Promise<void>((r) => blocker.listen(7033 + offset, '127.0.0.1', () => r()));
    try {
      const cli = runCli('harness/cli/stack.ts', ['up', '--no-services', '--port-offset', String(offset)]);
      expect(await cli.exited).toBe(2);
      expect(cli.output()).toMatch(new RegExp(`port ${7033 + offset} \\(alertmanager\\) is in use by pid ${process.pid}`));
      expect(cli.output()).toContain('--port-offset');
    } finally {
      blocker.close();
    }
    expect(await busyPorts(portsAt(offset))).toEqual([]);
  });

  it('a monitoring folder missing a file: exit 2 naming it, nothing started', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'monitoring-'));
    cpSync(join(REPO_ROOT, 'monitoring'), dir, { recursive: true });
    rmSync(join(dir, 'promtail/promtail-config.yml'));
    const cli = runCli('harness/cli/stack.ts', ['up', '--no-services', '--port-offset', '300', '--monitoring-dir', dir]);
    expect(await cli.exited).toBe(2);
    expect(cli.output()).toContain(join(dir, 'promtail/promtail-config.yml'));
    expect(cli.output()).toContain('fix:');
    expect(await busyPorts(portsAt(300))).toEqual([]);
  });

  it('a run folder deeper than the Unix socket path limit (107 bytes) still starts PostgreSQL', async () => {
    const offset = 300;
    const runDir = join(mkdtempSync(join(tmpdir(), 'deep-')), 'a-run-folder-named-at-length-as-a-mutation-run-names-its-mutants', 'run');
    const cli = runCli('harness/cli/stack.ts', ['up', '--no-services', '--port-offset', String(offset), '--run-dir', runDir, '--monitoring-dir', join(REPO_ROOT, 'monitoring-victorialogs')]);
    const ready = await cli.waitFor('All ready', 60_000).then(() => true, () => false);
    cli.child.kill('SIGTERM');
    await cli.exited;
    expect(ready, cli.output().slice(-2000)).toBe(true);
    expect(cli.output()).toMatch(/postgres: ready in/);
    expect(await eventually(async () => (await busyPorts(portsAt(offset))).length === 0, 10_000)).toBe(true);
  });

  it('a bad option value: exit 2 naming the option', async () => {
    const cli = runCli('harness/cli/stack.ts', ['up', '--time-scale', 'fast']);
    expect(await cli.exited).toBe(2);
    expect(cli.output()).toContain('--time-scale');
  });
});
