/**
 * Configuration of one fake service process, passed as JSON in the MCP_FAKE_CONFIG env
 * var. Everything a process needs to know about the stack (ports, broker and database
 * addresses, upstreams) comes in here, so fake-services/ never imports the harness.
 */
import { z } from 'zod';
import { serviceByName } from './catalog.ts';

export const CONFIG_ENV = 'MCP_FAKE_CONFIG';

const port = z.number().int().min(1).max(65535);
const url = (schemes: string[]) =>
  z.string().refine((s) => {
    try {
      return schemes.includes(new URL(s).protocol);
    } catch {
      return false;
    }
  }, `must be a URL with scheme ${schemes.join(' or ')}`);

export const FakeServiceConfigSchema = z
  .object({
    service: z.string().refine((s) => serviceByName(s) !== undefined, 'must name a service in fake-services/catalog.ts'),
    port,
    controlPort: port,
    // Loopback only: the fakes are load-test targets and must never be reachable from elsewhere.
    // 0.0.0.0 only inside a container's own network namespace, whose ports the containers
    // backend publishes on the host's 127.0.0.1 alone.
    host: z.enum(['127.0.0.1', '0.0.0.0']).default('127.0.0.1'),
    logFile: z.string().min(1),
    seed: z.number().int(),
    mqttUrl: url(['mqtt:', 'tcp:']).optional(),
    postgresUrl: url(['postgres:', 'postgresql:']).optional(),
    redisUrl: url(['redis:']).optional(),
    /** zen-coordinator only: service name -> base URL (http://127.0.0.1:PORT) of its /mcp. */
    upstreams: z.record(z.string(), url(['http:'])).optional(),
    /** zen-coordinator only: how long a routed call may take before it answers 504. */
    upstreamTimeoutMs: z.number().int().positive().default(5000),
    heartbeatSeconds: z.number().positive().default(5),
    /**
     * Overrides the catalog's baseline error ratio (0 = a perfect service). The draws are taken
     * either way, so changing it never shifts the seeded streams.
     */
    baselineErrorRatio: z.number().min(0).max(1).optional(),
    /** Also answer on these ports: a stand-in for another server's Compose address (qdrant:6333, answered by qdrant-mcp). */
    aliasPorts: z.array(port).max(4).optional(),
    /** Connections postgresql-mcp / redis-mcp keep open while idle. */
    poolSize: z.number().int().min(1).max(64).default(4),
  })
  .strict()
  .refine((c) => c.port !== c.controlPort, { message: 'must differ from port', path: ['controlPort'] });

export type FakeServiceConfig = z.infer<typeof FakeServiceConfigSchema>;

/** Parses a config object; throws an Error whose message names the offending field(s). */
export function parseConfig(raw: unknown): FakeServiceConfig {
  const r = FakeServiceConfigSchema.safeParse(raw);
  if (r.success) return r.data;
  const issues = r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
  throw new Error(`invalid ${CONFIG_ENV}: ${issues.join('; ')}`);
}

/** Reads MCP_FAKE_CONFIG; on any problem prints one line to stderr and exits 2. */
export function loadConfigFromEnv(env: NodeJS.ProcessEnv = process.env): FakeServiceConfig {
  try {
    const text = env[CONFIG_ENV];
    if (!text) throw new Error(`${CONFIG_ENV} is not set (expected a JSON object)`);
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (e) {
      throw new Error(`${CONFIG_ENV} is not valid JSON: ${(e as Error).message}`);
    }
    return parseConfig(raw);
  } catch (e) {
    process.stderr.write(`fake-service: ${(e as Error).message}\n`);
    process.exit(2);
  }
}
