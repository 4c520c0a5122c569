/**
 * malformed-logs — broken lines in the middle of real ones: unterminated text and binary
 * junk on memory-mcp, 200 KB lines on config-mcp (under the seed's 256 KB line limit) and
 * 300 KB lines on system-mcp (over it). What the config says decides each one: the
 * accounting reads the line limits from the rendered config (Loki's max_line_size and
 * max_line_size_truncate: a longer line is discarded; the collector's max_log_size: a
 * longer line is split, its start, seq included, kept) and expects exactly the lines the
 * config drops to be missing; every other line, broken or not, is delivered, and lines
 * keep flowing after each broken one.
 */
import { defineScenario } from '../harness/engine/scenario.ts';
import { step } from '../harness/engine/steps.ts';
import { configuredTargetsUp } from '../harness/engine/stack-checks.ts';
import { noAlertsExcept } from '../harness/engine/checks.ts';
import { LogWindow } from '../harness/engine/log-window.ts';

export default defineScenario(() => {
  // Per run: this state is created afresh each time the scenario is loaded.
  const win = new LogWindow('malformed-logs');

  return {
    name: 'malformed-logs',
    requires: ['log-pipeline'],
    title: 'Unparseable and oversized lines: delivered, split or dropped exactly as the configured line limit says, and none stops the pipeline',
    description: 'malformed-logs faults on three services under a focused load of 20 req/s each. Reconciles every seq (broken lines keep one) against the store, expecting exactly the lines the config drops to be missing, and cross-checks that count with the store\'s own too-long discards.',
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
      step.eventually(win.delivered({ title: 'every line in the store except exactly those the line limit drops: no other loss, no duplicates, in order' }), () => win.deliveryBoundMs()),
      step.eventually(win.limiter({ lineTooLong: () => win.lastDelivery?.expectedDropped ?? -1, title: "the store's own too-long discards equal the oversized lines the accounting expected dropped" }), () => 10_000),
      step.eventually(win.latency({ service: 'system-mcp', markers: 10 }), () => 60_000, 'system-mcp lines still flow after its dropped ones'),
      step.eventually(win.latency({ service: 'memory-mcp', markers: 10 }), () => 60_000, 'memory-mcp lines still flow after its garbled ones'),
    ],
    rollbacks: [],
    expectedAlerts: [],
  };
});
