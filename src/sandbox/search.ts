/**
 * A small subset of the Lucene query syntax Auth0 accepts in `q` for users and logs:
 * `field:value`, `field:"quoted value"`, bare words, `*` and `?` wildcards, `[a TO b]` ranges,
 * `_exists_:field`, `AND`/`OR`/`NOT`, a leading `-`, and parentheses. Terms side by side mean AND.
 * Field values compare case-insensitively; a bare word matches any of the record's default fields.
 */
import { ApiError } from './http.js';

/** A compiled query: true when a record matches. */
export type Predicate = (record: Record<string, unknown>) => boolean;

type Token =
  | { kind: 'open' | 'close' | 'and' | 'or' | 'not' }
  | { kind: 'term'; field?: string; value: string; quoted: boolean }
  | { kind: 'range'; field: string; low: string; high: string; inclusive: boolean };

function invalid(detail: string): ApiError {
  return new ApiError(400, `Invalid query: ${detail}`, 'invalid_query_string');
}

function tokenize(q: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const readValue = (): { value: string; quoted: boolean } => {
    if (q[i] === '"') {
      const end = q.indexOf('"', i + 1);
      if (end < 0) throw invalid('unterminated quoted phrase');
      const value = q.slice(i + 1, end);
      i = end + 1;
      return { value, quoted: true };
    }
    const start = i;
    while (i < q.length && !/[\s()]/.test(q[i]!)) {
      if (q[i] === '\\') i++;
      i++;
    }
    return { value: q.slice(start, i).replace(/\\(.)/g, '$1'), quoted: false };
  };
  while (i < q.length) {
    const c = q[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '(' || c === ')') {
      tokens.push({ kind: c === '(' ? 'open' : 'close' });
      i++;
      continue;
    }
    if (c === '-' || c === '!') {
      tokens.push({ kind: 'not' });
      i++;
      continue;
    }
    const field = /^([A-Za-z_][\w.]*):/.exec(q.slice(i));
    if (field) {
      i += field[0].length;
      if (q[i] === '[' || q[i] === '{') {
        const close = q[i] === '[' ? ']' : '}';
        const end = q.indexOf(close, i);
        if (end < 0) throw invalid('unterminated range');
        const m = /^\s*(\S+)\s+TO\s+(\S+)\s*$/.exec(q.slice(i + 1, end));
        if (!m) throw invalid(`range must read [low TO high] for ${field[1]}`);
        tokens.push({ kind: 'range', field: field[1]!, low: m[1]!, high: m[2]!, inclusive: close === ']' });
        i = end + 1;
        continue;
      }
      const { value, quoted } = readValue();
      if (value === '') throw invalid(`missing value for ${field[1]}`);
      tokens.push({ kind: 'term', field: field[1]!, value, quoted });
      continue;
    }
    const { value, quoted } = readValue();
    if (!quoted && (value === 'AND' || value === '&&')) tokens.push({ kind: 'and' });
    else if (!quoted && (value === 'OR' || value === '||')) tokens.push({ kind: 'or' });
    else if (!quoted && value === 'NOT') tokens.push({ kind: 'not' });
    else tokens.push({ kind: 'term', value, quoted });
  }
  return tokens;
}

/** Values at a dotted path; arrays along the way fan out (so `identities.connection` works). */
function valuesAt(record: unknown, path: string): unknown[] {
  let current: unknown[] = [record];
  for (const key of path.split('.')) {
    const next: unknown[] = [];
    for (const value of current) {
      if (Array.isArray(value)) {
        for (const item of value) {
          if (item !== null && typeof item === 'object') next.push((item as Record<string, unknown>)[key]);
        }
      } else if (value !== null && typeof value === 'object') {
        next.push((value as Record<string, unknown>)[key]);
      }
    }
    current = next.flatMap((v) => (Array.isArray(v) ? v : [v])).filter((v) => v !== undefined);
  }
  return current;
}

/** A compiled wildcard term: `*` any run, `?` one character, the rest literal, any case. */
interface Wildcard {
  test(text: string): boolean;
}

/**
 * A wildcard matcher that cannot backtrack catastrophically. The regular expression it replaces turned
 * `*a*a*a…*b` into `^.*a.*a.*a….*b$`, which took minutes on one short name with the event loop blocked
 * (in the embedded sandbox, for every session). Runs of `*` collapse to one, a pattern with more literal
 * characters than the text is refused at once, and matching is the classic two-pointer walk that
 * resumes from the last `*`: at most text length × pattern length steps, both bounded by the text.
 */
