import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { HttpClient, HttpError, encodeQuery, stringifyJson } from '../../../assertions/http-client.ts';
import { FakeApiServer, closedPort } from './fake-api-server.ts';

let server: FakeApiServer;

beforeEach(async () => {
  server = await new FakeApiServer().start();
});

afterEach(async () => {
  await server.stop();
});

describe('HttpClient', () => {
  it('builds URLs with repeated array parameters and skips undefined', () => {
    const c = new HttpClient('http://127.0.0.1:9090/');
    expect(c.url('/api/v1/series', { 'match[]': ['up', 'x'], start: undefined, limit: 5 })).toBe(
      'http://127.0.0.1:9090/api/v1/series?match%5B%5D=up&match%5B%5D=x&limit=5',
    );
    expect(encodeQuery({ a: true, b: 1n })).toBe('a=true&b=1');
    expect(stringifyJson({ ts: 1735689600123456789n })).toBe('{"ts":"1735689600123456789"}');
  });

  it('rejects bad base URLs', () => {
    expect(() => new HttpClient('not a url')).toThrow(/invalid base URL/);
    expect(() => new HttpClient('ftp://x')).toThrow(/only http/);
  });

  it('request() returns non-2xx responses; json() throws naming URL and status', async () => {
    server.on('GET', '/x', { status: 500, body: 'boom' });
    const c = new HttpClient(server.baseUrl, { headers: { 'x-scope-orgid': 'tenant-1' } });
    const res = await c.request('GET', '/x');
    expect(res.status).toBe(500);
    expect(res.text).toBe('boom');
    expect(server.last('/x').headers['x-scope-orgid']).toBe('tenant-1');
    const err = (await c.getJson('/x').catch((e: unknown) => e)) as HttpError;
    expect(err).toBeInstanceOf(HttpError);
    expect(err.message).toBe(`GET ${server.baseUrl}/x: HTTP 500 Internal Server Error: boom`);
    expect(err.status).toBe(500);
    expect(err.body).toBe('boom');
  });

  it('validates with a zod schema', async () => {
    server.on('GET', '/j', { body: { n: 'one' } });
    const c = new HttpClient(server.baseUrl);
    await expect(c.getJson('/j', { schema: z.object({ n: z.number() }) })).rejects.toThrow(/unexpected response shape \(n: /);
    server.on('GET', '/j', { body: { n: 1 } });
    expect(await c.getJson('/j', { schema: z.object({ n: z.number() }) })).toEqual({ n: 1 });
  });

  it('postJson() sends JSON', async () => {
    server.on('POST', '/p', (req) => ({ body: { echoed: JSON.parse(req.body) as unknown } }));
    const c = new HttpClient(server.baseUrl);
    expect(await c.postJson('/p', { a: 1 })).toEqual({ echoed: { a: 1 } });
  });

  it('network errors name the URL and are not retried', async () => {
    const port = await closedPort();
    const c = new HttpClient(`http://127.0.0.1:${port}`);
    const err = (await c.request('GET', '/-/ready').catch((e: unknown) => e)) as HttpError;
    expect(err.kind).toBe('network');
    expect(err.status).toBeUndefined();
    expect(err.message).toMatch(new RegExp(`^GET http://127\\.0\\.0\\.1:${port}/-/ready: request failed: ECONNREFUSED`));
  });

  it('per-request timeout overrides the client default', async () => {
    server.on('GET', '/slow', { hang: true });
    const c = new HttpClient(server.baseUrl, { timeoutMs: 60_000 });
    const err = (await c.request('GET', '/slow', { timeoutMs: 100 }).catch((e: unknown) => e)) as HttpError;
    expect(err.kind).toBe('timeout');
    expect(err.message).toContain('timed out after 100ms');
  });
});
