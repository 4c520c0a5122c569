/**
 * A tiny HTTP server for unit-testing API decoding: listens on 127.0.0.1 on an
 * ephemeral port, answers from a route table with canned bodies, records every request.
 */
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  /** Query string parameters (repeated keys kept in order). */
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: string;
  /** Form-encoded body parameters (empty unless the body was form-encoded). */
  form: URLSearchParams;
}

export interface CannedResponse {
  status?: number;
  /** A string is sent as is (text/plain unless a content-type is given); anything else as JSON. */
  body?: unknown;
  headers?: Record<string, string>;
  /** Never answer (for timeout tests). */
  hang?: boolean;
}

export type Handler = (req: RecordedRequest) => CannedResponse | Promise<CannedResponse>;

export class FakeApiServer {
  readonly requests: RecordedRequest[] = [];
  private readonly routes = new Map<string, Handler>();
  private server: Server | undefined;
  private readonly hanging: ServerResponse[] = [];
  baseUrl = '';

  /** Register `METHOD /path` (exact path, query string ignored). */
  on(method: string, path: string, handler: Handler | CannedResponse): this {
    this.routes.set(`${method} ${path}`, typeof handler === 'function' ? handler : () => handler);
    return this;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        void this.handle(req, Buffer.concat(chunks).toString('utf8'), res);
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    this.baseUrl = `http://127.0.0.1:${port}`;
    return this;
  }

  private async handle(req: IncomingMessage, body: string, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const isForm = (req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
    const recorded: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      body,
      form: new URLSearchParams(isForm ? body : ''),
    };
    this.requests.push(recorded);
    const handler = this.routes.get(`${recorded.method} ${recorded.path}`);
    const canned: CannedResponse = handler ? await handler(recorded) : { status: 404, body: '404 page not found\n' };
    if (canned.hang) {
      this.hanging.push(res);
      return;
    }
    const isText = typeof canned.body === 'string';
    const payload = canned.body === undefined ? '' : isText ? (canned.body as string) : JSON.stringify(canned.body);
    res.writeHead(canned.status ?? 200, {
      'content-type': isText ? 'text/plain; charset=utf-8' : 'application/json',
      ...canned.headers,
    });
    res.end(payload);
  }

  /** The last request to `path`. */
  last(path: string): RecordedRequest {
    const found = [...this.requests].reverse().find((r) => r.path === path);
    if (!found) throw new Error(`no request to ${path}; got ${this.requests.map((r) => r.path).join(', ')}`);
    return found;
  }

  async stop(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

/** A port that was just free (listen on 0, close): for "connection refused" tests. */
export async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}
