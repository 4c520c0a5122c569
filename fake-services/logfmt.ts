/**
 * The service log: one logfmt line per request and per notable event, appended to one file
 * through a single fd stream. Every line carries `seq`, a per-process sequence starting at 1,
 * so the harness can tell exactly which lines reached Loki (delivery accounting).
 */
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';

export type Level = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
export type Fields = Record<string, string | number | boolean | undefined>;

/** Quotes a value when logfmt requires it (spaces, `=`, quotes, control characters, empty). */
export function logfmtValue(v: string | number | boolean): string {
  const s = String(v);
  if (s !== '' && !/[\s="\\\p{Cc}]/u.test(s)) return s;
  return JSON.stringify(s);
}

/** `ts level service seq` first, `msg` last, the rest in insertion order; undefined fields are dropped. */
export function formatLine(ts: Date, level: Level, service: string, seq: number, fields: Fields): string {
  const { msg, ...rest } = fields;
  const parts = [`ts=${ts.toISOString()}`, `level=${level}`, `service=${logfmtValue(service)}`, `seq=${seq}`];
  for (const [k, v] of Object.entries(rest)) if (v !== undefined) parts.push(`${k}=${logfmtValue(v)}`);
  if (msg !== undefined) parts.push(`msg=${logfmtValue(msg)}`);
  return parts.join(' ');
}

/** Replaces a formatted line by a malformed one (the malformed-logs fault), or leaves it alone. */
export type Malformer = (seq: number, line: string) => Buffer | undefined;

export class ServiceLogger {
  private readonly stream: WriteStream;
  private seq = 0;
  linesQueued = 0;
  /** Lines the OS has accepted (the write callback ran): what the file really holds. */
  linesWritten = 0;
  bytesWritten = 0;
  malformedLines = 0;
  /** Seqs of malformed lines, so accounting can exclude them (capped: a ratio-1 fault could be long). */
  readonly malformedSeqs: number[] = [];
  malformer: Malformer | undefined;

  constructor(
    readonly file: string,
    readonly service: string,
  ) {
    mkdirSync(dirname(file), { recursive: true });
    this.stream = createWriteStream(file, { flags: 'a' });
    this.stream.on('error', (e) => process.stderr.write(`fake-service ${service}: log write: ${e.message}\n`));
  }

  get lastSeq(): number {
    return this.seq;
  }

  log(level: Level, fields: Fields): number {
    const seq = ++this.seq;
    const line = formatLine(new Date(), level, this.service, seq, fields);
    const bad = this.malformer?.(seq, line);
    if (bad) {
      this.malformedLines++;
      if (this.malformedSeqs.length < 100_000) this.malformedSeqs.push(seq);
    }
    const chunk = bad ? Buffer.concat([bad, Buffer.from('\n')]) : Buffer.from(line + '\n');
    this.linesQueued++;
    this.stream.write(chunk, (err) => {
      if (err) return;
      this.linesWritten++;
      this.bytesWritten += chunk.length;
    });
    return seq;
  }

  info(fields: Fields): number {
    return this.log('INFO', fields);
  }
  warn(fields: Fields): number {
    return this.log('WARN', fields);
  }
  error(fields: Fields): number {
    return this.log('ERROR', fields);
  }

  /** Flushes everything queued and closes the fd. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.stream.closed) return resolve();
      this.stream.end(() => resolve());
    });
  }
}
