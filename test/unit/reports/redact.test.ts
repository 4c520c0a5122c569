import { describe, expect, it } from 'vitest';
import { isSecretKey, redactConfigChange, redactDeep, scrubText } from '../../../reports/redact.ts';
import { formatDuration, formatValue, xmlSafeText } from '../../../reports/format.ts';
import { RunCollector } from '../../../reports/model.ts';
import { combinedRun, t } from './fixtures.ts';

describe('redaction', () => {
  it('knows secret field names, not paths to secrets', () => {
    for (const k of ['password', 'basicAuthPassword', 'secureJsonData.password', 'credentials', 'bearer_token', 'api_key', 'apiKey', 'client_secret', 'a.b[0].password']) expect(isSecretKey(k), k).toBe(true);
    for (const k of ['password_file', 'credentials_file', 'username', 'tokens_total', 'service', 'key']) expect(isSecretKey(k), k).toBe(false);
  });

  it('masks secrets in objects and text', () => {
    expect(redactDeep({ a: { password: 'x', user: 'u' }, list: [{ token: 't' }], empty: { password: '' } })).toEqual({ a: { password: '[redacted]', user: 'u' }, list: [{ token: '[redacted]' }], empty: { password: '' } });
    expect(scrubText('http://user:pw@host/x and https://127.0.0.1:9090/x')).toBe('http://user:[redacted]@host/x and https://127.0.0.1:9090/x');
    expect(scrubText('msg="login" password=abc123 token: "zzz"')).toBe('msg="login" password=[redacted] token: "[redacted]"');
    expect(scrubText('Authorization: Bearer abcdef.123456')).toBe('Authorization: Bearer [redacted]');
    expect(scrubText('rate(http_requests_total{job="x"}[5m]) > 0')).toBe('rate(http_requests_total{job="x"}[5m]) > 0');
    expect(redactConfigChange({ file: 'f', key: 'x.password', from: 'a', to: undefined, reason: 'r' })).toEqual({ file: 'f', key: 'x.password', from: '[redacted]', to: undefined, reason: 'r' });
  });
});

describe('format', () => {
  it('durations and values for people', () => {
    expect(formatDuration(850)).toBe('850ms');
    expect(formatDuration(1500)).toBe('1.5s');
    expect(formatDuration(62_000)).toBe('1m 02s');
    expect(formatDuration(3_720_000)).toBe('1h 02m');
    expect(formatValue(0.061234)).toBe('0.06123');
    expect(formatValue(123456)).toBe('123.5k');
    expect(formatValue(Number.NaN)).toBe('NaN');
    expect(formatValue('+Inf')).toBe('+Inf');
    expect(xmlSafeText('a\u0000b\u001b[31mc\u001b[0m')).toBe('a\uFFFDbc');
  });
});

describe('RunCollector', () => {
  it('merges action begin/end, keeps late events on the ended scenario, and re-runs as new entries', () => {
    const c = new RunCollector();
    for (const e of combinedRun()) c.onEvent(e);
    c.onEvent({ type: 'notification', scenario: 'service-down', notification: { receivedAt: t(300), payload: { receiver: 'r', status: 'resolved', groupLabels: {}, commonLabels: {}, commonAnnotations: {}, alerts: [] } } });
    c.onEvent({ type: 'scenario-begin', scenario: 'service-down', title: 'again', description: '', at: t(400) });
    const r = c.result();
    expect(r.scenarios.map((s) => [s.name, s.verdict])).toEqual([
      ['high-error-rate', 'pass'],
      ['service-down', 'fail'],
      ['service-down', 'incomplete'],
    ]);
    expect(r.scenarios[1]!.notifications).toHaveLength(1);
    expect(r.scenarios[0]!.actions).toHaveLength(2);
    expect(r.verdict).toBe('incomplete');
  });

  it('takes the report verdict from its scenarios, not the whole run (one folder per scenario)', () => {
    const c = new RunCollector();
    for (const e of combinedRun()) if (!('scenario' in e) || e.scenario === 'high-error-rate') c.onEvent(e);
    expect(c.result().verdict).toBe('pass');
    expect(c.result().runEnd?.verdict).toBe('fail');
  });
});
