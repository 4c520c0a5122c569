/**
 * scenario --reuse: a scenario against a stack that `stack up --detach` runs — the kill
 * and restart go through the stack's control port — and the stack is left running.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../support/stack-helpers.ts';
import { assertion, readScenarioResult } from '../support/results.ts';

const OFFSET = '400';

describe('scenario --reuse', () => {
  afterAll(async () => {
    await runCli('harness/cli/stack.ts', ['down', '--port-offset', OFFSET]).exited;
  });

  it('refuses when no stack runs there, naming the fix', async () => {
    const cli = runCli('harness/cli/scenario.ts', ['baseline', '--reuse', '--port-offset', '450']);
    expect(await cli.exited).toBe(2);
    expect(cli.output()).toContain('no running stack to reuse at port offset 450');
    expect(cli.output()).toContain('npm run stack -- up --detach');
  });

  it('runs service-down on a detached stack and leaves it up', async () => {
    const up = runCli('harness/cli/stack.ts', ['up', '--detach', '--time-scale', '0.1', '--port-offset', OFFSET]);
    expect(await up.exited, up.output()).toBe(0);
    const out = mkdtempSync(join(tmpdir(), 'reuse-'));
    const run = runCli('harness/cli/scenario.ts', ['service-down', '--reuse', '--port-offset', OFFSET, '--out', out]);
    expect(await run.exited, run.output().slice(-3000)).toBe(0);
    const r = readScenarioResult(out);
    expect(assertion(r, 'up == 0 for filesystem-mcp').verdict).toBe('pass');
    expect(assertion(r, 'a resolved notification names the service').verdict).toBe('pass');
    const status = runCli('harness/cli/stack.ts', ['status', '--port-offset', OFFSET]);
    expect(await status.exited, status.output()).toBe(0); // everything, filesystem-mcp included, ready again
  }, 600_000);

  it('refuses options that contradict the running stack', async () => {
    const cli = runCli('harness/cli/scenario.ts', ['baseline', '--reuse', '--port-offset', OFFSET, '--time-scale', '0.5']);
    expect(await cli.exited).toBe(2);
    expect(cli.output()).toContain('--time-scale cannot be combined with --reuse');
  });
});
