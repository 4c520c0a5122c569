/**
 * The webhook receiver Alertmanager routes to in every run (the renderer points all
 * receivers here). It keeps each notification with its arrival time, appends it to a
 * JSONL file in the run directory, and serves them back on GET /alerts so a scenario
 * in another process (--reuse) can read what arrived.
 */
import { createServer, type Server } from 'node:http';
import { appendFileSync } from 'node:fs';
import type { ReceivedNotification } from '../events/notification.ts';

export type { ReceivedNotification } from '../events/notification.ts';

export class AlertReceiver {
  readonly notifications: ReceivedNotification[] = [];
  private server: Server | undefined;

  // Plain fields, no parameter properties: the containers backend runs this file under Node's type stripping.
  private readonly port: number;
  private readonly journal: string;
  private readonly host: string;

  /** `host` is 127.0.0.1 natively; 0.0.0.0 only inside a container, whose port the backend publishes on 127.0.0.1. */
  constructor(port: number, journal: string, host = '127.0.0.1') {
    this.port = port;
    this.journal = journal;
    this.host = host;
  }

  start(): Promise<void> {
    this.server = createServer((req, res) => {
      if (req.method === 'POST') {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          try {
            const n: ReceivedNotification = { receivedAt: new Date().toISOString(), payload: JSON.parse(Buffer.concat(chunks).toString('utf8')) };
            this.notifications.push(n);
            appendFileSync(this.journal, JSON.stringify(n) + '\n');
            res.writeHead(200).end('ok');
          } catch {
            res.writeHead(400).end('bad payload');
          }
        });
        return;
      }
      if (req.method === 'GET' && req.url?.startsWith('/alerts')) {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(this.notifications));
        return;
      }
      if (req.method === 'GET' && req.url === '/ready') {
        res.writeHead(200).end('ok');
        return;
      }
      res.writeHead(404).end();
    });
    return new Promise((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.port, this.host, () => resolve());
    });
  }

  stop(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
