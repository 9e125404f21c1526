import { EventEmitter, once } from 'node:events';
import { Writable } from 'node:stream';

/** Collects every line the logger writes, so a test can read what an operator would see. */
export class LogCapture {
  readonly lines: string[] = [];
  private readonly events = new EventEmitter();
  readonly stream = new Writable({
    write: (chunk: Buffer, _enc, done) => {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
        this.lines.push(line);
        this.events.emit('line', line);
      }
      done();
    },
  });

  /** Resolves with the first line from now on that `match` accepts. */
  async next(match: (entry: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
    for (;;) {
      const [line] = (await once(this.events, 'line')) as [string];
      const entry = JSON.parse(line) as Record<string, unknown>;
      if (match(entry)) return entry;
    }
  }

  get text(): string {
    return this.lines.join('\n');
  }

  entries(): Record<string, unknown>[] {
    return this.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  }
}
