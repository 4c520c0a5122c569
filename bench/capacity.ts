/**
 * Capacity of one MCP service under a k6 ramp, and whether the monitoring saw it.
 *
 *   npm run bench -- capacity [--service terminal-mcp] [--stages 50:20s,100:20s,200:20s] [--port-offset 3000]
 *
 * Starts the stack with the fake services (no background traffic), runs the k6 ramp
 * (bench/k6/mcp-capacity.js) against the service's /mcp, then compares k6's request count
 * with what Prometheus recorded for that service (its http_requests_total for /mcp at the last
 * scrape): a service or scrape that loses requests under load shows up as a gap.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startEnvironment } from '../harness/stack/environment.ts';
import { runK6 } from '../harness/load/k6.ts';
import { serviceByName } from '../fake-services/catalog.ts';
import { PrometheusClient, asVector } from '../assertions/prometheus.ts';

const { values } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== 'capacity'),
  options: {
    service: { type: 'string', default: 'terminal-mcp' },
    stages: { type: 'string', default: '50:20s,100:20s,200:20s,400:20s' },
    'port-offset': { type: 'string', default: '3000' },
  },
});
const spec = serviceByName(values.service!);
if (!spec) throw new Error(`no service ${values.service}`);
const stages = values.stages!.split(',').map((s) => {
  const [rps, duration] = s.split(':');
  return { target: Number(rps), duration: duration! };
});

const env = await startEnvironment({ runDir: mkdtempSync(join(tmpdir(), 'bench-capacity-')), portOffset: Number(values['port-offset']), trafficRate: 0 });
try {
  const svc = env.stack.topology.services.find((s) => s.name === spec.name)!;
  const prom = new PrometheusClient(env.stack.url('prometheus'));
  const summary = await runK6(join(import.meta.dirname, 'k6/mcp-capacity.js'), { TARGET: `${svc.baseUrl}/mcp`, TOOLS: JSON.stringify(spec.tools.map((t) => t.name)), STAGES: JSON.stringify(stages) }, [svc.baseUrl]);
  // Two scrapes later, Prometheus has every request the service counted. With no background
  // traffic the service's /mcp counters hold exactly the k6 requests.
  await new Promise((r) => setTimeout(r, 35_000));
  const seen = asVector(await prom.instantQuery(`sum(http_requests_total{service="${spec.name}", path="/mcp"})`))[0]?.value ?? 0;
  const m = summary.metrics;
  const reqs = m.http_reqs?.values.count ?? 0;
  const d = m.http_req_duration?.values ?? {};
  console.log(`\n${spec.name}: k6 sent ${reqs} requests (${(m.http_reqs?.values.rate ?? 0).toFixed(1)}/s), failed ${((m.http_req_failed?.values.value ?? 0) * 100).toFixed(2)} %`);
  console.log(`latency p50 ${d['p(50)']?.toFixed(1)} ms, p95 ${d['p(95)']?.toFixed(1)} ms, p99 ${d['p(99)']?.toFixed(1)} ms, max ${d.max?.toFixed(1)} ms`);
  console.log(`Prometheus's last scrape of ${spec.name} counts ${seen} /mcp requests (k6 sent ${reqs}): ${seen === reqs ? 'every request accounted for' : `a gap of ${reqs - seen}`}`);
} finally {
  await env.stop();
}
