import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { XMLParser } from 'fast-xml-parser';
import { validateXML } from 'xmllint-wasm';
import type { RunEvent } from '../../../harness/events/run-events.ts';
import { JunitReporter } from '../../../reports/junit-reporter.ts';
import { combinedRun, failingRun, feed, passingRun, SECRETS, t } from './fixtures.ts';

const XSD_PATH = resolve(import.meta.dirname, '../../fixtures/junit.xsd');
const XSD = readFileSync(XSD_PATH, 'utf8');
const XMLLINT = ['/usr/bin/xmllint', '/bin/xmllint'].find((p) => existsSync(p));

async function junitOf(events: RunEvent[]): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'junit-reporter-'));
  await feed(new JunitReporter(dir, { hostname: 'ci-runner-1' }), events);
  return readFileSync(join(dir, 'junit.xml'), 'utf8');
}

/** Schema validation with libxml2 (compiled to wasm: no system package needed). */
async function validate(xml: string): Promise<{ valid: boolean; errors: string[] }> {
  const r = await validateXML({ xml: [{ fileName: 'junit.xml', contents: xml }], schema: [{ fileName: 'junit.xsd', contents: XSD }] });
  return { valid: r.valid, errors: r.errors.map((e) => e.rawMessage) };
}

/** The same with the xmllint command CI images have (libxml2-utils), when installed. */
function validateCli(xml: string): { valid: boolean; output: string } {
  const file = join(mkdtempSync(join(tmpdir(), 'junit-cli-')), 'junit.xml');
  writeFileSync(file, xml);
  const r = spawnSync(XMLLINT!, ['--noout', '--schema', XSD_PATH, file], { encoding: 'utf8' });
  return { valid: r.status === 0, output: `${r.stdout}${r.stderr}` };
}

type Node = Record<string, unknown>;
const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', isArray: (name) => ['testsuite', 'testcase', 'property', 'failure', 'error'].includes(name), textNodeName: '#text' });

