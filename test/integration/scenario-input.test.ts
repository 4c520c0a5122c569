/**
 * What a scenario run does with bad input and with a defective config: bad input is
 * refused before anything starts (exit 2, the file and field named); the seed's
 * defective HighErrorRate rule is caught by the high-error-rate scenario (exit 1).
 */
import { describe, expect, it } from 'vitest';
import { copyFileSync, cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../harness/lib/paths.ts';
import { buildTopology, plannedPorts } from '../../harness/plan/topology.ts';
import { busyPorts, runCli } from '../support/stack-helpers.ts';
import { assertion, readScenarioResult } from '../support/results.ts';

const scenarioFile = (dir: string, name: string, body: string): string => {
  const f = join(dir, `${name}.ts`);
  writeFileSync(f, `import { defineScenario } from '${REPO_ROOT}/harness/engine/scenario.ts';\nimport { step } from '${REPO_ROOT}/harness/engine/steps.ts';\nimport { promql } from '${REPO_ROOT}/harness/engine/checks.ts';\n${body}\n`);
  return f;
};

describe('scenario input errors exit 2 before anything starts', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bad-scenarios-'));

  it('an unknown scenario name lists the known ones', async () => {
    const cli = runCli('harness/cli/scenario.ts', ['no-such-scenario', '--port-offset', '3000']);
    expect(await cli.exited).toBe(2);
    expect(cli.output()).toContain('no scenario named "no-such-scenario"');
    expect(cli.output()).toContain('service-down');
  });

  it('an unparseable PromQL query names the file, the field and the column', async () => {
    const f = scenarioFile(dir, 'typo', `export default defineScenario({ name: 'typo', title: 't', description: '', steadyState: [], method: [step.eventually(promql('rate(http_requests_total[5m]').above(0), '1m')], rollbacks: [], expectedAlerts: [] });`);
    const cli = runCli('harness/cli/scenario.ts', [f, '--port-offset', '3000']);
    expect(await cli.exited).toBe(2);
    expect(cli.output()).toMatch(/typo\.ts: method\[0\]\.check: PromQL syntax error at column \d+/);
    expect(await busyPorts(plannedPorts(buildTopology({ offset: 3000, runDir: '/x' }), { services: true }).map((p) => p.port))).toEqual([]);
  });

  it('a malformed scenario (bad duration) names the field', async () => {
    const f = scenarioFile(dir, 'baddur', `export default defineScenario({ name: 'baddur', title: 't', description: '', steadyState: [], method: [step.wait('five minutes', 'x')], rollbacks: [], expectedAlerts: [] });`);
    const cli = runCli('harness/cli/scenario.ts', [f, '--port-offset', '3000']);
    expect(await cli.exited).toBe(2);
    expect(cli.output()).toMatch(/baddur\.ts: method\[0\]\.duration: expected a duration/);
  });

  it('a scenario without a method is refused', async () => {
    const f = scenarioFile(dir, 'empty', `export default defineScenario({ name: 'empty', title: 't', description: '', steadyState: [], method: [], rollbacks: [], expectedAlerts: [] });`);
    const cli = runCli('harness/cli/scenario.ts', [f, '--port-offset', '3000']);
    expect(await cli.exited).toBe(2);
    expect(cli.output()).toMatch(/empty\.ts: method: a scenario needs at least one step/);
  });
});

describe("the seed's defective HighErrorRate rule (test/fixtures/defects/seed-high-error-rate)", () => {
  it('is caught by high-error-rate: 4 % errors already make it pending', async () => {
    const monitoring = mkdtempSync(join(tmpdir(), 'seed-rules-'));
    cpSync(join(REPO_ROOT, 'monitoring'), monitoring, { recursive: true });
    copyFileSync(join(REPO_ROOT, 'test/fixtures/defects/seed-high-error-rate/alerts.yml'), join(monitoring, 'prometheus/alerts.yml'));
    const out = mkdtempSync(join(tmpdir(), 'seed-rules-run-'));
    const cli = runCli('harness/cli/scenario.ts', ['high-error-rate', '--time-scale', '0.1', '--port-offset', '3000', '--monitoring-dir', monitoring, '--out', out]);
    expect(await cli.exited, cli.output().slice(-2000)).toBe(1);
    const r = readScenarioResult(out);
    expect(r.verdict).toBe('fail');
    const never = assertion(r, 'never pending or firing at 4 %');
    expect(never.verdict).toBe('fail');
    expect(never.message).toContain('status=\\"500\\"'); // the seed's rule keeps per-status series
  }, 600_000);
});
