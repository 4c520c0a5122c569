import { defineConfig } from 'vitest/config';
import LongestFirstSequencer from './test/support/sequencer.ts';

// Two groups, one after the other. unit: pure code, as parallel as the cores allow.
// integration and smoke: real servers, each file on its own --port-offset, two files at once.
// A file's stack is ~25 processes with 1 s scrape timeouts at time scale 0.1; on this
// 2-core machine four stacks at once starved them until scrapes timed out and alerts fired
// that no fault caused (a CI run at four files at once: 18 failures of that kind).
const SERVER_FILES = 2;

export default defineConfig({
  test: {
    sequence: { sequencer: LongestFirstSequencer },
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          testTimeout: 30_000,
          // Stated, not left to the default: on 2 cores that is 1, and vitest moves a
          // one-worker group of order 0 to the end of the run.
          maxWorkers: 2,
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          testTimeout: 600_000,
          hookTimeout: 300_000,
          maxWorkers: SERVER_FILES,
          sequence: { groupOrder: 1 },
        },
      },
      {
        test: {
          name: 'smoke',
          include: ['test/smoke/**/*.test.ts'],
          testTimeout: 300_000,
          maxWorkers: SERVER_FILES,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