describe('JunitReporter', () => {
  it('writes a testsuite per scenario and a testcase per assertion, with failures, counts, times and properties', async () => {
    const xml = await junitOf(combinedRun());
    const doc = parser.parse(xml) as { testsuites: Node & { testsuite: Node[] } };
    const root = doc.testsuites;
    expect(root['@tests']).toBe('9');
    expect(root['@failures']).toBe('1');
    expect(root['@errors']).toBe('0');
    expect(root['@time']).toBe('192.000');
    const [pass, fail] = root.testsuite as Array<Node & { testcase: Node[]; properties: { property: Node[] } }>;
    expect(pass!['@name']).toBe('high-error-rate');
    expect(pass).toMatchObject({ '@tests': '5', '@failures': '0', '@errors': '0', '@skipped': '0', '@time': '89.000', '@timestamp': '2025-05-12T02:00:01', '@hostname': 'ci-runner-1' });
    expect(fail).toMatchObject({ '@name': 'service-down', '@tests': '4', '@failures': '1', '@errors': '0', '@time': '90.000' });
    const props = Object.fromEntries(pass!.properties.property.map((p) => [p['@name'], p['@value']]));
    expect(props).toMatchObject({ seed: '42', timeScale: '0.1', runId: 'nightly-2025-05-12', 'component.prometheus': '3.16.0' });

    const cases = fail!.testcase;
    expect(cases.map((c) => c['@classname'])).toEqual(Array(4).fill('service-down'));
    expect(cases.map((c) => c['@name'])).toEqual(['steady state: every target is up', 'up{service="filesystem-mcp"} drops to 0', 'the crash is logged in Loki', 'ServiceDown fires for filesystem-mcp']);
    const failed = cases[3]!;
    expect(failed['@time']).toBe('60.000');
    const failure = (failed.failure as Node[])[0]!;
    expect(failure['@message']).toContain('expected eventually within 1m (poll 2s): ServiceDown firing');
    expect(failure['@type']).toBe('eventually');
    expect(failure['#text']).toContain('expected: eventually within 1m (poll 2s): ServiceDown firing');
    expect(failure['#text']).toContain('observed: never firing within 1m');
    expect(failure['#text']).toContain('query (promql): ALERTS{alertname="ServiceDown"');
    expect(cases.slice(0, 3).every((c) => c.failure === undefined)).toBe(true);
    // Log tails go to system-err, escaped; secrets never appear.
    expect(xml).toContain('exiting &lt;now&gt;');
    expect(xml).not.toContain('\u001b');
    for (const s of SECRETS) expect(xml).not.toContain(s);
  });

  it('validates against the JUnit XSD (passing, failing and combined runs)', async () => {
    for (const events of [passingRun(), failingRun(), combinedRun()]) {
      const xml = await junitOf(events);
      const r = await validate(xml);
      expect(r.errors).toEqual([]);
      expect(r.valid).toBe(true);
      if (XMLLINT) expect(validateCli(xml)).toMatchObject({ valid: true });
    }
  });

  it('a broken junit.xml fails validation (so the check can fail)', async () => {
    const xml = await junitOf(failingRun());
    const broken = [
      xml.replace(/<testsuite name="service-down" tests="\d+"/, '<testsuite name="service-down"'), // required tests count missing
      xml.replace('time="60.000"', 'time="sixty"'), // time not a number
      xml.replace('<failure ', '<flaky ').replace('</failure>', '</flaky>'), // unknown element
      xml.replace(/timestamp="2025-05-12T02:00:00"/g, 'timestamp="yesterday"'),
    ];
    for (const b of broken) {
      expect(b).not.toBe(xml);
      const r = await validate(b);
      expect(r.valid).toBe(false);
      expect(r.errors.length).toBeGreaterThan(0);
      if (XMLLINT) expect(validateCli(b).valid).toBe(false);
    }
  });

  it('reports a scenario error as <error>, and an unfinished scenario as <error> too', async () => {
    const errored: RunEvent[] = failingRun().map((e) =>
      e.type === 'scenario-end' ? { ...e, verdict: 'error', error: 'fault module "kill" failed: no such process <pid 4101>' } : e,
    );
    errored.splice(errored.findIndex((e) => e.type === 'action-end'), 1, {
      type: 'action-end',
      scenario: 'service-down',
      action: { id: 'b1', phase: 'method', title: 'kill filesystem-mcp', kind: 'kill', startedAt: t(20), endedAt: t(20.4), error: 'no such process' },
    });
    const xml = await junitOf(errored);
    expect((await validate(xml)).valid).toBe(true);
    const doc = parser.parse(xml) as { testsuites: { testsuite: Array<Node & { testcase: Node[] }> } };
    const suite = doc.testsuites.testsuite[0]!;
    expect(suite).toMatchObject({ '@tests': '5', '@failures': '1', '@errors': '1' });
    const scenarioCase = suite.testcase.find((c) => c['@name'] === 'scenario')!;
    const err = (scenarioCase.error as Node[])[0]!;
    expect(err['@message']).toBe('fault module "kill" failed: no such process <pid 4101>');
    expect(err['@type']).toBe('ScenarioError');
    expect(err['#text']).toContain('action "kill filesystem-mcp" (method) failed: no such process');
    expect(xml).toContain('&lt;pid 4101&gt;');

    const unfinished = failingRun().filter((e) => e.type !== 'scenario-end' && e.type !== 'run-end');
    const xml2 = await junitOf(unfinished);
    expect((await validate(xml2)).valid).toBe(true);
    expect(xml2).toContain('type="ScenarioIncomplete"');
  });

  it('strips characters XML cannot hold', async () => {
    const events = passingRun().map((e) => (e.type === 'assertion' && e.assertion.id === 'x1' ? { ...e, assertion: { ...e.assertion, title: 'bell\u0007 and \u001b[1mbold\u001b[0m', verdict: 'fail' as const, message: 'nul\u0000 here' } } : e));
    const xml = await junitOf(events);
    expect((await validate(xml)).valid).toBe(true);
    expect(xml).toContain('name="bell� and bold"');
  });
});
