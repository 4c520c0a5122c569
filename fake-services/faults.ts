/**
 * Injectable faults, for the harness and the tests: the fault schema and a fault store that
 * validates what it is given. A service uses fault-store.ts and builds the schema only on its
 * first fault (fault-spec.ts says why).
 */
import { faultSpecSchema } from './fault-spec.ts';
import { FaultStore as BaseFaultStore, type ActiveFault } from './fault-store.ts';

export { MALFORMED_KINDS, type FaultKind, type FaultSpec } from './fault-spec.ts';
export { inBurst, rampFactor, type Activate, type ActiveFault } from './fault-store.ts';

export const FaultSpecSchema = faultSpecSchema();

export class FaultStore extends BaseFaultStore {
  /** Validates and activates a fault; throws a ZodError on bad input. */
  override add(raw: unknown): ActiveFault {
    return super.add(FaultSpecSchema.parse(raw));
  }
}
