import { describe, expect, it } from 'vitest';
import { createServer } from 'node:net';
import { UsageError } from '../../../harness/lib/errors.ts';
import { messageCount, payloadFor, runMqttLoad, validateMqttLoadOptions, type MqttLoadOptions } from '../../../harness/load/mqtt-publisher.ts';

const base: MqttLoadOptions = { url: 'mqtt://127.0.0.1:7035', topic: 'harness/load', ratePerSecond: 200, durationMs: 3000, qos: 1, seed: 42 };

/** The UsageError validation throws for the options, or a failure when it accepts them. */
function rejection(o: MqttLoadOptions): UsageError {
  try {
    validateMqttLoadOptions(o);
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return e as UsageError;
  }
  throw new Error('options were accepted');
}

describe('validateMqttLoadOptions', () => {
  it('accepts loopback brokers and fills in the defaults', () => {
    expect(validateMqttLoadOptions({ ...base, qos: undefined })).toMatchObject({ qos: 1, payloadBytes: 64, timeoutMs: 5000, maxRate: 5000, maxDurationMs: 600_000 });
    for (const url of ['mqtt://127.0.0.1:1883', 'mqtt://[::1]:1883', 'mqtt://127.8.9.10']) expect(() => validateMqttLoadOptions({ ...base, url })).not.toThrow();
  });

  it.each([
    ['mqtt://10.0.0.5:1883', 'is not a loopback address'],
    ['mqtt://localhost:1883', 'is not a loopback address'],
    ['mqtt://127.1:1883', 'is not a loopback address'],
    ['mqtt://127.0.0.1.nip.io:1883', 'is not a loopback address'],
    ['mqtt://broker.example.com:1883', 'is not a loopback address'],
    ['mqtt://[::2]:1883', 'is not a loopback address'],
    ['http://127.0.0.1:1883', 'is not an mqtt:// URL'],
    ['mqtts://127.0.0.1:8883', 'is not an mqtt:// URL'],
    ['not a url', 'is not a URL'],
  ])('refuses %s, naming the url field and the fix', (url, why) => {
    const e = rejection({ ...base, url });
    expect(e.details.field).toBe('url');
    expect(e.message).toContain(why);
    expect(e.message).toMatch(/fix: .*mqtt:\/\/127\.0\.0\.1/);
  });

  it.each(['harness/+/load', 'harness/#', '#', ''])('refuses the topic %j', (topic) => {
    const e = rejection({ ...base, topic });
    expect(e.details.field).toBe('topic');
    expect(e.details.fix).toBeTruthy();
  });

  it('refuses a rate over the cap, or below 1', () => {
    const over = rejection({ ...base, ratePerSecond: 5001 });
    expect(over.details.field).toBe('ratePerSecond');
    expect(over.message).toContain('above the cap of 5000');
    expect(rejection({ ...base, ratePerSecond: 300, maxRate: 250 }).message).toContain('above the cap of 250');
    expect(rejection({ ...base, ratePerSecond: 0.5 }).details.field).toBe('ratePerSecond');
    expect(rejection({ ...base, ratePerSecond: Number.NaN }).details.field).toBe('ratePerSecond');
  });

  it('refuses a duration that is not positive or is over the cap', () => {
    expect(rejection({ ...base, durationMs: 0 }).details.field).toBe('durationMs');
    expect(rejection({ ...base, durationMs: 600_001 }).message).toContain('above the cap of 600000 ms');
    expect(rejection({ ...base, durationMs: 2000, maxDurationMs: 1000 }).details.field).toBe('durationMs');
  });

  it('refuses other bad fields by name', () => {
    expect(rejection({ ...base, qos: 0 as 1 }).details.field).toBe('qos');
    expect(rejection({ ...base, payloadBytes: -1 }).details.field).toBe('payloadBytes');
    expect(rejection({ ...base, seed: 1.5 }).details.field).toBe('seed');
    expect(rejection({ ...base, timeoutMs: 0 }).details.field).toBe('timeoutMs');
  });

  it('runMqttLoad refuses before connecting', async () => {
    await expect(runMqttLoad({ ...base, url: 'mqtt://192.0.2.1:1883' })).rejects.toThrow(UsageError);
  });

  it('runMqttLoad rejects when no broker listens on the loopback port', async () => {
    const s = createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const port = (s.address() as { port: number }).port;
    await new Promise<void>((r) => s.close(() => r()));
    await expect(runMqttLoad({ ...base, url: `mqtt://127.0.0.1:${port}` })).rejects.toThrow();
  });
});

describe('schedule and payload', () => {
  it('sends every message due in [0, duration)', () => {
    expect(messageCount(200, 3000)).toBe(600);
    expect(messageCount(3, 1000)).toBe(3);
    expect(messageCount(3, 1001)).toBe(4);
    expect(messageCount(1, 500)).toBe(1);
  });

  it('derives the payload from the seed and the index only', () => {
    expect(payloadFor(42, 7, 64)).toEqual(payloadFor(42, 7, 64));
    expect(payloadFor(42, 7, 64).equals(payloadFor(42, 8, 64))).toBe(false);
    expect(payloadFor(42, 7, 64).equals(payloadFor(43, 7, 64))).toBe(false);
    expect(payloadFor(1, 0, 100)).toHaveLength(100);
    expect(payloadFor(1, 0, 0)).toHaveLength(0);
    const many = new Set(Array.from({ length: 5000 }, (_, i) => payloadFor(42, i, 16).toString()));
    expect(many.size).toBe(5000);
  });
});
