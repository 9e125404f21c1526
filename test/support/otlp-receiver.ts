import { EventEmitter, once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One span as an operator's backend shows it: ids in hex, attributes as plain values. */
export interface ExportedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  attributes: Record<string, string | number | boolean>;
  links: { traceId: string; spanId: string }[];
  events: string[];
  /** 0 unset, 1 ok, 2 error. */
  status: number;
  service: string;
}

export interface OtlpReceiver {
  /** http://127.0.0.1:port: what OTEL_EXPORTER_OTLP_ENDPOINT names (the exporter adds /v1/traces). */
  url: string;
  spans: ExportedSpan[];
  /** Every export request's body, as it came: searched whole for secrets. */
  bodies: string[];
  /** Every export request's headers (what the exporter authenticates with). */
  headers: Record<string, string | string[] | undefined>[];
  /** Emits 'spans' after each export request. */
  events: EventEmitter;
  /** Resolves once a span satisfying `match` has been exported (it may have been already). */
  spanWhere(match: (s: ExportedSpan) => boolean): Promise<ExportedSpan>;
  close(): Promise<void>;
}

// The largest export body taken; past it the receiver answers 413 (the test's collector must
// not hold an unbounded amount either).
const BODY_LIMIT = 8 * 1024 * 1024;

interface OtlpValue {
  stringValue?: string;
  intValue?: number | string;
  boolValue?: boolean;
  doubleValue?: number;
}
interface OtlpAttribute {
  key: string;
  value: OtlpValue;
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes?: OtlpAttribute[];
  links?: { traceId: string; spanId: string }[];
  events?: { name: string }[];
  status?: { code?: number };
}
interface OtlpExport {
  resourceSpans?: {
    resource?: { attributes?: OtlpAttribute[] };
    scopeSpans?: { spans?: OtlpSpan[] }[];
  }[];
}

function plain(attributes: OtlpAttribute[] = []): Record<string, string | number | boolean> {
  return Object.fromEntries(
    attributes.map(({ key, value }) => [
      key,
      value.stringValue ??
        value.boolValue ??
        value.doubleValue ??
        (value.intValue === undefined ? '' : Number(value.intValue)),
    ]),
  );
}

/**
 * A stand-in for an OpenTelemetry collector's OTLP/HTTP trace receiver: takes JSON exports at
 * POST /v1/traces (what @opentelemetry/exporter-trace-otlp-http sends), answers 200, keeps each
 * span and each raw body.
 */
export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const events = new EventEmitter();
  const receiver: OtlpReceiver = {
    url: '',
    spans: [],
    bodies: [],
    headers: [],
    events,
    spanWhere(match) {
      const found = receiver.spans.find(match);
      if (found) return Promise.resolve(found);
      return new Promise((resolve) => {
        const look = () => {
          const span = receiver.spans.find(match);
          if (!span) return;
          events.off('spans', look);
          resolve(span);
        };
        events.on('spans', look);
      });
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= BODY_LIMIT) chunks.push(c);
    });
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/traces' || size > BODY_LIMIT) {
        res.writeHead(size > BODY_LIMIT ? 413 : 404).end();
        return;
      }
      if (!String(req.headers['content-type']).startsWith('application/json')) {
        res.writeHead(415).end();
        return;
      }
      const body = Buffer.concat(chunks).toString('utf8');
      receiver.bodies.push(body);
      receiver.headers.push(req.headers);
      const parsed = JSON.parse(body) as OtlpExport;
      for (const rs of parsed.resourceSpans ?? []) {
        const service = String(plain(rs.resource?.attributes)['service.name'] ?? '');
        for (const ss of rs.scopeSpans ?? []) {
          for (const s of ss.spans ?? []) {
            receiver.spans.push({
              traceId: s.traceId,
              spanId: s.spanId,
              parentSpanId: s.parentSpanId ?? '',
              name: s.name,
              kind: s.kind,
              attributes: plain(s.attributes),
              links: (s.links ?? []).map(({ traceId, spanId }) => ({ traceId, spanId })),
              events: (s.events ?? []).map((e) => e.name),
              status: s.status?.code ?? 0,
              service,
            });
          }
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      events.emit('spans');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return receiver;
}
