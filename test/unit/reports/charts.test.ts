import { describe, expect, it } from 'vitest';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { logLineSeries, niceStep, PALETTE, renderLineChart, renderTimeline, seriesFromObservations, seriesStyle, shortSeriesNames, timeTicks } from '../../../reports/charts.ts';
import { manySeries, T0, t } from './fixtures.ts';

const wellFormed = (svg: string): void => {
  const r = XMLValidator.validate(svg);
  expect(r, JSON.stringify(r)).toBe(true);
};
const parse = (svg: string): Record<string, unknown> => new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@' }).parse(svg) as Record<string, unknown>;
const count = (s: string, needle: string): number => s.split(needle).length - 1;

describe('renderLineChart', () => {
  it('draws 20 series as well-formed SVG with a legend of 20 distinguishable entries', () => {
    const series = manySeries(20);
    const svg = renderLineChart(series, { title: 'p99 latency by service', bands: [{ start: T0 + 20_000, end: T0 + 40_000, label: 'latency +300ms on git-mcp' }], evaluations: [{ t: T0 + 10_000, ok: true }, { t: T0 + 50_000, ok: false }] });
    wellFormed(svg);
    const doc = parse(svg);
    expect(doc.svg).toBeDefined();
    expect(count(svg, '<g class="legend-entry">')).toBe(20);
    expect(count(svg, '<g class="series">')).toBe(20);
    // Legend text is only the label that differs: the service.
    expect(svg).toContain('>service=filesystem-mcp<');
    expect(svg).not.toContain('>job=mcp-services');
    // 20 series get 20 distinct (colour, dash) styles.
    const styles = new Set(Array.from({ length: 20 }, (_, i) => JSON.stringify(seriesStyle(i))));
    expect(styles.size).toBe(20);
    // The fault window is shaded, the evaluations drawn.
    expect(svg).toContain('<g class="band">');
    expect(count(svg, '<rect x=')).toBeGreaterThan(2);
    expect(svg).toContain('#59a14f'); // an ok evaluation
    // A null point breaks series 3 into two segments.
    const s3 = svg.split('<g class="series">')[4]!;
    expect(count(s3.split('</g>')[0]!, 'M')).toBe(2);
    // No script, no external reference.
    expect(svg).not.toMatch(/<script|href=|src=/);
  });

  it('escapes label values and titles', () => {
    const svg = renderLineChart([{ labels: { path: '/a?b=<x>&c="d"' }, points: [{ t: T0, v: 1 }, { t: T0 + 1000, v: 2 }] }], { title: 'a < b & "c"' });
    wellFormed(svg);
    expect(svg).toContain('a &lt; b &amp; &quot;c&quot;');
    expect(svg).not.toContain('<x>');
  });

  it('renders an empty chart with a message when there are no numeric samples', () => {
    const svg = renderLineChart([], { evaluations: [{ t: T0, ok: false }, { t: T0 + 2000, ok: false, error: 'HTTP 503' }], emptyMessage: 'no numeric samples' });
    wellFormed(svg);
    expect(svg).toContain('no numeric samples');
    expect(svg).toContain('#999999'); // the errored evaluation
  });

  it('handles constant, negative and single-point series', () => {
    for (const pts of [[{ t: T0, v: 0 }, { t: T0 + 1000, v: 0 }], [{ t: T0, v: -5 }, { t: T0 + 1000, v: -5 }], [{ t: T0, v: 3 }]]) {
      const svg = renderLineChart([{ labels: { a: '1' }, points: pts }]);
      wellFormed(svg);
      expect(svg).not.toContain('NaN');
    }
    expect(renderLineChart([{ labels: {}, points: [{ t: T0, v: 3 }] }])).toContain('<circle');
  });
});

