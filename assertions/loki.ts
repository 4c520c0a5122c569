/**
 * A typed client for the Loki HTTP API: log and metric queries (syntax-checked with the
 * official LogQL grammar first), label discovery, readiness, and push (for tests that
 * need known log lines).
 *
 * Log entry timestamps are nanoseconds since the epoch as `bigint` (they do not fit a
 * double). Loki's error responses are plain text; they surface in `HttpError.message`.
 */

import { z } from 'zod';
import { parseDuration } from './duration.ts';
import {
  type HttpResponse,
  type QueryParams,
  decodeWith,
  expectOk,
  parseJsonBody,
  ApiClient,
} from './http-client.ts';
import {
  type Labels,
  type MatrixSeries,
  type ReadyStatus,
  type TimeInput,
  type VectorSample,
  decodeQueryData,
  probeReady,
} from './prometheus.ts';
import { type QueryLocation, validateQuery } from './query-language.ts';

/** A point in time for Loki: Date, Unix seconds (number), nanoseconds (bigint) or RFC 3339. */
export type LokiTimeInput = TimeInput | bigint;

/** Loki reads integers as nanoseconds: send every time that way (or as given, for strings). */
export function formatLokiTime(t: LokiTimeInput): string {
  if (typeof t === 'bigint') return t.toString();
  if (t instanceof Date) {
    const ms = t.getTime();
    if (Number.isNaN(ms)) throw new RangeError('invalid Date');
    return (BigInt(ms) * 1_000_000n).toString();
  }
  if (typeof t === 'number') {
    if (!Number.isFinite(t)) throw new RangeError(`invalid Unix time ${t}`);
    return (BigInt(Math.round(t * 1000)) * 1_000_000n).toString();
  }
  return t;
}

/** Nanoseconds since the epoch to ISO 8601 (millisecond precision). */
export function nsToIso(ns: bigint): string {
  return new Date(Number(ns / 1_000_000n)).toISOString();
}

export interface LogEntry {
  tsNs: bigint;
  line: string;
  /** The optional third element Loki sends (structured metadata / parsed labels). */
  metadata?: Record<string, unknown>;
}

export interface LogStream {
  labels: Labels;
  entries: LogEntry[];
}

export interface LogQueryResult {
  query: string;
  streams: LogStream[];
  /** Loki's query statistics, as sent. */
  stats: unknown;
  warnings: string[];
}

export type LokiMetricData =
  | { resultType: 'vector'; result: VectorSample[] }
  | { resultType: 'matrix'; result: MatrixSeries[] }
  | { resultType: 'scalar'; result: { timestamp: number; value: number } };

export type LokiInstantResult = LokiMetricData & { query: string; stats: unknown; warnings: string[] };
export type LokiMatrixResult = { resultType: 'matrix'; result: MatrixSeries[]; query: string; stats: unknown; warnings: string[] };

// ---------------------------------------------------------------------------------------

const labelsSchema = z.record(z.string(), z.string());
const entrySchema = z.union([
  z.tuple([z.string(), z.string()]),
  z.tuple([z.string(), z.string(), z.record(z.string(), z.unknown())]),
]);
const streamSchema = z.object({ stream: labelsSchema, values: z.array(entrySchema) });
const samplePair = z.tuple([z.number(), z.string()]);
const lokiDataSchema = z.discriminatedUnion('resultType', [
  z.looseObject({ resultType: z.literal('streams'), result: z.array(streamSchema), stats: z.unknown().optional() }),
  z.looseObject({
    resultType: z.literal('matrix'),
    result: z.array(z.object({ metric: labelsSchema, values: z.array(samplePair) })),
    stats: z.unknown().optional(),
  }),
  z.looseObject({
    resultType: z.literal('vector'),
    result: z.array(z.object({ metric: labelsSchema, value: samplePair })),
    stats: z.unknown().optional(),
  }),
  z.looseObject({ resultType: z.literal('scalar'), result: samplePair, stats: z.unknown().optional() }),
]);
const queryEnvelope = z.looseObject({
  status: z.string(),
  data: lokiDataSchema,
  warnings: z.array(z.string()).optional(),
});
type LokiData = z.infer<typeof lokiDataSchema>;

function decodeStreams(result: z.infer<typeof streamSchema>[]): LogStream[] {
  return result.map((s) => ({
    labels: s.stream,
    entries: s.values.map((v) => {
      const entry: LogEntry = { tsNs: BigInt(v[0]), line: v[1] };
      if (v.length === 3) entry.metadata = v[2];
      return entry;
    }),
  }));
}

function decodeMetric(data: Exclude<LokiData, { resultType: 'streams' }>): LokiMetricData {
  const decoded = decodeQueryData(data);
  if (decoded.resultType === 'string') throw new Error('unexpected string result from Loki');
  return decoded;
}

export type Direction = 'forward' | 'backward';

export interface LogQueryOptions {
  /** Maximum number of entries (Loki's default is 100). */
  limit?: number;
  direction?: Direction;
  where?: QueryLocation;
}

export interface PushEntry {
  /** Nanoseconds since the epoch, or a Date. */
  ts: bigint | Date;
  line: string;
  structuredMetadata?: Record<string, string>;
}

export interface PushStream {
  labels: Labels;
  entries: PushEntry[];
}

