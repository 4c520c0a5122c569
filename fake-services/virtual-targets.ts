/**
 * Many scrape targets from one process, for growing the monitoring stack: every
 * `/targets/<i>/metrics` answers the same exposition body of N series (Prometheus tells
 * the targets apart by their target labels). The body is rendered once per size and
 * served from memory, so what is measured is Prometheus's ingestion, not this server.
 * `PUT /series/<n>` sets the size from outside (when it runs in its own container).
 */
import { createServer, type Server } from 'node:http';

export class VirtualTargets {
  private server: Server | undefined;
  private body = Buffer.alloc(0);
  private seriesPerTarget = 0;
  /** Scrapes answered since start. */
  scrapes = 0;

  /** Each target exposes `series` series: a counter family spread over a cardinality label, as a busy service's would be. */
  setSeriesPerTarget(series: number): void {
    if (series === this.seriesPerTarget) return;
    const lines = ['# HELP capacity_virtual_requests_total Requests of a virtual target, one series per label set.', '# TYPE capacity_virtual_requests_total counter'];
    for (let j = 0; j < series; j++) lines.push(`capacity_virtual_requests_total{path="/p${j % 50}",series="${j}"} ${1000 + j}`);
    this.body = Buffer.from(`${lines.join('\n')}\n`);
    this.seriesPerTarget = series;
  }

  async start(port: number, host = '127.0.0.1'): Promise<void> {
    this.server = createServer((req, res) => {
      const resize = req.method === 'PUT' ? /^\/series\/(\d+)$/.exec(req.url ?? '') : null;
      if (resize) {
        this.setSeriesPerTarget(Number(resize[1]));
        res.writeHead(204).end();
        return;
      }
      if (req.method === 'GET' && req.url === '/ready') {
        res.writeHead(200).end('ready\n');
        return;
      }
      if (req.method === 'GET' && /^\/targets\/\d+\/metrics$/.test(req.url ?? '')) {
        this.scrapes++;
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'content-length': this.body.length }).end(this.body);
        return;
      }
      res.writeHead(404).end();
    });
    this.server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, host, () => resolve());
    });
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }
}
