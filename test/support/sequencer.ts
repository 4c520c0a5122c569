/**
 * Starts the longest integration files first, in a fixed order, whatever vitest's cache
 * says: the real-time service-down run mostly waits, so started first beside the containers
 * file it overlaps the longest work, and the suite's length does not depend on what the
 * last run cached or which file failed then.
 */
import { BaseSequencer, type TestSpecification } from 'vitest/node';

const FIRST = ['service-down-real-time', 'containers', 'alert-scenarios', 'capacity', 'mutate', 'monitoring-promises', 'log-pipeline', 'near-miss'];
const rank = (f: TestSpecification): number => {
  const i = FIRST.findIndex((name) => f.moduleId.endsWith(`/${name}.test.ts`));
  return i < 0 ? FIRST.length : i;
};

export default class LongestFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    // Array.prototype.sort is stable: within a rank, vitest's own order stays.
    return [...sorted].sort((a, b) => rank(a) - rank(b));
  }
}
