/** The component list as data: stop order derived from dependsOn alone, and the log pipeline's absent parts. */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { stopOrder } from '../../../harness/stack/native-stack.ts';
import { absentLogComponents, inactiveLogComponents, type ComponentDefinition } from '../../../harness/stack/components.ts';
import { LOG_PIPELINES } from '../../../harness/plan/log-pipeline.ts';
import type { ComponentName } from '../../../harness/plan/port-plan.ts';

const def = (name: ComponentName, dependsOn: ComponentName[] = []) => ({ name, dependsOn }) as unknown as ComponentDefinition;

describe('stopOrder', () => {
  it('stops every component before what it depends on, whatever the list order', () => {
    const order = stopOrder([def('prometheus', ['alertmanager']), def('postgres'), def('otelcol', ['victorialogs']), def('postgres-exporter', ['postgres']), def('alertmanager'), def('victorialogs')]);
    const before = (a: ComponentName, b: ComponentName) => order.indexOf(a) < order.indexOf(b);
    expect(order).toHaveLength(6);
    expect(before('prometheus', 'alertmanager')).toBe(true);
    expect(before('otelcol', 'victorialogs')).toBe(true);
    expect(before('postgres-exporter', 'postgres')).toBe(true);
  });

  it('refuses a dependency cycle', () => {
    expect(() => stopOrder([def('loki', ['promtail']), def('promtail', ['loki'])])).toThrow(/dependency cycle: .*loki.*promtail|dependency cycle: .*promtail.*loki/);
  });
});

describe('the log pipeline a run cannot start', () => {
  const saved = { PATH: process.env.PATH, LOKI_BIN: process.env.LOKI_BIN, PROMTAIL_BIN: process.env.PROMTAIL_BIN };
  afterEach(() => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  it('without a user-supplied Loki: Loki and Promtail are absent, each with why and how to supply it', () => {
    delete process.env.LOKI_BIN;
    delete process.env.PROMTAIL_BIN;
    process.env.PATH = mkdtempSync(`${tmpdir()}/no-loki-`);
    const absent = absentLogComponents(LOG_PIPELINES.loki);
    expect(absent.map((a) => a.name)).toEqual(['loki', 'promtail']);
    expect(absent[0]!.reason).toMatch(/AGPL-3\.0 and user-supplied/);
    expect(absent[0]!.how).toMatch(/LOKI_BIN/);
    expect(inactiveLogComponents(LOG_PIPELINES.loki).sort()).toEqual(['loki', 'otelcol', 'promtail', 'victorialogs']);
  });

  it('the permissive pipeline is never absent: setup builds it', () => {
    expect(absentLogComponents(LOG_PIPELINES.victorialogs)).toEqual([]);
    expect(inactiveLogComponents(LOG_PIPELINES.victorialogs).sort()).toEqual(['loki', 'promtail']);
  });
});