function wildcard(pattern: string): Wildcard {
  const lowered = pattern.toLowerCase().replace(/\*+/g, '*');
  const literals = lowered.replaceAll('*', '').length;
  return {
    test(raw: string): boolean {
      const text = raw.toLowerCase();
      if (literals > text.length) return false;
      let p = 0;
      let t = 0;
      let star = -1;
      let resume = 0;
      while (t < text.length) {
        if (p < lowered.length && (lowered[p] === '?' || lowered[p] === text[t])) {
          p++;
          t++;
        } else if (p < lowered.length && lowered[p] === '*') {
          star = p++;
          resume = t;
        } else if (star !== -1) {
          p = star + 1;
          t = ++resume;
        } else {
          return false;
        }
      }
      while (lowered[p] === '*') p++;
      return p === lowered.length;
    },
  };
}

function scalarText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/**
 * Compiles `q` into a predicate.
 *
 * @param defaultFields fields a bare word is searched in (as a case-insensitive substring, or with
 *   wildcards as a whole-value match).
 * @param aliases short field names mapped to real paths (e.g. `connection` → `identities.connection`).
 * @throws ApiError 400 `invalid_query_string` on syntax it cannot read.
 */
export function compileQuery(
  q: string,
  defaultFields: readonly string[],
  aliases: Readonly<Record<string, string>> = {},
): Predicate {
  const tokens = tokenize(q);
  let pos = 0;

  const termPredicate = (token: Extract<Token, { kind: 'term' }>): Predicate => {
    const hasWildcard = !token.quoted && /[*?]/.test(token.value);
    const matcher = hasWildcard ? wildcard(token.value) : undefined;
    const wanted = token.value.toLowerCase();
    if (token.field === '_exists_') {
      const path = aliases[token.value] ?? token.value;
      return (record) => valuesAt(record, path).some((v) => v !== null);
    }
    if (token.field) {
      const path = aliases[token.field] ?? token.field;
      return (record) =>
        valuesAt(record, path).some((v) => {
          const text = scalarText(v);
          if (text === undefined) return false;
          return matcher ? matcher.test(text) : text.toLowerCase() === wanted;
        });
    }
    return (record) =>
      defaultFields.some((field) =>
        valuesAt(record, field).some((v) => {
          const text = scalarText(v);
          if (text === undefined) return false;
          return matcher ? matcher.test(text) : text.toLowerCase().includes(wanted);
        }),
      );
  };

  const rangePredicate = (token: Extract<Token, { kind: 'range' }>): Predicate => {
    const path = aliases[token.field] ?? token.field;
    const compare = (a: string, b: string): number => {
      const na = Number(a);
      const nb = Number(b);
      if (a.trim() !== '' && b.trim() !== '' && !Number.isNaN(na) && !Number.isNaN(nb)) return na - nb;
      return a < b ? -1 : a > b ? 1 : 0;
    };
    return (record) =>
      valuesAt(record, path).some((v) => {
        const text = scalarText(v);
        if (text === undefined) return false;
        const aboveLow =
          token.low === '*' ||
          (token.inclusive ? compare(text, token.low) >= 0 : compare(text, token.low) > 0);
        const belowHigh =
          token.high === '*' ||
          (token.inclusive ? compare(text, token.high) <= 0 : compare(text, token.high) < 0);
        return aboveLow && belowHigh;
      });
  };

  const parseOr = (): Predicate => {
    const parts = [parseAnd()];
    while (tokens[pos]?.kind === 'or') {
      pos++;
      parts.push(parseAnd());
    }
    return parts.length === 1 ? parts[0]! : (r) => parts.some((p) => p(r));
  };

  const parseAnd = (): Predicate => {
    const parts = [parseUnary()];
    for (;;) {
      const next = tokens[pos];
      if (!next || next.kind === 'or' || next.kind === 'close') break;
      if (next.kind === 'and') pos++;
      parts.push(parseUnary());
    }
    return parts.length === 1 ? parts[0]! : (r) => parts.every((p) => p(r));
  };

  const parseUnary = (): Predicate => {
    const token = tokens[pos++];
    if (!token) throw invalid('the query ends too early');
    switch (token.kind) {
      case 'not': {
        const inner = parseUnary();
        return (r) => !inner(r);
      }
      case 'open': {
        const inner = parseOr();
        if (tokens[pos++]?.kind !== 'close') throw invalid('missing closing parenthesis');
        return inner;
      }
      case 'term':
        return termPredicate(token);
      case 'range':
        return rangePredicate(token);
      default:
        throw invalid(`unexpected ${token.kind.toUpperCase()}`);
    }
  };

  if (tokens.length === 0) return () => true;
  const predicate = parseOr();
  if (pos < tokens.length) throw invalid('unexpected closing parenthesis');
  return predicate;
}
