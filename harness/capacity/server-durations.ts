/**
 * What each target service itself measured for the load's requests: the duration it logs
 * for every request (`request_id=load-… duration=NNms`, from the same timer as its
 * histogram). Read from the log files' offsets at the step's start, so a step sees only its
 * own requests. With these, the quantile bound needs no guess about transport time.
 */
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';

export function logOffsets(files: readonly string[]): Map<string, number> {
  return new Map(files.map((f) => [f, existsSync(f) ? statSync(f).size : 0]));
}

const LINE = /request_id=load-\d+-\d+ .*?path=\/mcp .*?duration=(\d+)ms/;

/** The logged durations (ms) of the load's /mcp requests written since `offsets`. */
export function serverDurations(offsets: ReadonlyMap<string, number>): number[] {
  const out: number[] = [];
  for (const [file, from] of offsets) {
    if (!existsSync(file)) continue;
    const size = statSync(file).size;
    if (size <= from) continue;
    const fd = openSync(file, 'r');
    try {
      const buf = Buffer.alloc(size - from);
      readSync(fd, buf, 0, buf.length, from);
      for (const line of buf.toString('utf8').split('\n')) {
        const m = LINE.exec(line);
        if (m) out.push(Number(m[1]));
      }
    } finally {
      closeSync(fd);
    }
  }
  return out;
}
