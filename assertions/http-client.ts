/**
 * The one small HTTP client of the assertions layer, over undici's `request`.
 *
 * - every request has a timeout (default 10s) covering connect, headers and body;
 * - errors name the method, the full URL, the HTTP status and the start of the body;
 * - no retries: whether and when to ask again is the caller's timing model
 *   (assertions/expectations.ts), so that every attempt shows up as evidence.
 */

import { type Dispatcher, request } from 'undici';
import type { ZodType } from 'zod';

export type QueryValue = string | number | boolean | bigint | undefined | readonly string[];
export type QueryParams = Readonly<Record<string, QueryValue>>;

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface HttpClientOptions {
  /** Per-request timeout in milliseconds. Default 10 000. */
  timeoutMs?: number;
  /** Headers sent with every request (e.g. X-Scope-OrgID for a multi-tenant Loki). */
  headers?: Readonly<Record<string, string>>;
  /** An undici dispatcher (Agent, MockAgent); default: undici's global dispatcher. */
  dispatcher?: Dispatcher;
}

export interface RequestOptions {
  query?: QueryParams;
  /** JSON request body (serialised with bigint support). */
  json?: unknown;
  /** application/x-www-form-urlencoded request body. */
  form?: QueryParams;
  /** Raw request body. */
  body?: string | Uint8Array;
  headers?: Readonly<Record<string, string>>;
  /** Overrides the client's timeout for this request. */
  timeoutMs?: number;
}

export interface HttpResponse {
  method: HttpMethod;
  url: string;
  status: number;
  statusText: string;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  text: string;
  /** Wall-clock duration of the request in milliseconds. */
  durationMs: number;
}

/** Something went wrong talking HTTP: network failure, timeout, bad status or bad body. */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  readonly method: string;
  readonly url: string;
  /** HTTP status, if a response arrived. */
  readonly status: number | undefined;
  /** The response body (truncated to 2 000 characters), if a response arrived. */
  readonly body: string | undefined;
  readonly kind: 'network' | 'timeout' | 'status' | 'decode';

  constructor(args: {
    method: string;
    url: string;
    kind: HttpError['kind'];
    detail: string;
    status?: number;
    body?: string;
    cause?: unknown;
  }) {
    const status = args.status === undefined ? '' : ` HTTP ${args.status}`;
    const body = args.body ? `: ${truncate(args.body.trim(), 500)}` : '';
    super(`${args.method} ${args.url}:${status} ${args.detail}${body}`, { cause: args.cause });
    this.method = args.method;
    this.url = args.url;
    this.status = args.status;
    this.body = args.body === undefined ? undefined : truncate(args.body, 2000);
    this.kind = args.kind;
  }
}

