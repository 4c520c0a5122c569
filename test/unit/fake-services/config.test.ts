import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../fake-services/config.ts';

const good = { service: 'terminal-mcp', port: 7001, controlPort: 7101, logFile: '/tmp/t.log', seed: 1 };

describe('fake service config', () => {
  it('fills defaults and keeps optional addresses', () => {
    expect(parseConfig({ ...good, mqttUrl: 'mqtt://127.0.0.1:7035' })).toEqual({
      ...good,
      host: '127.0.0.1',
      mqttUrl: 'mqtt://127.0.0.1:7035',
      upstreamTimeoutMs: 5000,
      heartbeatSeconds: 5,
      poolSize: 4,
    });
  });

  it.each([
    [{ ...good, service: 'nope-mcp' }, /service: must name a service/],
    [{ ...good, port: 70000 }, /^invalid MCP_FAKE_CONFIG: port:/],
    [{ ...good, controlPort: 7001 }, /controlPort: must differ from port/],
    [{ ...good, host: '10.0.0.5' }, /host:/],
    [{ ...good, seed: 'x' }, /seed:/],
    [{ ...good, redisUrl: 'http://x' }, /redisUrl: must be a URL with scheme redis:/],
    [{ ...good, upstreams: { 'git-mcp': 'not a url' } }, /upstreams\.git-mcp:/],
    [{ ...good, extra: 1 }, /extra/],
    [(({ logFile: _, ...rest }) => rest)(good), /logFile:/],
  ])('rejects %j naming the field', (raw, message) => {
    expect(() => parseConfig(raw)).toThrow(message);
  });
});
