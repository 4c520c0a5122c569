import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderMonitoringConfig } from '../../../harness/render/render.ts';
import { buildTopology } from '../../../harness/plan/topology.ts';
import { TimingModel } from '../../../harness/engine/timing.ts';

const BUNDLED = join(import.meta.dirname, '../../../monitoring');
const model = (scale: number) => TimingModel.fromRendered(renderMonitoringConfig({ monitoringDir: BUNDLED, topology: buildTopology({ offset: 0, runDir: mkdtempSync(join(tmpdir(), 'timing-')) }), timeScale: scale }));

describe('timing model, read from the rendered config', () => {
  it('at real timing: the seed scrape interval, rule group interval and each rule for', () => {
    const t = model(1);
    expect(t.scrapeMs).toBe(15_000);
    expect(t.evaluationMs).toBe(15_000);
    expect(t.alert('ServiceDown')).toMatchObject({ forMs: 60_000, evaluationMs: 30_000 });
    expect(t.alert('HighErrorRate').forMs).toBe(300_000);
    expect(t.alertmanager).toEqual({ groupWaitMs: 30_000, groupIntervalMs: 300_000, repeatIntervalMs: 14_400_000, resolveTimeoutMs: 300_000 });
  });

  it('bounds an alert by scrape + evaluation + for + evaluation + slack, and never below its for', () => {
    const t = model(1);
    const bound = t.firingBoundMs('ServiceDown', 'mcp-core-services');
    expect(bound).toBe(15_000 + 30_000 + 60_000 + 30_000 + t.slackMs());
    expect(t.firingMinimumMs('ServiceDown')).toBe(60_000);
    expect(bound).toBeGreaterThan(t.firingMinimumMs('ServiceDown'));
  });

  it('at 0.1 everything is a tenth, so windows keep their sample counts', () => {
    const real = model(1);
    const fast = model(0.1);
    expect(fast.scrapeMs).toBe(real.scrapeMs / 10);
    expect(fast.alert('ServiceDown').forMs).toBe(6_000);
    expect(fast.alert('HighErrorRate').evaluationMs).toBe(3_000);
    expect(fast.alertmanager.groupWaitMs).toBe(3_000);
    expect(fast.lookbackMs).toBe(30_000);
    expect(fast.scaled('5m')).toBe(30_000);
    // Samples per 5m window: the same at both scales.
    expect(fast.scaled('5m') / fast.scrapeMs).toBe(real.scaled('5m') / real.scrapeMs);
  });

  it('names the rules it has when asked for one it does not', () => {
    expect(() => model(1).alert('NoSuchAlert')).toThrowError(/ServiceDown, HighErrorRate, HighLatency/);
  });
});
