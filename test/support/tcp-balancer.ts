import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';

export interface TcpBalancer {
  /** http://127.0.0.1:port */
  url: string;
  port: number;
  /** Connections handed to each upstream, in the order the upstreams were given. */
  connections: number[];
  /** Resolves when the first client connects (held or not). */
  firstConnection: Promise<unknown>;
  /** With `hold`: passes the held connections through, and every later one straight away. */
  release(): void;
  /** Stops listening and destroys every open connection, both sides. */
  stop(): Promise<void>;
}

export interface TcpBalancerOptions {
  /** Loopback ports of the upstreams. */
  upstreams: number[];
  /** Connections open at once, beyond which new ones are refused (closed). Default 512. */
  maxConnections?: number;
  /** Connections wait, unanswered, until `release()` (a store that is there but not answering). */
  hold?: boolean;
}

/**
 * A layer-4 balancer on loopback, like a cloud TCP load balancer: each new connection goes to
 * the next upstream in turn, and bytes are piped both ways untouched (no X-Forwarded-*, so the
 * app sees the balancer's address as the client's). Keep-alive connections stay on one
 * upstream: callers that want requests spread open one connection per request.
 */
export async function startTcpBalancer(options: TcpBalancerOptions): Promise<TcpBalancer> {
  const { upstreams } = options;
  if (upstreams.length === 0) throw new Error('a balancer needs at least one upstream');
  const open = new Set<Socket>();
  const connections = upstreams.map(() => 0);
  let turn = 0;

  let holding = options.hold ?? false;
  const held: Socket[] = [];

  const pass = (client: Socket) => {
    const index = turn++ % upstreams.length;
    connections[index]! += 1;
    const upstream = connect(upstreams[index]!, '127.0.0.1');
    for (const socket of [client, upstream]) {
      open.add(socket);
      socket.once('close', () => open.delete(socket));
      // A reset on one side ends the other: nothing is left half-open.
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  };
  const server = createServer((client) => {
    if (!holding) return pass(client);
    open.add(client);
    client.once('close', () => open.delete(client));
    client.on('error', () => client.destroy());
    held.push(client);
  });
  server.maxConnections = options.maxConnections ?? 512;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    connections,
    firstConnection: once(server, 'connection'),
    release() {
      holding = false;
      held.splice(0).forEach(pass);
    },
    async stop() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of open) socket.destroy();
      await closed;
    },
  };
}
