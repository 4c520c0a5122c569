/**
 * A GenericContainer whose published ports are bound to 127.0.0.1 only, on fixed host
 * ports from the port plan. testcontainers publishes with no host IP, which lands on
 * 0.0.0.0; the harness never listens beyond loopback, so every binding gets HostIp.
 */
import { GenericContainer, ImageName, getContainerRuntimeClient, type StartedTestContainer } from 'testcontainers';

export const LOOPBACK = '127.0.0.1';

export class LoopbackContainer extends GenericContainer {
  /** Publishes each container port on 127.0.0.1:<host port>. */
  withLoopbackPorts(ports: readonly { container: number; host: number }[]): this {
    this.withExposedPorts(...ports.map((p) => ({ container: p.container, host: p.host })));
    const bindings = this.hostConfig.PortBindings as Record<string, { HostIp?: string; HostPort?: string }[]> | undefined;
    for (const list of Object.values(bindings ?? {})) for (const b of list) b.HostIp = LOOPBACK;
    return this;
  }

  /**
   * podman lists every port the image EXPOSEs in the container's port bindings, unpublished
   * ones as null, and testcontainers waits for all of them to be bound: the rest are
   * published too, on random 127.0.0.1 ports, so the start does not time out.
   */
  override async start(): Promise<StartedTestContainer> {
    const client = await getContainerRuntimeClient();
    const info = await client.image.inspect(ImageName.fromString(this.imageName.string));
    const bindings = (this.hostConfig.PortBindings ??= {}) as Record<string, { HostIp?: string; HostPort?: string }[]>;
    for (const port of Object.keys(info.Config?.ExposedPorts ?? {})) bindings[port] ??= [{ HostIp: LOOPBACK, HostPort: '0' }];
    return super.start();
  }
}
