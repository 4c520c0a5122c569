/**
 * Capacity of one MCP service under stepped constant-rate load, and whether the monitoring saw it.
 *
 *   npm run bench -- capacity [--service terminal-mcp] [--stages 50:20s,100:20s,200:20s] [--seed 1]
 *                             [--port-offset 3000] [--engine vegeta|k6]
 *
 * Starts the stack with the fake services (no background traffic), runs a load plan
 * (harness/load/plan.ts: each stage a constant arrival rate, tools weighted as in the catalog)
 * against the service's /mcp with vegeta, or with the user's own k6 (`--engine k6`, K6_BIN or
 * PATH; k6 is AGPL and never installed here), then compares the requests sent with what
 * Prometheus recorded for that service (its http_requests_total for /mcp at the last scrape):
 * a service or scrape that loses requests under load shows up as a gap.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startEnvironment } from '../harness/stack/environment.ts';
import { runK6Plan, k6Binary } from '../harness/load/k6.ts';
import { runVegeta, vegetaBinary } from '../harness/load/vegeta.ts';
import { parsePlan } from '../harness/load/plan.ts';
import { serviceByName } from '../fake-services/catalog.ts';
import { PrometheusClient, asVector } from '../assertions/prometheus.ts';

const { values } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== 'capacity'),
  options: {
    service: { type: 'string', default: 'terminal-mcp' },
    stages: { type: 'string', default: '50:20s,100:20s,200:20s,400:20s' },
    seed: { type: 'string', default: '1' },
    'port-offset': { type: 'string', default: '3000' },
    engine: { type: 'string', default: 'vegeta' },
  },
});
const spec = serviceByName(values.service!);
if (!spec) throw new Error(`no service ${values.service}`);
const engine = values.engine!;
if (engine !== 'vegeta' && engine !== 'k6') throw new Error(`--engine must be vegeta or k6, not ${engine}`);
const stages = values.stages!.split(',').map((s) => {
  const [rate, duration] = s.split(':');
  return { rate: Number(rate), duration: duration! };
});
const planFor = (baseUrl: string) =>
  parsePlan({ stages, targets: [{ url: `${baseUrl}/mcp`, weight: 1 }], requestMix: spec.tools.map((t) => ({ tool: t.name, weight: t.weight })), seed: Number(values.seed) }, '--stages');
// Fail on a bad plan or a missing binary before the stack starts.
planFor('http://127.0.0.1:1');
if (engine === 'k6') k6Binary();
else vegetaBinary();

const env = await startEnvironment({ runDir: mkdtempSync(join(tmpdir(), 'bench-capacity-')), portOffset: Number(values['port-offset']), trafficRate: 0 });
try {
  const svc = env.stack.topology.services.find((s) => s.name === spec.name)!;
  const prom = new PrometheusClient(env.stack.url('prometheus'));
  const plan = planFor(svc.baseUrl);
  let sent: number;
  if (engine === 'vegeta') {
    const run = await runVegeta(plan);
    for (const s of run.stages) {
      const l = s.latencyMs;
      console.log(`stage ${s.stage}: offered ${s.offeredRate}/s, sent ${s.requests} at ${s.rate.toFixed(1)}/s, success ${(s.success * 100).toFixed(2)} %, p50 ${l.p50.toFixed(1)} ms, p95 ${l.p95.toFixed(1)} ms, p99 ${l.p99.toFixed(1)} ms, max ${l.max.toFixed(1)} ms${s.errors.length ? `, errors: ${s.errors.slice(0, 3).join('; ')}` : ''}`);
    }
    sent = run.total.requests;
    console.log(`\n${spec.name}: vegeta sent ${sent} requests, failed ${((1 - run.total.success) * 100).toFixed(2)} %`);
    // The load tool against its own plan: achieved over offered rate per stage (reference: the plan).
    console.log(`\n${'stage'.padEnd(6)} ${'offered/s'.padStart(10)} ${'achieved/s'.padStart(11)}  ratio`);
    for (const s of run.stages) console.log(`${String(s.stage).padEnd(6)} ${String(s.offeredRate).padStart(10)} ${s.rate.toFixed(1).padStart(11)}  ${(s.rate / s.offeredRate).toFixed(3)}`);
  } else {
    const m = (await runK6Plan(plan)).metrics;
    const d = m.http_req_duration?.values ?? {};
    sent = m.http_reqs?.values.count ?? 0;
    console.log(`\n${spec.name}: k6 sent ${sent} requests (${(m.http_reqs?.values.rate ?? 0).toFixed(1)}/s), failed ${((m.http_req_failed?.values.value ?? 0) * 100).toFixed(2)} %`);
    console.log(`latency p50 ${d.med?.toFixed(1)} ms, p95 ${d['p(95)']?.toFixed(1)} ms, p99 ${d['p(99)']?.toFixed(1)} ms, max ${d.max?.toFixed(1)} ms`);
  }
  // Two scrapes later, Prometheus has every request the service counted. With no background
  // traffic the service's /mcp counters hold exactly the load's requests.
  await new Promise((r) => setTimeout(r, 35_000));
  const seen = asVector(await prom.instantQuery(`sum(http_requests_total{service="${spec.name}", path="/mcp"})`))[0]?.value ?? 0;
  console.log(`Prometheus's last scrape of ${spec.name} counts ${seen} /mcp requests (${engine} sent ${sent}): ${seen === sent ? 'every request accounted for' : `a gap of ${sent - seen}`}`);
} finally {
  await env.stop();
}
