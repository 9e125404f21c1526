import { EventEmitter, once } from 'node:events';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';

export interface StoreGate {
  /** redis://127.0.0.1:port, for the service's REDIS_URL */
  url: string;
  /** From now on the store's answers wait here: every read the service sends stays in flight. */
  hold(): void;
  /** Passes on the answers held back, and every later one straight away. */
  release(): void;
  /** Resolves when the service next sends the store something (a command now in flight). */
  nextCommand(): Promise<unknown>;
  /** Stops listening and destroys every open connection, both sides. */
  stop(): Promise<void>;
}

/**
 * A TCP relay in front of a store (Redis on loopback) that can hold the store's answers back,
 * so a test can act while a read is in flight, for as long as it likes. Commands always pass.
 */
export async function startStoreGate(storePort: number): Promise<StoreGate> {
  const open = new Set<Socket>();
  const events = new EventEmitter();
  const waiting: (() => void)[] = [];
  let holding = false;

  const server = createServer((service) => {
    const store = connect(storePort, '127.0.0.1');
    for (const socket of [service, store]) {
      open.add(socket);
      socket.once('close', () => open.delete(socket));
      // A reset on one side ends the other: nothing is left half-open.
      socket.on('error', () => {
        service.destroy();
        store.destroy();
      });
      socket.once('close', () => {
        service.destroy();
        store.destroy();
      });
    }
    service.on('data', (chunk: Buffer) => {
      store.write(chunk);
      events.emit('command');
    });
    store.on('data', (chunk: Buffer) => {
      if (holding) waiting.push(() => service.write(chunk));
      else service.write(chunk);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;

  return {
    url: `redis://127.0.0.1:${port}`,
    hold() {
      holding = true;
    },
    release() {
      holding = false;
      for (const pass of waiting.splice(0)) pass();
    },
    nextCommand: () => once(events, 'command'),
    async stop() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of open) socket.destroy();
      await closed;
    },
  };
}