export class LokiClient extends ApiClient {
  private async query(path: string, params: QueryParams): Promise<{ res: HttpResponse; data: LokiData; warnings: string[] }> {
    const res = expectOk(await this.http.request('GET', path, { query: params }));
    const env = decodeWith(res, queryEnvelope, parseJsonBody(res));
    if (env.status !== 'success') {
      throw new Error(`GET ${res.url}: Loki answered status ${JSON.stringify(env.status)}`);
    }
    // Loki sends warnings at the top level; accept them inside data too.
    const inData = (env.data as { warnings?: unknown }).warnings;
    const warnings = env.warnings ?? (Array.isArray(inData) ? inData.map(String) : []);
    return { res, data: env.data, warnings };
  }

  /**
   * GET /loki/api/v1/query_range for a log query: the matching streams and their
   * entries. A metric query here is a mistake (use `metricQueryRange`) and throws.
   */
  async queryRange(logql: string, start: LokiTimeInput, end: LokiTimeInput, options: LogQueryOptions = {}): Promise<LogQueryResult> {
    validateQuery('logql', logql, options.where);
    const { res, data, warnings } = await this.query('/loki/api/v1/query_range', {
      query: logql,
      start: formatLokiTime(start),
      end: formatLokiTime(end),
      limit: options.limit,
      direction: options.direction,
    });
    if (data.resultType !== 'streams') {
      throw new Error(`GET ${res.url}: expected streams, got ${data.resultType}; use metricQueryRange() for metric queries`);
    }
    return { query: logql, streams: decodeStreams(data.result), stats: data.stats, warnings };
  }

  /** GET /loki/api/v1/query_range for a metric query (`rate({...}[5m])`): a matrix. */
  async metricQueryRange(
    logql: string,
    start: LokiTimeInput,
    end: LokiTimeInput,
    step: number | string,
    options: { where?: QueryLocation } = {},
  ): Promise<LokiMatrixResult> {
    validateQuery('logql', logql, options.where);
    if (typeof step === 'string') parseDuration(step);
    const { res, data, warnings } = await this.query('/loki/api/v1/query_range', {
      query: logql,
      start: formatLokiTime(start),
      end: formatLokiTime(end),
      step: String(step),
    });
    if (data.resultType !== 'matrix') {
      throw new Error(`GET ${res.url}: expected matrix, got ${data.resultType}; use queryRange() for log queries`);
    }
    const decoded = decodeMetric(data);
    if (decoded.resultType !== 'matrix') throw new Error('unreachable');
    return { ...decoded, query: logql, stats: data.stats, warnings };
  }

  /** GET /loki/api/v1/query: an instant metric query (`sum(count_over_time({...}[5m]))`). */
  async instantQuery(logql: string, time?: LokiTimeInput, options: { where?: QueryLocation } = {}): Promise<LokiInstantResult> {
    validateQuery('logql', logql, options.where);
    const { res, data, warnings } = await this.query('/loki/api/v1/query', {
      query: logql,
      time: time === undefined ? undefined : formatLokiTime(time),
    });
    if (data.resultType === 'streams') {
      throw new Error(`GET ${res.url}: instant queries are for metric queries; use queryRange() for log queries`);
    }
    return { ...decodeMetric(data), query: logql, stats: data.stats, warnings };
  }

  /** GET /loki/api/v1/labels. */
  async labels(options: { start?: LokiTimeInput; end?: LokiTimeInput } = {}): Promise<string[]> {
    return this.stringList('/loki/api/v1/labels', options);
  }

  /** GET /loki/api/v1/label/<name>/values. */
  async labelValues(name: string, options: { start?: LokiTimeInput; end?: LokiTimeInput; query?: string } = {}): Promise<string[]> {
    if (options.query !== undefined) validateQuery('logql', options.query);
    return this.stringList(`/loki/api/v1/label/${encodeURIComponent(name)}/values`, options);
  }

  private async stringList(path: string, options: { start?: LokiTimeInput; end?: LokiTimeInput; query?: string }): Promise<string[]> {
    const schema = z.looseObject({ status: z.string(), data: z.array(z.string()).optional().default([]) });
    const env = await this.http.getJson(path, {
      schema,
      query: {
        start: options.start === undefined ? undefined : formatLokiTime(options.start),
        end: options.end === undefined ? undefined : formatLokiTime(options.end),
        query: options.query,
      },
    });
    return env.data;
  }

  /** GET /loki/api/v1/series: label sets of the streams matching any of the selectors. */
  async series(match: readonly string[], options: { start?: LokiTimeInput; end?: LokiTimeInput } = {}): Promise<Labels[]> {
    if (match.length === 0) throw new Error('series() needs at least one selector');
    for (const m of match) validateQuery('logql', m);
    const schema = z.looseObject({ status: z.string(), data: z.array(labelsSchema).optional().default([]) });
    const env = await this.http.getJson('/loki/api/v1/series', {
      schema,
      query: {
        'match[]': match,
        start: options.start === undefined ? undefined : formatLokiTime(options.start),
        end: options.end === undefined ? undefined : formatLokiTime(options.end),
      },
    });
    return env.data;
  }

  /** GET /ready. Never throws: an unreachable server is `{ready: false, status: null}`. */
  async ready(): Promise<ReadyStatus> {
    return probeReady(this.http, '/ready');
  }

  /** POST /loki/api/v1/push (JSON). Throws `HttpError` unless Loki answers 2xx (204). */
  async push(streams: readonly PushStream[]): Promise<void> {
    const body = {
      streams: streams.map((s) => ({
        stream: s.labels,
        values: s.entries.map((e) => {
          const ts = e.ts instanceof Date ? BigInt(e.ts.getTime()) * 1_000_000n : e.ts;
          return e.structuredMetadata ? [ts.toString(), e.line, e.structuredMetadata] : [ts.toString(), e.line];
        }),
      })),
    };
    expectOk(await this.http.request('POST', '/loki/api/v1/push', { json: body }));
  }
}
