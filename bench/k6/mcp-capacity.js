// k6 capacity test of one fake MCP service: an open-model ramp of tools/call requests.
// Driven by harness/load/k6.ts, which checks TARGET is on loopback before k6 starts.
import http from 'k6/http';
import { check } from 'k6';

const target = __ENV.TARGET; // http://127.0.0.1:PORT/mcp
const tools = JSON.parse(__ENV.TOOLS); // tool names of that service
const stages = JSON.parse(__ENV.STAGES); // [{ target: rps, duration: "20s" }, ...]

export const options = {
  discardResponseBodies: true,
  scenarios: {
    ramp: {
      executor: 'ramping-arrival-rate',
      startRate: stages[0].target,
      timeUnit: '1s',
      preAllocatedVUs: Number(__ENV.VUS || 50),
      maxVUs: Number(__ENV.MAX_VUS || 400),
      stages,
    },
  },
  summaryTrendStats: ['avg', 'p(50)', 'p(95)', 'p(99)', 'max'],
};

let n = 0;
export default function () {
  n += 1;
  const tool = tools[n % tools.length];
  const res = http.post(target, JSON.stringify({ jsonrpc: '2.0', id: n, method: 'tools/call', params: { name: tool, arguments: {} } }), {
    headers: { 'content-type': 'application/json', 'x-request-id': `k6-${__VU}-${n}` },
    timeout: '10s',
  });
  check(res, { 'status is 2xx': (r) => r.status >= 200 && r.status < 300 });
}
