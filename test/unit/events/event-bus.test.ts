import { describe, expect, it, vi } from 'vitest';
import { EventBus, type Reporter, type ReporterFailure } from '../../../harness/events/event-bus.ts';
import type { RunEvent } from '../../../harness/events/run-events.ts';

const progress = (message: string): RunEvent => ({ type: 'progress', message, at: new Date(0).toISOString() });

class Recording implements Reporter {
  readonly seen: string[] = [];
  readonly errors: ReporterFailure[] = [];
  finished = false;
  constructor(readonly name: string) {}
  onEvent(e: RunEvent): void {
    if (e.type === 'progress') this.seen.push(e.message);
  }
  async finish(): Promise<void> {
    this.finished = true;
  }
  onError(f: ReporterFailure): void {
    this.errors.push(f);
  }
}

describe('EventBus, the reporters multiplexer', () => {
  it('isolates a reporter that throws on an event and tells the others', () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const good = new Recording('good');
    const bad: Reporter = { name: 'bad', onEvent: (e) => { if (e.type === 'progress' && e.message === 'two') throw new Error('boom'); } };
    const badSpy = vi.spyOn(bad, 'onEvent');
    const bus = new EventBus([bad, good]);
    bus.emit(progress('one'));
    bus.emit(progress('two'));
    bus.emit(progress('three'));
    expect(good.seen).toEqual(['one', 'two', 'three']);
    expect(badSpy).toHaveBeenCalledTimes(2); // not fed after it failed
    expect(good.errors).toEqual([{ reporter: 'bad', during: 'progress', message: 'boom' }]);
  });

  it('runs every other finish when one finish throws, and returns the failures', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const first = new Recording('first');
    const last = new Recording('last');
    const broken: Reporter = { name: 'broken', onEvent: () => {}, finish: () => Promise.reject(new Error('disk full')) };
    const failures = await new EventBus([first, broken, last]).finish();
    expect(first.finished && last.finished).toBe(true);
    expect(failures).toEqual([{ reporter: 'broken', during: 'finish', message: 'disk full' }]);
    expect(first.errors.map((e) => e.reporter)).toEqual(['broken']);
  });
});
