/**
 * The small part of OpenAPI 3.1 the generator reads, and `$ref` resolution through
 * `@apidevtools/json-schema-ref-parser`, which also gives each `$ref` to a component its component name.
 */
import { $RefParser } from '@apidevtools/json-schema-ref-parser';
import { GeneratorError } from './errors.js';

/** A JSON Schema (2020-12 dialect, as OpenAPI 3.1 uses it): an object or a boolean. */
export type Schema = SchemaObject | boolean;

/** A JSON Schema object; only the keywords the generator translates are named. */
export interface SchemaObject {
  /** Reference to another schema. */
  $ref?: string;
  /** One type name or a list (e.g. `["string", "null"]`). */
  type?: string | string[];
  /** Allowed values. */
  enum?: unknown[];
  /** The only allowed value. */
  const?: unknown;
  /** Object properties. */
  properties?: Record<string, Schema>;
  /** Required property names. */
  required?: string[];
  /** `false`, `true` or a schema for undeclared properties. */
  additionalProperties?: Schema;
  /** Array items. */
  items?: Schema;
  /** Alternatives, exactly one matching. */
  oneOf?: Schema[];
  /** Alternatives, at least one matching. */
  anyOf?: Schema[];
  /** Schemas that must all match. */
  allOf?: Schema[];
  /** Any other keyword (minLength, pattern, minimum, format, default, x-...). */
  [keyword: string]: unknown;
}

/** An OpenAPI parameter object. */
export interface ParameterObject {
  /** Name as sent. */
  name: string;
  /** Location; `cookie` is not supported by the catalog. */
  in: 'path' | 'query' | 'header' | 'cookie';
  /** Whether required. */
  required?: boolean;
  /** Serialisation style. */
  style?: string;
  /** Whether arrays repeat the name. */
  explode?: boolean;
  /** Value schema. */
  schema?: Schema;
  /** Anything else. */
  [keyword: string]: unknown;
}

/** An OpenAPI request body object. */
export interface RequestBodyObject {
  /** Schemas by media type. */
  content: Record<string, { schema?: Schema }>;
  /** Whether a body must be sent (OpenAPI default: false). */
  required?: boolean;
}

/** An OpenAPI operation object. */
export interface OperationObject {
  /** Unique operation id. */
  operationId?: string;
  /** Tags; the first names the toolset. */
  tags?: string[];
  /** Parameters, possibly `$ref`s. */
  parameters?: Array<ParameterObject | { $ref: string }>;
  /** Request body, possibly a `$ref`. */
  requestBody?: RequestBodyObject | { $ref: string };
  /** Security requirements. */
  security?: Array<Record<string, string[]>>;
  /** Anything else, including `x-release-lifecycle` and our `x-tenant-mcp-*` keys. */
  [keyword: string]: unknown;
}

/** An OpenAPI 3.1 document, as far as the generator reads it. */
export interface OpenApiDocument {
  /** OpenAPI version. */
  openapi: string;
  /** Title and version of the API. */
  info: { title: string; version: string };
  /** Path items by path template. */
  paths: Record<string, Record<string, unknown>>;
  /** Reusable components. */
  components?: { schemas?: Record<string, Schema>; [kind: string]: unknown };
  /** Anything else. */
  [keyword: string]: unknown;
}

/** HTTP methods that an OpenAPI path item may hold, in the order the specification lists them. */
export const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/** Follows `$ref`s in one document and names the component schemas they point at. */
export interface Resolver {
  /** The value a `$ref` points at; throws a {@link GeneratorError} when it points nowhere. */
  get(ref: string): unknown;
  /** Follows `$ref` chains until a non-reference value. */
  deref<T>(value: T | { $ref: string }): T;
  /** The name of the component schema a `$ref` points at, or `undefined` for any other target. */
  componentName(ref: string): string | undefined;
  /** All component schemas by name. */
  components(): ReadonlyMap<string, Schema>;
}

/** Builds a resolver for `doc` (which must not be mutated afterwards). */
export async function createResolver(doc: OpenApiDocument): Promise<Resolver> {
  const parser = new $RefParser();
  // Local references only: the Auth0 document is self-contained, and a generator must not fetch URLs.
  const refs = await parser.resolve(doc, { resolve: { external: false } });
  const names = new Map<unknown, string>();
  const components = new Map<string, Schema>();
  for (const [name, schema] of Object.entries(doc.components?.schemas ?? {})) {
    if (typeof schema === 'object' && schema !== null) names.set(schema, name);
    components.set(name, schema);
  }
  const get = (ref: string): unknown => {
    try {
      return refs.get(ref);
    } catch (error) {
      throw new GeneratorError(`$ref ${ref} points nowhere: ${(error as Error).message}`);
    }
  };
  return {
    get,
    deref<T>(value: T | { $ref: string }): T {
      let current: unknown = value;
      for (let hops = 0; isRef(current); hops++) {
        if (hops > 32) throw new GeneratorError(`$ref chain too long at ${current.$ref}`);
        current = get(current.$ref);
      }
      return current as T;
    },
    componentName(ref: string): string | undefined {
      const target = get(ref);
      return typeof target === 'object' && target !== null ? names.get(target) : undefined;
    },
    components: () => components,
  };
}

/** True for a `{ $ref }` object. */
export function isRef(value: unknown): value is { $ref: string } {
  return (
    typeof value === 'object' && value !== null && typeof (value as { $ref?: unknown }).$ref === 'string'
  );
}
