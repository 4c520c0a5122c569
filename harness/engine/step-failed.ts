/** A step whose expectation did not hold: the method stops there, the rollbacks still run. */
export class StepFailed extends Error {}
