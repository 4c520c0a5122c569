/**
 * The fixed worker pool of the concurrency-limit fault: at most `limit` POST /mcp requests
 * are processed at once, the others wait in arrival (FIFO) order. The pool always counts the
 * requests in processing, so a limit set while requests are in flight takes effect at once;
 * without a limit (Infinity) acquire() never waits, and lifting the limit lets every queued
 * request proceed immediately.
 */
export class WorkerPool {
  private limit = Infinity;
  private running = 0;
  private readonly queue: (() => void)[] = [];

  /** A worker, now (undefined: nothing to await, so an unlimited pool adds no tick) or once one frees up. */
  acquire(): Promise<void> | undefined {
    if (this.queue.length === 0 && this.running < this.limit) {
      this.running++;
      return undefined;
    }
    return new Promise((resolve) => this.queue.push(resolve));
  }

  release(): void {
    this.running--;
    this.drain();
  }

  /** Infinity (or undefined) lifts the limit. */
  setLimit(limit: number | undefined): void {
    this.limit = limit ?? Infinity;
    this.drain();
  }

  state(): { limit: number | null; busy: number; queued: number } {
    return { limit: Number.isFinite(this.limit) ? this.limit : null, busy: this.running, queued: this.queue.length };
  }

  private drain(): void {
    while (this.queue.length > 0 && this.running < this.limit) {
      this.running++;
      this.queue.shift()!();
    }
  }
}
