import { describe, expect, it } from 'vitest';
import { PassThrough } from 'node:stream';
import { ListReporter } from '../../../reports/list-reporter.ts';
import { combinedRun, SECRETS } from './fixtures.ts';

function capture(options: { color?: boolean; tty?: boolean } = {}): { reporter: ListReporter; text: () => string } {
  const stream = new PassThrough() as PassThrough & { isTTY?: boolean };
  if (options.tty) stream.isTTY = true;
  const chunks: string[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c.toString('utf8')));
  const reporter = new ListReporter({ stream, utc: true, ...(options.color !== undefined ? { color: options.color } : {}) });
  return { reporter, text: () => chunks.join('') };
}

describe('ListReporter', () => {
  it('prints one line per event: scenarios, actions, progress, assertions, alerts, notifications', async () => {
    const { reporter, text } = capture({ color: false });
    for (const e of combinedRun()) reporter.onEvent(e);
    await new Promise((r) => setImmediate(r));
    const out = text();
    const lines = out.trimEnd().split('\n');
    expect(lines[0]).toBe('02:00:00 Run nightly-2025-05-12: 2 scenarios (high-error-rate, service-down), seed 42, time scale 0.1');
    expect(out).toContain('02:00:01 ▶ high-error-rate — High error rate fires HighErrorRate');
    expect(out).toContain('→ fault error-ratio 0.06 on terminal-mcp');
    expect(out).toContain('← fault error-ratio 0.06 on terminal-mcp done (300ms)');
    expect(out).toContain('… waiting for HighErrorRate firing until 02:01:20');
    expect(out).toContain('… waiting for: steady state: every target is up until 02:00:31');
    expect(out).toContain('✓ HighErrorRate fires for terminal-mcp');
    expect(out).toContain('⚑ alert HighErrorRate{service="terminal-mcp", severity="warning"} firing');
    expect(out).toContain('⚑ alert ServiceDown{service="filesystem-mcp", severity="critical"} resolved');
    expect(out).toContain('✉ notification firing to harness-webhook: HighErrorRate (1 alert)');
    expect(out).toMatch(/✗ ServiceDown fires for filesystem-mcp\n\s+expected eventually within 1m/);
    expect(out).toContain('✔ PASS high-error-rate (1m 29s)');
    expect(out).toContain('✘ FAIL service-down (1m 30s)');
    expect(out).toMatch(/Run FAIL in 3m 12s/);
    expect(out).not.toContain('\u001b[');
    for (const s of SECRETS) expect(out).not.toContain(s);
  });

  it('colours only a TTY by default, or when asked', async () => {
    const saved = { NO_COLOR: process.env.NO_COLOR, FORCE_COLOR: process.env.FORCE_COLOR };
    delete process.env.NO_COLOR;
    delete process.env.FORCE_COLOR;
    try {
      const events = combinedRun();
      const plain = capture();
      const tty = capture({ tty: true });
      const forced = capture({ color: true });
      for (const e of events) for (const c of [plain, tty, forced]) c.reporter.onEvent(e);
      await new Promise((r) => setImmediate(r));
      expect(plain.text()).not.toContain('\u001b[');
      expect(tty.text()).toContain('\u001b[');
      expect(forced.text()).toContain('\u001b[');
      process.env.NO_COLOR = '1';
      expect(capture({ tty: true }).reporter.format(events[0]!).join('')).not.toContain('\u001b[');
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });

  it('accepts a stream as its first argument (new ListReporter(process.stdout))', () => {
    const stream = new PassThrough();
    const r = new ListReporter(stream, { color: false, utc: true });
    let out = '';
    stream.on('data', (c: Buffer) => (out += c.toString()));
    r.onEvent({ type: 'progress', message: 'starting the stack', at: '2025-05-12T02:00:00.000Z' });
    stream.end();
    return new Promise<void>((done) => stream.on('end', () => {
      expect(out).toBe('02:00:00     … starting the stack\n');
      done();
    }));
  });
});