describe('seriesFromObservations', () => {
  it('merges instant values across evaluations and breaks lines where a series was absent', () => {
    const s = seriesFromObservations([
      { at: t(0), ok: true, series: [{ labels: { a: '1' }, value: 1 }] },
      { at: t(1), ok: true, series: [] },
      { at: t(2), ok: true, series: [{ labels: { a: '1' }, value: '+Inf' }] },
      { at: t(3), ok: true, series: [{ labels: { a: '1' }, value: 4 }] },
      { at: t(4), ok: false, error: 'timeout' },
    ]);
    expect(s).toHaveLength(1);
    expect(s[0]!.points.map((p) => p.v)).toEqual([1, null, null, 4]);
  });

  it('merges range values by timestamp, the later evaluation winning', () => {
    const s = seriesFromObservations([
      { at: t(10), ok: true, series: [{ labels: { b: 'x' }, values: [[t(0), 1], [t(5), 2]] }] },
      { at: t(15), ok: true, series: [{ labels: { b: 'x' }, values: [[t(5), 3], [t(10), 'NaN']] }] },
    ]);
    expect(s[0]!.points).toEqual([{ t: T0, v: 1 }, { t: T0 + 5000, v: 3 }, { t: T0 + 10_000, v: null }]);
  });

  it('ignores log streams', () => {
    expect(seriesFromObservations([{ at: t(0), ok: true, series: [{ labels: {}, lines: [[t(0), 'x']] }] }])).toEqual([]);
  });

  it('counts distinct log lines per stream over time (logLineSeries)', () => {
    const s = logLineSeries([
      { at: t(5), ok: true, series: [{ labels: { s: 'a' }, lines: [[t(1), 'x'], [t(3), 'y']] }] },
      { at: t(9), ok: true, series: [{ labels: { s: 'a' }, lines: [[t(3), 'y'], [t(2), 'z']] }, { labels: { s: 'b' }, lines: [[t(4), 'w']] }] },
    ]);
    expect(s.map((x) => [x.labels.s, x.points.map((p) => [(p.t - T0) / 1000, p.v])])).toEqual([
      ['a', [[1, 1], [2, 2], [3, 3]]],
      ['b', [[4, 1]]],
    ]);
  });
});

describe('shortSeriesNames', () => {
  it('keeps only the fewest labels that tell series apart, preferring readable names', () => {
    const sets = [
      { __name__: 'up', job: 'a', instance: '127.0.0.1:1', service: 'x' },
      { __name__: 'up', job: 'a', instance: '127.0.0.1:2', service: 'y' },
      { __name__: 'up', job: 'b', instance: '127.0.0.1:3', service: 'z' },
    ];
    expect(shortSeriesNames(sets)).toEqual(['service=x', 'service=y', 'service=z']);
    expect(shortSeriesNames([{ code: '200', method: 'GET' }, { code: '200', method: 'POST' }, { code: '500', method: 'GET' }])).toEqual(['code=200, method=GET', 'code=200, method=POST', 'code=500, method=GET']);
    expect(shortSeriesNames([{ __name__: 'up', job: 'a' }])).toEqual(['up{job="a"}']);
    expect(shortSeriesNames([{ a: '1' }, { a: '1' }])).toEqual(['{a="1"}', '{a="1"}']);
  });
});

describe('scales', () => {
  it('nice steps and round time ticks', () => {
    expect(niceStep(1, 4)).toBe(0.25);
    expect(niceStep(100, 4)).toBe(25);
    expect(niceStep(0.07, 4)).toBeCloseTo(0.02);
    const ticks = timeTicks(T0 + 1234, T0 + 95_000, 8);
    expect(ticks.length).toBeLessThanOrEqual(8);
    for (const x of ticks) expect(x % 15_000).toBe(0);
    expect(PALETTE).toHaveLength(10);
  });
});

describe('renderTimeline', () => {
  it('draws lanes of bars and markers with shaded bands, well-formed', () => {
    const svg = renderTimeline(
      [
        { label: 'kill <filesystem-mcp>', items: [{ start: T0 + 1000, end: T0 + 5000, color: '#4e79a7', label: 'kill' }] },
        { label: 'notifications', items: [{ start: T0 + 3000, color: '#b07aa1', title: 'firing & "x"' }] },
      ],
      { start: T0, end: T0 + 10_000, bands: [{ start: T0 + 2000, label: 'open fault' }], key: [['action', '#4e79a7']] },
    );
    wellFormed(svg);
    expect(count(svg, '<g class="lane">')).toBe(2);
    expect(svg).toContain('<g class="marker">');
    expect(svg).toContain('kill &lt;filesystem-mcp&gt;');
    expect(svg).toContain('not ended');
  });
});
