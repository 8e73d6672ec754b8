/**
 * HTTP API route keys (`GET /notes/{id}`, `ANY /files/{proxy+}`, `$default`) and AWS's route selection: the most
 * specific match wins — a route without a greedy variable over one with it, a literal segment over a variable at
 * the first place they differ, a method over ANY — and `$default` only when nothing else matches.
 */

type Segment = { readonly literal: string } | { readonly param: string };

export interface ParsedRouteKey {
  readonly routeKey: string;
  /** Upper case, or 'ANY'; undefined for `$default`. */
  readonly method?: string;
  readonly segments: readonly Segment[];
  /** The name of a trailing `{name+}` variable. */
  readonly greedy?: string;
}

export interface RouteMatch<T> {
  readonly route: T;
  readonly routeKey: string;
  readonly pathParameters: Record<string, string>;
}

const PARAM = /^\{([A-Za-z0-9._-]+)\}$/;
const GREEDY = /^\{([A-Za-z0-9._-]+)\+\}$/;

/** Parses a route key; throws a one-sentence Error for a key AWS would refuse. */
export function parseRouteKey(routeKey: string): ParsedRouteKey {
  if (routeKey === '$default') return { routeKey, segments: [] };
  const match = /^([A-Za-z]+) (\/\S*)$/.exec(routeKey);
  if (!match) throw new Error(`the route key '${routeKey}' is not '$default' or 'METHOD /path'`);
  const [, method = '', path = ''] = match;
  const parts = path.split('/').filter((part) => part !== '');
  const segments: Segment[] = [];
  let greedy: string | undefined;
  for (const [index, part] of parts.entries()) {
    const greedyName = GREEDY.exec(part)?.[1];
    if (greedyName) {
      if (index !== parts.length - 1) {
        throw new Error(`the greedy variable in route key '${routeKey}' must be its last segment`);
      }
      greedy = greedyName;
      continue;
    }
    const param = PARAM.exec(part)?.[1];
    segments.push(param ? { param } : { literal: part });
  }
  return { routeKey, method: method.toUpperCase(), segments, ...(greedy ? { greedy } : {}) };
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function matchPath(route: ParsedRouteKey, parts: readonly string[]): Record<string, string> | undefined {
  const fixed = route.segments.length;
  if (route.greedy ? parts.length <= fixed : parts.length !== fixed) return undefined;
  const parameters: Record<string, string> = {};
  for (const [index, segment] of route.segments.entries()) {
    const part = parts[index] as string;
    if ('literal' in segment) {
      if (decode(part) !== segment.literal) return undefined;
    } else parameters[segment.param] = decode(part);
  }
  if (route.greedy) parameters[route.greedy] = parts.slice(fixed).map(decode).join('/');
  return parameters;
}

/** Negative when `a` is more specific than `b`. */
function compareSpecificity(a: ParsedRouteKey, b: ParsedRouteKey): number {
  if (Boolean(a.greedy) !== Boolean(b.greedy)) return a.greedy ? 1 : -1;
  const length = Math.min(a.segments.length, b.segments.length);
  for (let index = 0; index < length; index += 1) {
    const aLiteral = 'literal' in (a.segments[index] as Segment);
    const bLiteral = 'literal' in (b.segments[index] as Segment);
    if (aLiteral !== bLiteral) return aLiteral ? -1 : 1;
  }
  // Greedy routes: the longer fixed prefix is the more specific.
  if (a.segments.length !== b.segments.length) return b.segments.length - a.segments.length;
  if ((a.method === 'ANY') !== (b.method === 'ANY')) return a.method === 'ANY' ? 1 : -1;
  return 0;
}

/** The route a request takes, or undefined (404). `path` is the raw path within the stage. */
export function selectRoute<T extends { readonly key: ParsedRouteKey }>(
  routes: Iterable<T>,
  method: string,
  path: string,
): RouteMatch<T> | undefined {
  const parts = path.split('/').filter((part) => part !== '');
  const upper = method.toUpperCase();
  let best: { route: T; parameters: Record<string, string> } | undefined;
  let fallback: T | undefined;
  for (const route of routes) {
    const { key } = route;
    if (key.method === undefined) {
      fallback = route;
      continue;
    }
    if (key.method !== 'ANY' && key.method !== upper) continue;
    const parameters = matchPath(key, parts);
    if (!parameters) continue;
    if (!best || compareSpecificity(key, best.route.key) < 0) best = { route, parameters };
  }
  if (best) return { route: best.route, routeKey: best.route.key.routeKey, pathParameters: best.parameters };
  return fallback && { route: fallback, routeKey: '$default', pathParameters: {} };
}
