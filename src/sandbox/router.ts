/**
 * Matches `METHOD /path` against the operations' path templates. A `{name}` stands for exactly one
 * segment, percent-decoded; where two templates could both match, the one with a literal segment
 * earlier wins (`/users/{id}/roles` never swallows `/users-by-email`, `/keys/rotate` beats `/keys/{kid}`).
 */
import { ApiError } from './http.js';
import type { ModelOperation } from './model.js';

/** What the router needs of an operation: its method and its path template. */
export interface RoutableOperation {
  /** HTTP method, upper case. */
  method: string;
  /** Path template below the API prefix; each `{name}` is one segment. */
  path: string;
}

/** A matched operation and its decoded path parameters. */
export interface RouteMatch<T extends RoutableOperation = ModelOperation> {
  /** The operation the request addresses. */
  op: T;
  /** Path parameters by template name, percent-decoded. */
  params: Record<string, string>;
}

interface CompiledRoute<T> {
  op: T;
  /** Per segment: the literal text, or null for a parameter. */
  literals: Array<string | null>;
  names: string[];
  /** Orders candidates: literal segments ('0') sort before parameters ('1') position by position. */
  rank: string;
}

/** A reusable matcher over a fixed list of operations. */
export interface Router<T extends RoutableOperation = ModelOperation> {
  /** The operation for `method` and `path` (below the API prefix, e.g. `/api/v2`), or undefined. */
  match(method: string, path: string): RouteMatch<T> | undefined;
}

/** Builds a router; later entries with the same method and template are ignored. */
export function createRouter<T extends RoutableOperation = ModelOperation>(ops: readonly T[]): Router<T> {
  const buckets = new Map<string, CompiledRoute<T>[]>();
  for (const op of ops) {
    const segments = op.path.split('/').slice(1);
    const literals = segments.map((s) => (/^\{[^}]+\}$/.test(s) ? null : s));
    const names = segments.filter((s) => /^\{[^}]+\}$/.test(s)).map((s) => s.slice(1, -1));
    const key = `${op.method} ${segments.length}`;
    const list = buckets.get(key) ?? [];
    list.push({ op, literals, names, rank: literals.map((l) => (l === null ? '1' : '0')).join('') });
    buckets.set(key, list);
  }
  for (const list of buckets.values()) list.sort((a, b) => (a.rank < b.rank ? -1 : a.rank > b.rank ? 1 : 0));

  return {
    match(method, path) {
      const trimmed = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
      const segments = trimmed.split('/').slice(1);
      const list = buckets.get(`${method} ${segments.length}`);
      if (!list) return undefined;
      for (const route of list) {
        if (!route.literals.every((lit, i) => lit === null || lit === segments[i])) continue;
        const params: Record<string, string> = {};
        let n = 0;
        route.literals.forEach((lit, i) => {
          if (lit !== null) return;
          params[route.names[n++]!] = decodeSegment(segments[i]!);
        });
        return { op: route.op, params };
      }
      return undefined;
    },
  };
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new ApiError(
      400,
      'Invalid request URI: a path segment is not valid percent-encoding.',
      'invalid_uri',
    );
  }
}
