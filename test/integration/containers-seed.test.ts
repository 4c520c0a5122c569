/**
 * The seed folder (Loki + Promtail) on the containers backend against native: without a
 * user-supplied Loki and Promtail (AGPL: no local image, no binary here) its log scenarios
 * are skipped on both, with the reason; the rest give the same verdicts.
 */
import { describe, it } from 'vitest';
import { expectParity, PARITY, skipReason } from '../support/containers.ts';

describe.skipIf(skipReason)(`the containers backend on the seed folder${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  it('monitoring: the same verdicts natively and on containers; the log scenario skipped on both', async () => {
    await expectParity('monitoring', PARITY, 11_600, 11_800, { baseline: 'pass', 'service-down': 'pass', 'high-latency': 'pass', 'log-shipper-restart': 'skipped' });
  }, 900_000);
});
