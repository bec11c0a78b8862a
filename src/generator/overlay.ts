/**
 * OpenAPI Overlay 1.0 (https://spec.openapis.org/overlay/v1.0.0): our corrections and additions to the
 * provider's document, kept in a separate file so the document itself is never edited or copied. Targets
 * are JSONPath expressions evaluated with jsonpath-plus.
 */
import { JSONPath } from 'jsonpath-plus';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { GeneratorError } from './errors.js';
import { checkExtension, EXTENSION_PREFIX } from './extensions.js';

/** One overlay action: an update merged into, or the removal of, every node the target selects. */
export interface OverlayAction {
  /** JSONPath selecting the nodes to change. */
  target: string;
  /** Why the action exists (our prose). */
  description?: string;
  /** Merged into each selected object (objects merge recursively, arrays append), or appended to a selected array. */
  update?: unknown;
  /** When true, each selected node is removed from its parent. */
  remove?: boolean;
}

/** A parsed Overlay 1.0 document. */
export interface OverlayDocument {
  /** Overlay specification version, `1.0.0`. */
  overlay: string;
  /** Title and version of the overlay itself. */
  info: { title: string; version: string };
  /** The document the overlay was written for (informational). */
  extends?: string;
  /** Actions, applied in order. */
  actions: OverlayAction[];
}

const overlaySchema = z.looseObject({
  overlay: z.string().regex(/^1\.0\.\d+$/, 'must be 1.0.x'),
  info: z.looseObject({ title: z.string().min(1), version: z.string().min(1) }),
  extends: z.string().optional(),
  actions: z
    .array(
      z.looseObject({
        target: z.string().min(1),
        description: z.string().optional(),
        update: z.unknown().optional(),
        remove: z.boolean().optional(),
      }),
    )
    .min(1),
});

/** Parses and checks the shape of an overlay written in YAML (or JSON); `source` names it in errors. */
export function parseOverlay(text: string, source: string): OverlayDocument {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    throw new GeneratorError(`${source}: not valid YAML: ${(error as Error).message}`);
  }
  const result = overlaySchema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new GeneratorError(`${source}: ${issue.path.join('.') || 'document'}: ${issue.message}`);
  }
  return result.data as OverlayDocument;
}

/**
 * Applies `overlay` to a copy of `doc` and returns the copy. Stricter than the specification where silence
 * would hide a mistake: a target that selects nothing, an unknown `x-tenant-mcp-*` key or a bad value, and
 * our keys placed anywhere but on an operation are errors naming the action's index and target.
 */
export function applyOverlay<T extends object>(doc: T, overlay: OverlayDocument): T {
  const result = structuredClone(doc);
  overlay.actions.forEach((action, index) => {
    const where = `overlay action #${index} (target ${action.target})`;
    const hasUpdate = action.update !== undefined;
    if (hasUpdate === (action.remove === true)) {
      throw new GeneratorError(`${where}: needs exactly one of "update" or "remove: true"`);
    }
    if (hasUpdate) checkUpdate(action.update, where);
    let matches: Array<{ value: unknown; parent: unknown; parentProperty: string | number | null }>;
    try {
      matches = JSONPath({ path: action.target, json: result, resultType: 'all', wrap: true }) ?? [];
    } catch (error) {
      throw new GeneratorError(`${where}: bad JSONPath: ${(error as Error).message}`);
    }
    if (matches.length === 0) throw new GeneratorError(`${where}: matches nothing in the document`);
    if (hasUpdate) {
      for (const match of matches) update(match.value, action.update, where);
    } else {
      // Remove from the end so that array indexes of later matches stay valid.
      for (const match of [...matches].reverse()) remove(match.parent, match.parentProperty, where);
    }
  });
  return result;
}

/** Validates our extension keys inside an update before it touches the document. */
function checkUpdate(value: unknown, where: string): void {
  const nested = isPlainObject(value)
    ? Object.entries(value).some(
        ([name, inner]) => !name.startsWith(EXTENSION_PREFIX) && hasExtensionKey(inner),
      )
    : hasExtensionKey(value);
  if (nested)
    throw new GeneratorError(`${where}: ${EXTENSION_PREFIX}* keys belong at the top of an update object`);
  if (!isPlainObject(value)) return;
  for (const [name, inner] of Object.entries(value)) {
    if (!name.startsWith(EXTENSION_PREFIX)) continue;
    const problem = checkExtension(name, inner);
    if (problem) throw new GeneratorError(`${where}: ${problem}`);
  }
}

function hasExtensionKey(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(hasExtensionKey);
  if (!isPlainObject(value)) return false;
  return Object.entries(value).some(
    ([name, inner]) => name.startsWith(EXTENSION_PREFIX) || hasExtensionKey(inner),
  );
}

function update(target: unknown, value: unknown, where: string): void {
  if (Array.isArray(target)) {
    target.push(structuredClone(value));
    return;
  }
  if (!isPlainObject(target) || !isPlainObject(value)) {
    throw new GeneratorError(`${where}: an update needs an object target and an object value`);
  }
  const extensions = Object.keys(value).filter((name) => name.startsWith(EXTENSION_PREFIX));
  if (extensions.length > 0 && typeof target.operationId !== 'string') {
    throw new GeneratorError(`${where}: ${extensions.join(', ')} may only be set on operation objects`);
  }
  merge(target, value);
}

/** Overlay 1.0 merge: objects merge recursively, arrays append, anything else replaces. */
function merge(target: Record<string, unknown>, value: Record<string, unknown>): void {
  for (const [name, incoming] of Object.entries(value)) {
    const current = target[name];
    if (isPlainObject(current) && isPlainObject(incoming)) merge(current, incoming);
    else if (Array.isArray(current) && Array.isArray(incoming)) current.push(...structuredClone(incoming));
    else target[name] = structuredClone(incoming);
  }
}

function remove(parent: unknown, property: string | number | null, where: string): void {
  if (property === null || parent === null || typeof parent !== 'object') {
    throw new GeneratorError(`${where}: cannot remove the document root`);
  }
  if (Array.isArray(parent)) parent.splice(Number(property), 1);
  else delete (parent as Record<string, unknown>)[property];
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
