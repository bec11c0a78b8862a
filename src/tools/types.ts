/**
 * The shape of a generated catalog. The generator writes plain data of these types; the policy layer, the
 * server and the sandbox read it. Nothing here knows about MCP or HTTP clients.
 */
import type { z } from 'zod';

/** What an operation can do to a tenant; the one input to MCP annotations and to the read-only profile. */
export type Risk = 'read' | 'write' | 'destructive';

/** HTTP methods used by the catalogs, upper case. */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Where a parameter travels in the HTTP request. */
export type ParamLocation = 'path' | 'query' | 'header';

/** One path, query or header parameter of an operation. */
export interface ParamSpec {
  /** Name as the API spells it (also the argument name the agent sends). */
  name: string;
  /** Where it goes in the request. */
  in: ParamLocation;
  /** Whether the API requires it (always true for path parameters). */
  required: boolean;
  /** True when the value is an array serialised as repeated `name=value` pairs (OpenAPI form/explode). */
  array?: boolean;
}

/** How the request body is carried in the flat `arguments` object. */
export interface BodySpec {
  /** Content type sent, e.g. `application/json` or `multipart/form-data`. */
  contentType: string;
  /**
   * `fields`: the body is an object whose properties sit beside the parameters in `arguments`.
   * `wrapped`: the body (an array, a union, a nullable value) travels whole under `arguments.body`.
   */
  mode: 'fields' | 'wrapped';
  /** Property names of the body when `mode` is `fields` (used to split `arguments`). */
  fields: string[];
  /** Whether the API requires a body at all. */
  required: boolean;
}

/** Release stage of an operation as the provider labels it. */
export type Lifecycle = 'GA' | 'EA' | 'unknown';

/** One operation of a provider's management API, as the generator emits it. */
export interface OperationSpec {
  /** The provider's operation id, as is (Auth0: the OpenAPI `operationId`). */
  id: string;
  /** A name valid as an MCP tool name (`^[a-zA-Z0-9_-]{1,64}$`), used for per-operation tools. */
  toolName: string;
  /** HTTP method. */
  method: HttpMethod;
  /** Path template relative to the API base, e.g. `/users/{id}`. */
  path: string;
  /** Toolset the operation belongs to (the first OpenAPI tag). */
  toolset: string;
  /** One-line purpose, written by us (generated from facts or taken from our overlay). */
  summary: string;
  /** Path, query and header parameters. */
  params: ParamSpec[];
  /** Request body, when the operation takes one. */
  body?: BodySpec;
  /** OAuth scopes, any one of which lets a token call the operation. */
  scopes: string[];
  /** Release stage. */
  lifecycle: Lifecycle;
  /** Risk class (derived in one function, overridable in the overlay). */
  risk: Risk;
  /** Body fields whose presence makes a write destructive (e.g. `password`, `blocked` on a user update). */
  destructiveFields?: string[];
  /** Extra search words from our overlay (synonyms an admin would type). */
  keywords?: string[];
  /** Cross-field rules on `arguments` that the input schema enforces (from our overlay or the body's shape). */
  rules?: FieldRule[];
}

/**
 * A cross-field rule on an operation's flat `arguments`. A field is present when its value is not
 * `undefined` (an explicit `null` counts as sent).
 */
export type FieldRule =
  | {
      /** At most one of `fields` may be present. */
      kind: 'exclusive';
      /** The mutually exclusive argument names. */
      fields: string[];
      /** Our wording of the rule, replacing the default message. */
      message?: string;
    }
  | {
      /** When `field` is present, every field of `with` must be present too. */
      kind: 'requires';
      /** The argument that brings the requirement. */
      field: string;
      /** The arguments it needs. */
      with: string[];
      /** Our wording of the rule, replacing the default message. */
      message?: string;
    }
  | {
      /** When any of `fields` is present, every field of `with` must be present (an optional body's required fields). */
      kind: 'any-requires';
      /** The arguments of which any one brings the requirement. */
      fields: string[];
      /** The arguments then needed. */
      with: string[];
      /** Our wording of the rule, replacing the default message. */
      message?: string;
    }
  | {
      /** Exactly one of `groups` must be complete (every field of it present). */
      kind: 'one-of-groups';
      /** Alternative sets of arguments. */
      groups: string[][];
      /** Our wording of the rule, replacing the default message. */
      message?: string;
    }
  | {
      /** At least one of `fields` must be present (e.g. an update that changes nothing is refused). */
      kind: 'at-least-one';
      /** The candidate arguments. */
      fields: string[];
      /** Our wording of the rule, replacing the default message. */
      message?: string;
    };

/** A catalog: the operations of one provider plus a lazy loader of their zod input schemas. */
export interface Catalog {
  /** Provider name, e.g. `auth0`. */
  provider: string;
  /** Base path of the management API under the tenant's origin: `/api/v2` (Auth0), `/api` (MonoCloud). */
  apiBasePath?: string;
  /** Every operation, in the order of the source document. */
  operations: readonly OperationSpec[];
  /**
   * The zod schema of an operation's flat `arguments` object (always a `z.object`, strict at the top).
   * Loaded lazily so that start-up does not pay for ~1,200 component schemas.
   */
  inputSchema(operationId: string): Promise<z.ZodType>;
}
