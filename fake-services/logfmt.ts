/**
 * The service log: one logfmt line per request and per notable event, appended to one file
 * through a single fd stream. Every line carries `seq`, a per-process sequence starting at 1,
 * so the harness can tell exactly which lines reached Loki (delivery accounting).
 *
 * Lines are batched, whole and in seq order: at the end of the event-loop turn that logged
 * them (setImmediate), or, while a write is still in flight, at the end of the turn it
 * completes in. One write per line cost a thread-pool round trip and two callbacks per
 * request; under load a batch now holds many lines. `linesWritten` still counts exactly the
 * lines the OS has accepted.
 */
import type { WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import { fs } from './builtins.ts';

export type Level = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
export type Fields = Record<string, string | number | boolean | undefined>;

/**
 * Characters that make logfmt quote a value: whitespace, `=`, `"`, `\\` and the C0/C1 control
 * characters (\p{Cc}). Spelled as ranges rather than \p{Cc}: the same set (JS \s is Unicode
 * whitespace with or without the u flag), without the Unicode-property regex machinery.
 */
const NEEDS_QUOTES = /[\s="\\\x00-\x1f\x7f-\x9f]/;

/** Quotes a value when logfmt requires it (spaces, `=`, quotes, control characters, empty). */
export function logfmtValue(v: string | number | boolean): string {
  const s = String(v);
  if (s !== '' && !NEEDS_QUOTES.test(s)) return s;
  return JSON.stringify(s);
}

/** `ts level service seq` first, `msg` last, the rest in insertion order; undefined fields are dropped. */
export function formatLine(ts: Date, level: Level, service: string, seq: number, fields: Fields): string {
  let line = `ts=${ts.toISOString()} level=${level} service=${logfmtValue(service)} seq=${seq}`;
  for (const k in fields) {
    const v = fields[k];
    if (k !== 'msg' && v !== undefined) line += ` ${k}=${logfmtValue(v)}`;
  }
  if (fields.msg !== undefined) line += ` msg=${logfmtValue(fields.msg)}`;
  return line;
}

/** Replaces a formatted line by a malformed one (the malformed-logs fault), or leaves it alone. */
export type Malformer = (seq: number, line: string) => Buffer | undefined;

export class ServiceLogger {
  private readonly stream: WriteStream;
  private seq = 0;
  /** Lines not yet handed to the stream: text, after whole chunks once a malformed (raw bytes) line came. */
  private pendingText = '';
  private readonly pendingChunks: Buffer[] = [];
  private pendingLines = 0;
  private flushTimer: NodeJS.Immediate | undefined;
  private writing = false;
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
    fs.mkdirSync(dirname(file), { recursive: true });
    this.stream = fs.createWriteStream(file, { flags: 'a' });
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
      // Raw bytes, not text: the text so far goes first to keep the order.
      if (this.pendingText) this.pendingChunks.push(Buffer.from(this.pendingText));
      this.pendingText = '';
      this.pendingChunks.push(bad, NEWLINE);
    } else {
      this.pendingText += line + '\n';
    }
    this.linesQueued++;
    this.pendingLines++;
    if (!this.writing) this.flushTimer ??= setImmediate(this.flush);
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

  /** Hands the pending lines to the stream as one chunk; they count as written once the OS has them all. */
  private readonly flush = (): void => {
    clearImmediate(this.flushTimer);
    this.flushTimer = undefined;
    if (this.pendingLines === 0) return;
    this.writing = true;
    if (this.pendingText) this.pendingChunks.push(Buffer.from(this.pendingText));
    const chunk = this.pendingChunks.length === 1 ? this.pendingChunks[0]! : Buffer.concat(this.pendingChunks);
    const lines = this.pendingLines;
    this.pendingText = '';
    this.pendingChunks.length = 0;
    this.pendingLines = 0;
    this.stream.write(chunk, (err) => {
      this.writing = false;
      if (!err) {
        this.linesWritten += lines;
        this.bytesWritten += chunk.length;
      }
      // What came in meanwhile goes at the end of this turn, with whatever this turn adds.
      if (this.pendingLines > 0) this.flushTimer ??= setImmediate(this.flush);
    });
  };

  /** Flushes everything queued and closes the fd. */
  close(): Promise<void> {
    this.flush();
    return new Promise((resolve) => {
      if (this.stream.closed) return resolve();
      this.stream.end(() => resolve());
    });
  }
}

const NEWLINE = Buffer.from('\n');
