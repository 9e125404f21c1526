// npm run demo: the service and its stand-ins on this machine; prints the console's URL.
import type { DestinationStream } from 'pino';
import { startDemo } from './demo';

async function prettyLogs(): Promise<DestinationStream | undefined> {
  try {
    const { default: pretty } = await import('pino-pretty');
    return pretty({
      colorize: process.stdout.isTTY,
      translateTime: 'SYS:HH:MM:ss',
      ignore: 'pid,hostname,service',
      singleLine: true,
    });
  } catch {
    return undefined; // not installed (npm ci --omit=dev): plain JSON lines then
  }
}

function demoPort(raw: string | undefined): number {
  if (raw === undefined || raw.trim() === '') return 3000;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`DEMO_PORT: "${raw}" is not a port number (0-65535)\n`);
    process.exit(1);
  }
  return port;
}

async function main(): Promise<void> {
  if (process.env.NODE_ENV === 'production') {
    process.stderr.write('npm run demo is a development tool: it refuses NODE_ENV=production\n');
    process.exit(1);
  }
  const demo = await startDemo({
    port: demoPort(process.env.DEMO_PORT),
    logLevel: process.env.LOG_LEVEL ?? 'info',
    logDestination: await prettyLogs(),
  });
  process.stdout.write(`\n  token-bff demo: open ${demo.consoleUrl}\n\n`);

  const stop = () => {
    void demo.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(
    `demo failed to start: ${err instanceof Error ? err.message : String(err)}\n`,
  );
  process.exit(1);
});
