import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JsonReporter, type JsonResults } from '../../../reports/json-reporter.ts';
import { combinedRun, failingRun, feed, SECRETS, t } from './fixtures.ts';

async function run(events = combinedRun()): Promise<{ json: JsonResults; raw: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'json-reporter-'));
  await feed(new JsonReporter(dir), events);
  const raw = readFileSync(join(dir, 'results.json'), 'utf8');
  return { json: JSON.parse(raw) as JsonResults, raw };
}

describe('JsonReporter', () => {
  it('writes results.json with run info, verdicts, actions, assertions with evidence, alerts, notifications, fault windows', async () => {
    const { json } = await run();
    expect(json.schemaVersion).toBe(1);
    expect(json.verdict).toBe('fail');
    expect(json.run?.seed).toBe(42);
    expect(json.run?.timeScale).toBe(0.1);
    expect(json.run?.components.map((c) => c.name)).toContain('prometheus');
    expect(json.run?.configChanges).toHaveLength(7);
    expect(json.summary).toMatchObject({ scenarios: 2, passed: 1, failed: 1, errors: 0, assertions: 9, failedAssertions: 1 });
    expect(json.runEnd).toEqual({ verdict: 'fail', at: t(192), durationMs: 192_000 });

    const [pass, fail] = json.scenarios;
    expect(pass!.name).toBe('high-error-rate');
    expect(pass!.verdict).toBe('pass');
    expect(pass!.actions.map((a) => [a.title, a.endedAt])).toEqual([
      ['fault error-ratio 0.06 on terminal-mcp', t(20.3)],
      ['clear error-ratio on terminal-mcp', t(80.2)],
    ]);
    expect(pass!.phases.map((p) => p.phase)).toEqual(['steady-state-before', 'method', 'rollback', 'steady-state-after']);
    expect(pass!.notifications.map((n) => n.payload.status)).toEqual(['firing', 'resolved']);
    expect(pass!.alertTransitions.map((x) => x.state)).toEqual(['pending', 'firing', 'inactive']);
    expect(pass!.faultWindows).toEqual([{ label: 'error-ratio 0.06 on terminal-mcp', start: t(20.3), end: t(80.2) }]);
    expect(pass!.logTails).toBeUndefined();

    expect(fail!.verdict).toBe('fail');
    const failed = fail!.assertions.find((a) => a.verdict === 'fail')!;
    expect(failed.title).toBe('ServiceDown fires for filesystem-mcp');
    expect(failed.evidence.query).toContain('ServiceDown');
    expect(failed.evidence.observed.length).toBe(31);
    expect(failed.evidence.observed.some((o) => o.error?.includes('503'))).toBe(true);
    expect(Object.keys(fail!.logTails ?? {})).toEqual(['prometheus', 'alertmanager', 'filesystem-mcp']);
    expect(fail!.lastProgress?.waitingFor).toBe('ServiceDown firing');
  });

  it('keeps non-finite sample values as Prometheus strings', async () => {
    const { json } = await run();
    const others = json.scenarios[0]!.assertions.find((a) => a.title.startsWith('other services'))!;
    const values = others.evidence.observed.flatMap((o) => o.series?.flatMap((s) => s.values?.map((v) => v[1]) ?? []) ?? []);
    expect(values).toContain('NaN');
  });

  it('redacts secrets: config values under secret keys, params, timing, text', async () => {
    const { json, raw } = await run();
    for (const s of SECRETS) expect(raw).not.toContain(s);
    const pw = json.run!.configChanges.find((c) => c.key.endsWith('password'))!;
    expect(pw.from).toBe('[redacted]');
    expect(pw.to).toBe('[redacted]');
    const basic = json.run!.configChanges.find((c) => c.key.endsWith('basic_auth'))!;
    expect(basic.from).toEqual({ username: 'admin', password: '[redacted]' });
    expect(json.scenarios[0]!.actions[0]!.params).toEqual({ ratio: 0.06, token: '[redacted]' });
  });

  it('still writes a file when the run never ended (scenario incomplete)', async () => {
    const events = failingRun().filter((e) => e.type !== 'scenario-end' && e.type !== 'run-end');
    const { json } = await run(events);
    expect(json.verdict).toBe('incomplete');
    expect(json.scenarios[0]!.verdict).toBe('incomplete');
    expect(json.summary.incomplete).toBe(1);
  });
});
