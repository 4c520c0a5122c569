/**
 * A container seen as a process: what chaos and the engine need of a component (kill,
 * freeze, stop, its log) mapped onto the engine's API. Kill is `docker kill` (SIGKILL of
 * the container's init), freeze is pause, thaw is unpause; its output streams into the
 * run folder like a native process's.
 */
import { createWriteStream, existsSync, readFileSync, type WriteStream } from 'node:fs';
import type { StartedTestContainer } from 'testcontainers';
import { getContainerRuntimeClient } from 'testcontainers';
import type { ProcessHandle } from '../handles.ts';

type Dockerode = Awaited<ReturnType<typeof getContainerRuntimeClient>>['container'];
type DockerContainer = ReturnType<Dockerode['getById']>;

export class ContainerProcess implements ProcessHandle {
  private state: 'running' | 'paused' | 'exited' = 'running';
  private out: WriteStream | undefined;

  constructor(
    readonly name: string,
    readonly container: StartedTestContainer,
    private readonly docker: DockerContainer,
    readonly pid: number,
    readonly logFile: string,
  ) {}

  static async of(name: string, container: StartedTestContainer, logFile: string): Promise<ContainerProcess> {
    const client = await getContainerRuntimeClient();
    const docker = client.container.getById(container.getId());
    const info = await docker.inspect();
    const p = new ContainerProcess(name, container, docker, info.State.Pid, logFile);
    await p.follow();
    return p;
  }

  /** Streams the container's stdout and stderr into its log file (appending across restarts). */
  private async follow(): Promise<void> {
    this.out ??= createWriteStream(this.logFile, { flags: 'a' });
    const stream = await this.container.logs({ since: Math.floor(Date.now() / 1000) - 1 });
    stream.on('data', (d: Buffer | string) => this.out?.write(d));
    stream.on('error', () => {});
  }

  get id(): string {
    return this.container.getId();
  }

  get running(): boolean {
    return this.state !== 'exited';
  }

  async kill(): Promise<unknown> {
    if (this.state === 'paused') await this.docker.unpause().catch(() => {});
    await this.docker.kill({ signal: 'SIGKILL' }).catch((e: Error) => {
      if (!/not running|is not running|409/.test(e.message)) throw e;
    });
    this.state = 'exited';
    return undefined;
  }

  async stop(): Promise<unknown> {
    if (this.state === 'paused') await this.docker.unpause().catch(() => {});
    await this.docker.stop({ t: 5 }).catch((e: Error) => {
      if (!/not running|already stopped|304/.test(e.message)) throw e;
    });
    this.state = 'exited';
    return undefined;
  }

  async freeze(): Promise<void> {
    await this.docker.pause();
    this.state = 'paused';
  }

  async thaw(): Promise<void> {
    await this.docker.unpause();
    this.state = 'running';
  }

  /** `docker start` of the same container (its writable layer kept, as a restart policy would). */
  async start(): Promise<void> {
    await this.docker.start();
    this.state = 'running';
    await this.follow();
  }

  /** Removes the container for good (the stack's stop). */
  async remove(): Promise<void> {
    await this.docker.remove({ force: true, v: true }).catch(() => {});
    this.state = 'exited';
    this.out?.end();
    this.out = undefined;
  }

  tail(lines = 40): string {
    if (!existsSync(this.logFile)) return '';
    return readFileSync(this.logFile, 'utf8').split('\n').slice(-lines - 1).join('\n');
  }
}
