import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { Response } from 'supertest';

/**
 * Checks an answer a test got against what GET /openapi.json says of that operation (by default
 * the request's method and path; name the documented path when it has a parameter): the status
 * is documented, the media type too, the body validates against the documented schema (JSON
 * Schema 2020-12, OpenAPI 3.1's dialect), a problem's code is one the response lists in
 * `x-problem-codes`, and documented required headers are there. The document is fetched from the
 * app that answered, so it is the one the service really serves.
 */
export async function expectDocumented(
  res: Response,
  method = requestOf(res).method,
  path = new URL(requestOf(res).url).pathname,
): Promise<void> {
  const origin = new URL(requestOf(res).url).origin;
  const doc = await documentOf(origin);
  const where = `${method.toUpperCase()} ${path} → ${res.status}`;
  const operation = doc.paths?.[path]?.[method.toLowerCase()];
  if (!operation) throw new Error(`${method.toUpperCase()} ${path} is not in /openapi.json`);
  const response = operation.responses?.[String(res.status)] ?? operation.responses?.default;
  if (!response) throw new Error(`${where}: that status is not documented`);

  for (const [name, header] of Object.entries<any>(response.headers ?? {})) {
    if (header.required && res.headers[name.toLowerCase()] === undefined) {
      throw new Error(`${where}: the documented header ${name} is missing`);
    }
  }
  if (!response.content) {
    // A redirect's short text body is Express's courtesy, not part of the contract.
    if (res.status !== 204 && !(res.status >= 300 && res.status < 400)) {
      throw new Error(`${where}: documented without a body`);
    }
    if (res.status === 204 && res.text) throw new Error(`${where}: a 204 with a body`);
    return;
  }
  const mediaType = String(res.headers['content-type'] ?? '')
    .split(';')[0]!
    .trim();
  // A status may be both ours (a problem) and the upstream's (a proxy passes answers through).
  const fallback = operation.responses?.default?.content ?? {};
  const content =
    response.content[mediaType] ??
    response.content['*/*'] ??
    fallback[mediaType] ??
    fallback['*/*'];
  if (!content) {
    throw new Error(
      `${where}: ${mediaType || 'no content type'} is not documented (${Object.keys(response.content).join(', ')})`,
    );
  }
  const isJson = /[/+]json$/.test(mediaType);
  const body: any = isJson ? JSON.parse(res.text) : res.text;
  const code: unknown = isJson ? body?.code : undefined;
  const validate = validatorFor(origin, doc, content.schema ?? {});
  if (!validate(body)) {
    throw new Error(
      `${where}: the body does not match the documented schema:\n${JSON.stringify(validate.errors, null, 2)}\n${res.text.slice(0, 2000)}`,
    );
  }
  if (mediaType === 'application/problem+json' && response.content[mediaType]) {
    const codes: string[] = response['x-problem-codes'] ?? [];
    if (typeof code !== 'string' || !codes.includes(code)) {
      throw new Error(
        `${where}: code ${String(code)} is not among the documented ${codes.join(', ')}`,
      );
    }
  }
}

const documents = new Map<string, Promise<any>>();
const validators = new Map<string, { ajv: Ajv2020; cache: Map<string, ValidateFunction> }>();

function documentOf(origin: string): Promise<any> {
  let doc = documents.get(origin);
  if (!doc) {
    doc = fetch(`${origin}/openapi.json`).then((r) => {
      if (r.status !== 200) throw new Error(`GET /openapi.json answered ${r.status}`);
      return r.json();
    });
    documents.set(origin, doc);
  }
  return doc;
}

function validatorFor(origin: string, doc: any, schema: object): ValidateFunction {
  let entry = validators.get(origin);
  if (!entry) {
    // strict: false, as OpenAPI adds keywords of its own (`example`) to JSON Schema.
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    entry = { ajv, cache: new Map() };
    validators.set(origin, entry);
  }
  const key = JSON.stringify(schema);
  let validate = entry.cache.get(key);
  if (!validate) {
    // The document's components ride along, so `#/components/schemas/…` resolves.
    validate = entry.ajv.compile({ ...schema, components: { schemas: doc.components?.schemas } });
    entry.cache.set(key, validate);
  }
  return validate;
}

/** The call a supertest response answers (its method; its URL, the app's origin included). */
function requestOf(res: Response): { method: string; url: string } {
  const req = (res as unknown as { request?: { method?: string; url?: string } }).request;
  if (!req?.method || !req.url) throw new Error('expectDocumented needs a supertest response');
  return { method: req.method, url: req.url };
}