function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n)}…` : s;
}

export function encodeQuery(params: QueryParams | undefined): string {
  if (!params) return '';
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) {
      for (const v of value as readonly string[]) search.append(key, v);
    } else {
      search.append(key, String(value));
    }
  }
  return search.toString();
}

/** JSON.stringify that writes bigints as decimal strings (Loki nanosecond timestamps). */
export function stringifyJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}

export class HttpClient {
  readonly baseUrl: string;
  readonly timeoutMs: number;
  private readonly headers: Readonly<Record<string, string>>;
  private readonly dispatcher: Dispatcher | undefined;

  constructor(baseUrl: string, options: HttpClientOptions = {}) {
    let parsed: URL;
    try {
      parsed = new URL(baseUrl);
    } catch (cause) {
      throw new Error(`invalid base URL ${JSON.stringify(baseUrl)}`, { cause });
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new Error(`invalid base URL ${JSON.stringify(baseUrl)}: only http and https are supported`);
    }
    this.baseUrl = baseUrl.endsWith('/') ? baseUrl.slice(0, -1) : baseUrl;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.headers = options.headers ?? {};
    this.dispatcher = options.dispatcher;
  }

  url(path: string, query?: QueryParams): string {
    const qs = encodeQuery(query);
    const sep = path.startsWith('/') ? '' : '/';
    return `${this.baseUrl}${sep}${path}${qs ? `?${qs}` : ''}`;
  }

  /**
   * Send one request and return the response whatever its status. Throws `HttpError`
   * (kind 'network' or 'timeout') only when no complete response arrived.
   */
  async request(method: HttpMethod, path: string, options: RequestOptions = {}): Promise<HttpResponse> {
    const url = this.url(path, options.query);
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    const headers: Record<string, string> = { ...this.headers, ...options.headers };
    let body: string | Uint8Array | undefined = options.body;
    if (options.json !== undefined) {
      body = stringifyJson(options.json);
      headers['content-type'] ??= 'application/json';
    } else if (options.form !== undefined) {
      body = encodeQuery(options.form);
      headers['content-type'] ??= 'application/x-www-form-urlencoded';
    }
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    const started = performance.now();
    try {
      const res = await request(url, {
        method,
        headers,
        body,
        signal: controller.signal,
        ...(this.dispatcher ? { dispatcher: this.dispatcher } : {}),
      });
      const text = await res.body.text();
      return {
        method,
        url,
        status: res.statusCode,
        statusText: res.statusText ?? '',
        headers: res.headers,
        text,
        durationMs: performance.now() - started,
      };
    } catch (cause) {
      if (controller.signal.aborted) {
        throw new HttpError({ method, url, kind: 'timeout', detail: `timed out after ${timeoutMs}ms`, cause });
      }
      const code = (cause as { code?: string }).code;
      const message = cause instanceof Error ? cause.message : String(cause);
      throw new HttpError({
        method,
        url,
        kind: 'network',
        detail: `request failed: ${code ? `${code} ` : ''}${message}`,
        cause,
      });
    } finally {
      clearTimeout(timer);
    }
  }

  /** Request, require a 2xx status, return the body text. */
  async text(method: HttpMethod, path: string, options: RequestOptions = {}): Promise<string> {
    return expectOk(await this.request(method, path, options)).text;
  }

  /** Request, require a 2xx status, parse JSON and (if given) validate it with a zod schema. */
  async json<T = unknown>(
    method: HttpMethod,
    path: string,
    options: RequestOptions & { schema?: ZodType<T> } = {},
  ): Promise<T> {
    const res = expectOk(await this.request(method, path, options));
    const data = parseJsonBody(res);
    return options.schema ? decodeWith(res, options.schema, data) : (data as T);
  }

  getJson<T = unknown>(path: string, options: Omit<RequestOptions, 'json' | 'form' | 'body'> & { schema?: ZodType<T> } = {}): Promise<T> {
    return this.json('GET', path, options);
  }

  postJson<T = unknown>(path: string, body: unknown, options: Omit<RequestOptions, 'json' | 'form' | 'body'> & { schema?: ZodType<T> } = {}): Promise<T> {
    return this.json('POST', path, { ...options, json: body });
  }
}

export function isOk(res: HttpResponse): boolean {
  return res.status >= 200 && res.status < 300;
}

/** Throw an `HttpError` naming the URL and status unless the response is 2xx. */
export function expectOk(res: HttpResponse): HttpResponse {
  if (isOk(res)) return res;
  throw new HttpError({
    method: res.method,
    url: res.url,
    kind: 'status',
    status: res.status,
    detail: res.statusText || 'unexpected status',
    body: res.text,
  });
}

/** Parse a response body as JSON, throwing an `HttpError` (kind 'decode') if it is not. */
export function parseJsonBody(res: HttpResponse): unknown {
  try {
    return JSON.parse(res.text);
  } catch (cause) {
    throw new HttpError({
      method: res.method,
      url: res.url,
      kind: 'decode',
      status: res.status,
      detail: 'response is not valid JSON',
      body: res.text,
      cause,
    });
  }
}

/** Validate decoded JSON with a zod schema, throwing an `HttpError` (kind 'decode') naming the URL. */
export function decodeWith<T>(res: HttpResponse, schema: ZodType<T>, data: unknown): T {
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  const issues = result.error.issues
    .slice(0, 5)
    .map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`)
    .join('; ');
  throw new HttpError({
    method: res.method,
    url: res.url,
    kind: 'decode',
    status: res.status,
    detail: `unexpected response shape (${issues})`,
    body: res.text,
    cause: result.error,
  });
}

/** A typed API client: one HttpClient at one base URL (Prometheus, Alertmanager, Loki, VictoriaLogs). */
export abstract class ApiClient {
  readonly http: HttpClient;

  constructor(baseUrl: string, options: HttpClientOptions = {}) {
    this.http = new HttpClient(baseUrl, options);
  }

  get baseUrl(): string {
    return this.http.baseUrl;
  }
}
