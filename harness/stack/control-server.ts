/**
 * The control port of a running stack (`stack up`): lets another harness process — a
 * scenario run with --reuse — see the environment and act on its processes, which only
 * the process that started them can do. Loopback only; JSON.
 *
 *   GET  /environment                       seed, topology offset, rendered config, components
 *   GET  /notifications                     what the webhook receiver got
 *   GET  /processes                         name, pid, running, log file
 *   POST /processes/<name>/<kill|freeze|thaw|stop|restart>
 */
import { createServer, type IncomingMessage, type ServerResponse, type Server } from 'node:http';
import type { EnvironmentHandle } from './handles.ts';

export class ControlServer {
  private server: Server | undefined;

  constructor(
    private readonly env: EnvironmentHandle,
    private readonly port: number,
  ) {}

  start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    return new Promise((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.port, '127.0.0.1', () => resolve());
    });
  }

  stop(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const send = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    const { stack, fleet, seed } = this.env;
    try {
      if (req.method === 'GET' && req.url === '/environment') return send(200, { seed, offset: stack.topology.offset, runDir: stack.runDir, config: stack.config, components: stack.describe().components, absent: stack.absent, services: fleet !== undefined });
      if (req.method === 'GET' && req.url === '/notifications') return send(200, stack.alertReceiver.notifications);
      if (req.method === 'GET' && req.url === '/processes') return send(200, stack.processes().map((p) => ({ name: p.name, pid: p.pid, running: p.running, logFile: p.logFile })));
      const m = /^\/processes\/([\w.-]+)\/(kill|freeze|thaw|stop|restart|recreate)$/.exec(req.url ?? '');
      if (req.method === 'POST' && m) {
        const [, name, action] = m as unknown as [string, string, string];
        const isService = stack.topology.services.some((s) => s.name === name);
        if (action === 'recreate') return send(200, { ok: true, readyMs: await stack.recreateComponent(name as never) });
        if (action === 'restart') {
          const readyMs = isService ? await fleet!.restart(name) : await stack.restartComponent(name as never);
          return send(200, { ok: true, readyMs });
        }
        const p = stack.process(name);
        if (action === 'kill') await p.kill();
        else if (action === 'stop') await p.stop();
        else if (action === 'freeze') await p.freeze();
        else await p.thaw();
        return send(200, { ok: true, running: p.running });
      }
      send(404, { error: `no route ${req.method} ${req.url}` });
    } catch (e) {
      send(500, { error: (e as Error).message });
    }
  }
}
