/**
 * The seed folder (Loki + Promtail) on the containers backend against native: without a
 * user-supplied Loki and Promtail (AGPL: no local image, no binary here) its log scenarios
 * are skipped on both, with the reason; the rest give the same verdicts. high-latency's parity
 * (the same Prometheus and Alertmanager path as service-down's) is parity.ts's, on
 * the permissive folder: here it would add ~70 s of suite time and no new path.
 */
import { describe, it } from 'vitest';
import { expectParity, skipReason } from '../../support/containers.ts';

describe.skipIf(skipReason)(`the containers backend on the seed folder${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  it('monitoring: the same verdicts natively and on containers; the log scenario skipped on both', async () => {
    await expectParity('monitoring', ['baseline', 'service-down', 'log-shipper-restart'], 11_600, 11_800, { baseline: 'pass', 'service-down': 'pass', 'log-shipper-restart': 'skipped' });
  }, 900_000);
});
