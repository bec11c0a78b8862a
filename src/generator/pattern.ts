/**
 * Rewrites a JSON Schema `pattern` into a spelling that means the same in JavaScript's legacy regular
 * expression mode and compiles in unicode mode too. Our zod schemas run patterns without flags, but MCP
 * clients validate the published JSON Schema with the `u` flag (as JSON Schema asks), where Auth0's
 * `[\w-\.]` or a literal `{org_id}` are syntax errors.
 */

/** Characters an escape may name in unicode mode. */
const SYNTAX = new Set([...'^$\\.*+?()[]{}|/']);
/** Escapes for a set of characters, which cannot end a range in unicode mode. */
const CLASS_ESCAPES = new Set([...'dDwWsS']);
/** Single-letter escapes with the same meaning in both modes. */
const CONTROL = new Set([...'fnrtv0']);

/**
 * The portable spelling of `pattern`. Identity escapes of ordinary characters lose their backslash, a
 * hyphen next to `\w`-like escapes in a class is escaped, and braces that do not form a quantifier are
 * escaped: each is what legacy mode already reads there.
 */
export function portablePattern(pattern: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    const rest = pattern.slice(i + 1);
    if (c === '\\') {
      const next = pattern[i + 1];
      if (next === undefined) return out + c;
      i++;
      out += portableEscape(next, rest.slice(1), inClass);
      // `[\w-x]` is not a range in legacy mode: the hyphen is literal, so say so.
      if (
        inClass &&
        CLASS_ESCAPES.has(next) &&
        pattern[i + 1] === '-' &&
        ![']', undefined].includes(pattern[i + 2])
      ) {
        out += '\\-';
        i++;
      }
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      if (c === '-' && pattern[i + 1] === '\\' && CLASS_ESCAPES.has(pattern[i + 2] ?? '')) out += '\\-';
      else out += c;
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += c;
      if (pattern[i + 1] === '^') {
        out += '^';
        i++;
      }
      // A `]` right after `[` or `[^` is a literal in legacy mode.
      if (pattern[i + 1] === ']') {
        out += '\\]';
        i++;
      }
      continue;
    }
    if (c === '{') {
      const quantifier = /^\{\d+(?:,\d*)?\}/.exec(pattern.slice(i));
      if (quantifier) {
        out += quantifier[0];
        i += quantifier[0].length - 1;
      } else {
        out += '\\{';
      }
      continue;
    }
    out += c === '}' || c === ']' ? `\\${c}` : c;
  }
  return out;
}

/** The portable spelling of the escape `\next`, followed in the pattern by `after`. */
function portableEscape(next: string, after: string, inClass: boolean): string {
  if (SYNTAX.has(next) || CONTROL.has(next) || CLASS_ESCAPES.has(next)) return `\\${next}`;
  if (inClass ? next === 'b' || next === '-' : next === 'b' || next === 'B') return `\\${next}`;
  if (next === 'c' && /^[A-Za-z]/.test(after)) return `\\${next}`;
  if (next === 'x' && /^[\dA-Fa-f]{2}/.test(after)) return `\\${next}`;
  if (next === 'u' && /^[\dA-Fa-f]{4}/.test(after)) return `\\${next}`;
  // Backreferences and named references keep their meaning only where groups exist; leave them alone.
  if (/[1-9k]/.test(next)) return `\\${next}`;
  // An identity escape of an ordinary character is that character.
  return next;
}
