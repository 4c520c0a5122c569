/**
 * Entry of one fake service process:
 *   MCP_FAKE_CONFIG='{"service":"terminal-mcp","port":7001,"controlPort":7101,...}' npx tsx fake-services/main.ts
 * (the harness runs it bundled: harness/stack/fleet-bundle.ts).
 * Prints one JSON line `{"event":"ready",...}` on stdout once both ports listen.
 * Exit codes: 0 after SIGTERM/SIGINT (log flushed), 1 on a start-up failure (port taken...),
 * 2 on a bad config.
 */
import { loadConfigFromEnv } from './config.ts';
import { FakeService } from './service.ts';

const config = loadConfigFromEnv();
const service = new FakeService(config);

let stopping = false;
async function shutdown(reason: string, code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  await service.stop(reason).catch(() => {});
  process.exit(code);
}

process.on('SIGTERM', () => void shutdown('SIGTERM', 0));
process.on('SIGINT', () => void shutdown('SIGINT', 0));
process.on('uncaughtException', (e) => {
  service.log.error({ msg: `process failed: uncaught exception: ${e.message}` });
  process.stderr.write(`fake-service ${config.service}: ${e.stack ?? e.message}\n`);
  void shutdown('uncaught exception', 1);
});

try {
  await service.start();
  process.stdout.write(JSON.stringify({ event: 'ready', service: config.service, pid: process.pid, port: config.port, controlPort: config.controlPort }) + '\n');
} catch (e) {
  const err = e as NodeJS.ErrnoException;
  const what = err.code === 'EADDRINUSE' ? `port already in use (${err.message})` : err.message;
  service.log.error({ msg: `service start failed: ${what}` });
  process.stderr.write(`fake-service ${config.service}: start failed: ${what}\n`);
  await shutdown('start failed', 1);
}
