import type { Request, RequestHandler } from 'express';

/**
 * Metric labels for requests, from the routes as the app declares them, never from what the
 * client sent. Express routes case-insensitively, so `req.baseUrl` is the client's spelling of a
 * mount (`/SeSsIoN`): built from it, every spelling was a new time series. Here the label belongs
 * to the route object that answered, found by walking the app's router once: a fixed set, as
 * many labels as declared routes.
 */

export const UNMATCHED_ROUTE = 'unmatched';

const METHOD_LABELS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']);

/** The method, or 'other' for the dozens node's parser accepts that no route here serves. */
export function methodLabel(method: string): string {
  return METHOD_LABELS.has(method) ? method : 'other';
}

/** Where a route is reachable: the mount's declared path (lower-cased, to compare) and its label. */
interface Mounting {
  mount: string;
  label: string;
}

type Labels = Map<object, Mounting[]>;

// What the walk reads of router 2's layers: `rawPath` is the path a layer was declared with.
interface DeclaredLayer {
  rawPath?: unknown;
  route?: { path?: unknown };
  handle?: { stack?: unknown };
}

// Built at the first answer of each app, when every area is mounted (createApp mounts them all
// before anything listens).
const byApp = new WeakMap<object, Labels>();

const DECLARED = Symbol('declared route label');
type Labelled = Request & { [DECLARED]?: string };

/**
 * Labels every request through this mount `label` (e.g. `/likecoin/api/*`): for mounts that
 * answer any path under them with no route of their own (the proxies), which would otherwise
 * all be 'unmatched'. A constant, so the client's path never reaches a label; errors answered
 * after the mount was left keep it too.
 */
export function labelRoute(label: string): RequestHandler {
  return (req, _res, next) => {
    (req as Labelled)[DECLARED] = label;
    next();
  };
}

/** The declared route pattern that answered `req` (mount + route path), or 'unmatched'. */
export function routeLabel(req: Request): string {
  const declared = (req as Labelled)[DECLARED];
  if (declared !== undefined) return declared;
  const route: unknown = req.route;
  if (typeof route !== 'object' || route === null) return UNMATCHED_ROUTE;
  let labels = byApp.get(req.app);
  if (!labels) {
    labels = new Map();
    collect((req.app as { router?: { stack?: unknown } }).router?.stack, [''], labels, 0);
    byApp.set(req.app, labels);
  }
  const mountings = labels.get(route);
  if (!mountings) return UNMATCHED_ROUTE;
  // A router mounted at two paths has its routes under both: pick the one this request came
  // through (its mount, compared as Express does, without case). After the router is left (an
  // error handled at the app's level) baseUrl is '' again, and any declared label will do.
  const base = req.baseUrl.toLowerCase();
  return (mountings.find((m) => m.mount === base) ?? mountings[0]!).label;
}

const MAX_DEPTH = 8;

function collect(stack: unknown, prefixes: string[], into: Labels, depth: number): void {
  if (!Array.isArray(stack) || depth > MAX_DEPTH) return;
  for (const layer of stack as DeclaredLayer[]) {
    const route = layer.route;
    if (route) {
      const path = String(route.path);
      const mountings = into.get(route) ?? [];
      for (const prefix of prefixes) {
        mountings.push({ mount: prefix.toLowerCase(), label: `${prefix}${path}` });
      }
      into.set(route, mountings);
    } else if (layer.handle?.stack) {
      const paths = declaredPaths(layer.rawPath);
      const nested = prefixes.flatMap((p) =>
        paths.map((path) => (path === '/' ? p : `${p}${path}`)),
      );
      collect(layer.handle.stack, nested, into, depth + 1);
    }
  }
}

/** A mount's declared path or paths; a pattern that is no string (a RegExp) stays as written. */
function declaredPaths(raw: unknown): string[] {
  const list = Array.isArray(raw) ? (raw.flat(Infinity) as unknown[]) : [raw];
  return list.map((p) => (typeof p === 'string' ? p : String(p)));
}
