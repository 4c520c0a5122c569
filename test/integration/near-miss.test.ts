/**
 * Faults shaped to tell the promised rule from its near misses (issue 17): each changed
 * scenario run on a deliberately near-miss variant of the bundled rules must fail. The
 * variants are fixtures (test/fixtures/near-miss/), one per promise.
 */
import { cpSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../harness/lib/paths.ts';
import { runCli } from '../support/stack-helpers.ts';
import { assertion, readScenarioResult } from '../support/results.ts';

/** The permissive folder with the fixture's files (same layout) laid over it. */
function nearMissFolder(fixture: string): string {
  const dir = mkdtempSync(join(tmpdir(), `near-miss-${fixture}-`));
  cpSync(join(REPO_ROOT, 'monitoring-victorialogs'), dir, { recursive: true });
  cpSync(join(REPO_ROOT, 'test/fixtures/near-miss', fixture), dir, { recursive: true });
  return dir;
}

/** Runs one scenario on a near-miss folder; it must fail (exit 1, verdict fail). */
async function failingRun(scenario: string, fixture: string): Promise<{ out: string; r: ReturnType<typeof readScenarioResult> }> {
  const out = mkdtempSync(join(tmpdir(), 'near-miss-run-'));
  const cli = runCli('harness/cli/scenario.ts', [scenario, '--monitoring-dir', nearMissFolder(fixture), '--time-scale', '0.1', '--port-offset', '7000', '--out', out]);
  expect(await cli.exited, cli.output().slice(-2000)).toBe(1);
  const r = readScenarioResult(out);
  expect(r.verdict).toBe('fail');
  return { out, r };
}

describe('near-miss rules fail the scenario that tells them apart', () => {
  it('HighLatency on the median instead of p95: the slow tail never makes it fire, so high-latency fails', async () => {
    const { r } = await failingRun('high-latency', 'high-latency-median');
    // The near-miss phase (800 ms, uniform) passes either way; the tail is what tells them apart.
    expect(assertion(r, 'HighLatency never pending or firing with p95 just under 1 s').verdict).toBe('pass');
    expect(assertion(r, 'HighLatency{service="git-mcp"} pending or firing').verdict).toBe('fail');
  });

  it('read positions in the container\'s /tmp: a process restart keeps them, a recreated container loses them and re-ships every file, so log-shipper-restart fails on the recreate', async () => {
    const { out, r } = await failingRun('log-shipper-restart', 'ephemeral-positions');
    expect(assertion(r, 'after a process restart (container kept): every line').verdict).toBe('pass');
    expect(assertion(r, 'after a recreate (container removed and created again, volumes kept): every line').verdict).toBe('fail');
    // The render kept the meaning and said so: the positions are ephemeral, not a persistent run folder.
    const changes = JSON.parse(readFileSync(join(out, 'stack/config-changes.json'), 'utf8')) as { changes: { key: string; storage?: string }[] };
    expect(changes.changes.find((c) => c.key === 'extensions.file_storage.directory')?.storage).toBe('ephemeral');
  });

  it('ServiceDown without its for: a blip shorter than for makes it fire, so service-blip fails (service-down alone cannot tell)', async () => {
    const { r } = await failingRun('service-blip', 'service-down-no-for');
    expect(assertion(r, 'up == 0 for filesystem-mcp').verdict).toBe('pass');
    expect(r.assertions.some((a) => a.verdict === 'fail' && /ServiceDown never fires|no alert other than none fires/.test(a.title))).toBe(true);
  });
});
