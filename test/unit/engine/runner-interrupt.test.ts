/**
 * The runner against a fake environment: an interrupt in the middle of the method ends
 * the current wait, clears the active fault, plays the rollbacks, and the event stream
 * yields a complete report with the `interrupted` verdict. Prometheus is a tiny fake
 * that answers every query with an empty vector (no alerts), so nothing else can fail.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventBus } from '../../../harness/events/event-bus.ts';
import { ScenarioRunner } from '../../../harness/engine/runner.ts';
import { defineScenario } from '../../../harness/engine/scenario.ts';
import { step } from '../../../harness/engine/steps.ts';
import type { FaultModule } from '../../../harness/chaos/fault-module.ts';
import type { EnvironmentHandle } from '../../../harness/stack/handles.ts';
import { renderMonitoringConfig } from '../../../harness/render/render.ts';
import { buildTopology } from '../../../harness/plan/topology.ts';
import { REPO_ROOT } from '../../../harness/lib/paths.ts';
import { JsonReporter } from '../../../reports/json-reporter.ts';
import { validateResults } from '../../../reports/results-schema.ts';

let prometheus: Server;
let runDir: string;

beforeAll(async () => {
  prometheus = createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [] } }));
  });
  await new Promise<void>((r) => prometheus.listen(0, '127.0.0.1', () => r()));
  runDir = mkdtempSync(join(tmpdir(), 'runner-interrupt-'));
});
afterAll(() => {
  prometheus.close();
  rmSync(runDir, { recursive: true, force: true });
});

function fakeEnvironment(): EnvironmentHandle {
  const topology = buildTopology({ offset: 0, runDir });
  const config = renderMonitoringConfig({ monitoringDir: join(REPO_ROOT, 'monitoring'), topology, timeScale: 0.1 });
  const url = `http://127.0.0.1:${(prometheus.address() as AddressInfo).port}`;
  return {
    seed: 1,
    stack: {
      topology,
      config,
      runDir,
      alertReceiver: { notifications: [] },
      url: () => url,
      process: () => {
        throw new Error('no processes in the fake');
      },
      processes: () => [],
      restartComponent: async () => 0,
      recreateComponent: async () => 0,
      hostPath: (_c: string, p: string) => p,
      serveVirtualTargets: () => Promise.reject(new Error('no virtual targets in the fake')),
      has: () => true,
      absent: [],
      describe: () => ({ runDir, offset: 0, timeScale: 0.1, components: [], absent: [] }),
    },
    stop: async () => ({ leftoverPorts: [] }),
  };
}

describe('ScenarioRunner, interrupted mid-method', () => {
  it('runs the rollbacks, clears the fault, and reports `interrupted` completely', async () => {
    const log: string[] = [];
    const fault: FaultModule<{ target: string }> = {
      kind: 'fake',
      describe: (p) => `fake fault on ${p.target}`,
      inject: async (_ctx, p) => {
        log.push(`inject ${p.target}`);
        return 'handle-1';
      },
      clear: async (_ctx, p, handle) => {
        log.push(`clear ${p.target} ${String(handle)}`);
      },
    };
    const scenario = defineScenario({
      name: 'interrupt-me',
      title: 'interrupt me',
      description: 'a fault, then a long wait that the interrupt ends',
      steadyState: [],
      method: [{ type: 'fault', module: fault as FaultModule<unknown>, params: { target: 'x' }, key: 'f', label: 'fake fault on x' }, step.wait('1h', 'long enough to be interrupted'), { type: 'custom', title: 'never reached', run: async () => void log.push('after the wait') }],
      rollbacks: [{ type: 'custom', title: 'the scenario rollback', run: async () => void log.push('rollback') }],
      expectedAlerts: [],
    })();
    const json = new JsonReporter(runDir);
    const bus = new EventBus([json]);
    const runner = new ScenarioRunner(fakeEnvironment(), bus);
    bus.emit({ type: 'run-begin', run: { runId: 'r', runDir, scenarios: [scenario.name], seed: 1, timeScale: 0.1, monitoringDir: 'monitoring', startedAt: new Date().toISOString(), components: [], configChanges: [], configWarnings: [], timing: {} } });
    const running = runner.run(scenario);
    const t0 = Date.now();
    while (!log.includes('inject x') && Date.now() - t0 < 10_000) await new Promise((r) => setTimeout(r, 20));
    runner.abort();
    const verdict = await running;
    bus.emit({ type: 'run-end', verdict: 'interrupted', at: new Date().toISOString(), durationMs: Date.now() - t0, runDir });
    await bus.finish();

    expect(verdict).toBe('interrupted');
    expect(Date.now() - t0).toBeLessThan(10_000); // the hour-long wait ended at the interrupt
    expect(log).toEqual(['inject x', 'clear x handle-1', 'rollback']);
    const doc = JSON.parse(JSON.stringify(json.results())) as { scenarios: { verdict: string; error?: string; faultWindows: { end?: string }[] }[] };
    expect(validateResults(doc)).toEqual([]);
    expect(doc.scenarios[0]!.verdict).toBe('interrupted');
    expect(doc.scenarios[0]!.error).toMatch(/interrupted by a signal during method; the rollbacks ran/);
    expect(doc.scenarios[0]!.faultWindows[0]!.end).toBeDefined();
  }, 20_000);
});
