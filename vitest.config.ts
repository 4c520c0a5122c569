import { defineConfig } from 'vitest/config';
import LongestFirstSequencer from './test/support/sequencer.ts';

// unit: in parallel. integration: real servers; each file has its own --port-offset. Four
// files at once (one pool for every project: vitest runs projects of one group order with
// one worker count): the first, service-down at real time, mostly waits for 7 minutes, so
// the other three share the 2 cores. smoke: one real scenario, for `npm run test:quick`.
export default defineConfig({
  test: {
    sequence: { sequencer: LongestFirstSequencer },
    maxWorkers: 4,
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          testTimeout: 600_000,
          hookTimeout: 300_000,
        },
      },
      {
        test: {
          name: 'smoke',
          include: ['test/smoke/**/*.test.ts'],
          testTimeout: 300_000,
        },
      },
    ],
  },
});
