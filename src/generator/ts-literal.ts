/**
 * Prints plain data as TypeScript source, so generated files read like hand-written ones: single quotes,
 * bare keys, short objects on one line.
 */

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
const LINE_WIDTH = 100;

/** A single-quoted TypeScript string literal for `text`. */
export function quote(text: string): string {
  if (text.includes("'") && !text.includes('"')) return JSON.stringify(text);
  const json = JSON.stringify(text).slice(1, -1);
  return `'${json.replace(/\\"/g, '"').replace(/'/g, "\\'")}'`;
}

/** An object key: bare when it is an identifier, quoted otherwise. */
export function key(name: string): string {
  return IDENTIFIER.test(name) ? name : quote(name);
}

/** `value` as a TypeScript expression, indented for nesting at `indent` spaces. */
export function literal(value: unknown, indent = 0): string {
  if (value === undefined) return 'undefined';
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'string') return quote(value);
  const pad = ' '.repeat(indent + 2);
  if (Array.isArray(value)) {
    const items = value.map((item) => literal(item, indent + 2));
    const flat = `[${items.join(', ')}]`;
    if (flat.length + indent <= LINE_WIDTH && !flat.includes('\n')) return flat;
    if (value.every((item) => item === null || typeof item !== 'object')) {
      // Long lists of names fill lines instead of taking one line each.
      const lines: string[] = [];
      for (const item of items) {
        const last = lines.at(-1);
        if (last !== undefined && pad.length + last.length + item.length + 2 <= LINE_WIDTH) {
          lines[lines.length - 1] = `${last} ${item},`;
        } else {
          lines.push(`${item},`);
        }
      }
      return `[\n${lines.map((line) => `${pad}${line}`).join('\n')}\n${' '.repeat(indent)}]`;
    }
    return `[\n${items.map((item) => `${pad}${item},`).join('\n')}\n${' '.repeat(indent)}]`;
  }
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${key(k)}: ${literal(v, indent + 2)}`);
    if (entries.length === 0) return '{}';
    const flat = `{ ${entries.join(', ')} }`;
    if (flat.length + indent <= LINE_WIDTH && !flat.includes('\n')) return flat;
    return `{\n${entries.map((entry) => `${pad}${entry},`).join('\n')}\n${' '.repeat(indent)}}`;
  }
  throw new TypeError(`cannot print a ${typeof value} as a literal`);
}
