import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EventBus, type Reporter } from '../../../harness/events/event-bus.ts';
import { createReporters, parseReporterList, PerScenarioRouter } from '../../../reports/registry.ts';
import { highErrorRateEvents, passingRun, runInfo, serviceDownEvents } from './fixtures.ts';

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'registry-'));
  dirs.push(d);
  return d;
};
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('reporter registry', () => {
  it('parses a list and names what it does not know', () => {
    expect(parseReporterList('html, json,html,bogus')).toEqual({ names: ['html', 'json'], unknown: ['bogus'] });
  });

  it('writes only the chosen reports', async () => {
    const out = tmp();
    const bus = new EventBus(createReporters(['json'], out, () => out));
    for (const e of passingRun()) bus.emit(e);
    await bus.finish();
    expect(existsSync(join(out, 'results.json'))).toBe(true);
    expect(existsSync(join(out, 'report.html'))).toBe(false);
    expect(existsSync(join(out, 'junit.xml'))).toBe(false);
  });

  it('a scenario folder whose reporter fails still gets the others, and the index names the failure', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const out = tmp();
    const broken: Reporter = { name: 'broken', onEvent: () => {}, finish: () => Promise.reject(new Error('no space left')) };
    const [router, index] = createReporters(['json', 'index'], out, (s) => join(out, s));
    const withBroken = new PerScenarioRouter((s) => join(out, s), (dir) => [broken, ...(router as PerScenarioRouter).reportersFor(dir)]);
    const bus = new EventBus([withBroken, index!]);
    const events = [{ type: 'run-begin' as const, run: runInfo(['high-error-rate', 'service-down']) }, ...highErrorRateEvents(), ...serviceDownEvents()];
    for (const e of events) bus.emit(e);
    const failures = await bus.finish();
    expect(existsSync(join(out, 'high-error-rate', 'results.json'))).toBe(true);
    expect(existsSync(join(out, 'service-down', 'results.json'))).toBe(true);
    expect(failures.map((f) => f.reporter)).toEqual(['per-scenario']);
    expect(readFileSync(join(out, 'index.html'), 'utf8')).toContain('no space left');
  });
});
