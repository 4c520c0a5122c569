/**
 * malformed-logs — broken lines in the middle of real ones: unterminated text and binary
 * junk on memory-mcp, 200 KB lines on config-mcp (under Loki's max_line_size) and
 * 300 KB lines on system-mcp (over it). What the config says decides each one: the
 * accounting reads max_line_size / max_line_size_truncate from the rendered Loki config
 * and expects exactly the lines over the limit to be missing (Loki discards them with a
 * 400 for that entry and keeps the rest of the batch); every other line, broken or not, is
 * delivered, and lines keep flowing after each broken one.
 */
import { defineScenario } from '../harness/engine/scenario.ts';
import { step } from '../harness/engine/steps.ts';
import { configuredTargetsUp } from '../harness/engine/stack-checks.ts';
import { noAlertsExcept } from '../harness/engine/checks.ts';
import { LogWindow } from '../harness/engine/log-delivery.ts';

const win = new LogWindow('malformed-logs');

export default defineScenario({
  name: 'malformed-logs',
  title: 'Unparseable and oversized lines: delivered or dropped exactly as max_line_size says, and none stops the pipeline',
  description: 'malformed-logs faults on three services under a focused load of 20 req/s each. Reconciles every seq (broken lines keep one) against Loki, expecting exactly the lines over max_line_size to be missing, and cross-checks that count with Loki\'s own line_too_long discards.',
  nominalDuration: '3m',
  steadyState: [configuredTargetsUp(), noAlertsExcept([])],
  method: [
    win.mark(),
    step.load('memory-mcp', 20),
    step.load('system-mcp', 20),
    step.load('config-mcp', 20),
    step.serviceFault('memory-mcp', { kind: 'malformed-logs', ratio: 0.3, kinds: ['text', 'binary'] }, 'garbled lines on memory-mcp'),
    step.serviceFault('config-mcp', { kind: 'malformed-logs', ratio: 0.1, kinds: ['oversized'], oversizedBytes: 200_000 }, '200 KB lines on config-mcp'),
    step.serviceFault('system-mcp', { kind: 'malformed-logs', ratio: 0.1, kinds: ['oversized'], oversizedBytes: 300_000 }, '300 KB lines on system-mcp'),
    step.wait('1m', 'broken lines among real ones'),
    step.clear('garbled lines on memory-mcp'),
    step.clear('200 KB lines on config-mcp'),
    step.clear('300 KB lines on system-mcp'),
    step.stopLoad('memory-mcp'),
    step.stopLoad('system-mcp'),
    step.stopLoad('config-mcp'),
    step.eventually(win.delivered({ title: 'every line in Loki except exactly those over max_line_size: no other loss, no duplicates, in order' }), () => win.deliveryBoundMs()),
    step.eventually(win.limiter({ lineTooLong: () => win.lastDelivery?.expectedDropped ?? -1, title: "Loki's own line_too_long discards equal the oversized lines the accounting expected dropped" }), () => 10_000),
    step.eventually(win.latency({ service: 'system-mcp', markers: 10 }), () => 60_000, 'system-mcp lines still flow after its dropped ones'),
    step.eventually(win.latency({ service: 'memory-mcp', markers: 10 }), () => 60_000, 'memory-mcp lines still flow after its garbled ones'),
  ],
  rollbacks: [],
  expectedAlerts: [],
});
