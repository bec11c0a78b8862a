/**
 * The shape of a generated sandbox model (`auth0-model.generated.ts`, `monocloud/model.generated.ts`):
 * every operation's route, scopes, success status, and the facts of its request and response schemas
 * (types, enums, patterns, bounds, required fields), with the prose left out. The sandbox validates
 * requests against these schemas and shapes stored records by them; it never reads the API document.
 */

/** A JSON Schema as the model keeps it; `$ref` names a schema of {@link SandboxModel.schemas}. */
export type ModelSchema = { [keyword: string]: unknown } | boolean;

/** One path or query parameter. */
export interface ModelParameter {
  /** Name as sent. */
  name: string;
  /** Whether the operation needs it. */
  required?: boolean;
  /** Its value's schema. */
  schema?: ModelSchema;
}

/** One operation as the sandbox serves it. */
export interface ModelOperation {
  /** Operation id, e.g. `get_users`. */
  id: string;
  /** HTTP method, upper case. */
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path template below the API prefix; each `{name}` is one segment. */
  path: string;
  /** What the operation does to its resource, as the document names it (`list`, `create`, `rotate`...). */
  verb?: string;
  /** OAuth scopes, any one of which lets a token call it; empty when the credential carries none. */
  scopes: readonly string[];
  /** The first success status the document lists. */
  status: number;
  /** Media type of the success body; absent when the operation answers with none. */
  contentType?: string;
  /** Schema of the success body. */
  response?: ModelSchema;
  /** The request body, when the operation takes one. */
  body?: {
    /** Media types accepted, the first preferred. */
    types: string[];
    /** Whether a body must be sent. */
    required: boolean;
    /** Schema of the body. */
    schema?: ModelSchema;
  };
  /** Query parameters the operation declares (any other is refused). */
  query: ModelParameter[];
  /** Path parameters, in template order. */
  params: ModelParameter[];
}

/** Everything the sandbox knows about one provider's API. */
export interface SandboxModel {
  /** Every operation, sorted by id. */
  operations: ModelOperation[];
  /** Named schemas that operations refer to with `{ $ref: name }`. */
  schemas: Record<string, ModelSchema>;
  /** Every OAuth scope the API defines (empty for an API-key provider). */
  scopes: string[];
}
