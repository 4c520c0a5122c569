/**
 * service-down once at real timing (time scale 1): the seed's 15 s scrape, 30 s rule
 * evaluation, 1 m `for`, and Alertmanager's 30 s group_wait and 5 m group_interval, so
 * the timing model is proven against the configuration as it will run in production.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../support/stack-helpers.ts';
import { assertion, readScenarioResult } from '../support/results.ts';

describe('service-down at real timing', () => {
  it('detects, fires after 1m, notifies and resolves within the timing model', async () => {
    const out = mkdtempSync(join(tmpdir(), 'service-down-real-'));
    const cli = runCli('harness/cli/scenario.ts', ['service-down', '--time-scale', '1', '--port-offset', '3500', '--out', out]);
    const code = await cli.exited;
    expect(code, cli.output().slice(-3000)).toBe(0);
    const r = readScenarioResult(out);
    const lifecycle = assertion(r, 'ServiceDown fires only after its for');
    expect(lifecycle.verdict).toBe('pass');
    expect(Number(lifecycle.timing!.forMs)).toBe(60_000);
    expect(Number(lifecycle.timing!.pendingToFiringObservedMs)).toBeGreaterThanOrEqual(60_000);
    expect(Number(lifecycle.timing!.detectionMs)).toBeLessThanOrEqual(Number(lifecycle.timing!.boundMs));
    expect(assertion(r, 'a resolved notification names the service').verdict).toBe('pass');
  }, 1_200_000);
});
