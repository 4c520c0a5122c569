import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../harness/lib/errors.ts';
import { parseStages } from '../../../harness/capacity/stages.ts';

/** The UsageError parseStages throws for `text`, or a failure when it accepts it. */
function rejection(text: string): UsageError {
  try {
    parseStages(text);
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return e as UsageError;
  }
  throw new Error(`"${text}" was accepted`);
}

describe('parseStages', () => {
  it.each([
    ['50:20s,100:20s', [{ rate: 50, durationMs: 20_000 }, { rate: 100, durationMs: 20_000 }]],
    ['1:1s', [{ rate: 1, durationMs: 1000 }]],
    ['5:1000ms', [{ rate: 5, durationMs: 1000 }]],
    [' 10:1m30s , 20:2m ', [{ rate: 10, durationMs: 90_000 }, { rate: 20, durationMs: 120_000 }]],
    ['200:20s,', [{ rate: 200, durationMs: 20_000 }]],
    ['007:3s', [{ rate: 7, durationMs: 3000 }]],
  ])('reads %j', (text, stages) => {
    expect(parseStages(text)).toEqual(stages);
  });

  it('keeps the order given, even when rates go down', () => {
    expect(parseStages('100:5s,50:5s,200:5s').map((s) => s.rate)).toEqual([100, 50, 200]);
  });

  it.each([
    ['0:10s', /"0:10s": the rate must be at least 1 request\/s/],
    ['50:20s,0:20s', /"0:20s": the rate must be at least 1/],
    ['10:abc', /"10:abc": "abc" is not a duration/],
    ['10:1.5s', /is not a duration/],
    ['10:20', /is not a duration/],
    ['10:500ms', /"10:500ms": a step must last at least 1s/],
    ['10:999ms', /at least 1s/],
    ['10:0', /at least 1s/],
    ['garbage', /cannot read "garbage"/],
    ['10', /cannot read "10"/],
    ['10:', /cannot read "10:"/],
    [':10s', /cannot read/],
    ['-5:10s', /cannot read/],
    ['1.5:10s', /cannot read/],
    ['10 : 10s', /cannot read/],
    ['50:20s,garbage', /cannot read "garbage"/],
    ['', /is empty/],
    [' , ', /is empty/],
  ])('refuses %j, naming --stages and the fix', (text, why) => {
    const e = rejection(text);
    expect(e.details.field).toBe('--stages');
    expect(e.message).toMatch(/^--stages: /);
    expect(e.message).toMatch(why);
    expect(e.message).toMatch(/\n {2}fix: .*--stages 50:20s,100:20s/);
  });
});
