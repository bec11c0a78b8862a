/**
 * Reads the (overlaid) OpenAPI document into one model per operation: the catalog entry as emitted plus
 * the raw schemas the input-schema emitter needs. Every check that should stop generation lives here.
 */
import type { BodySpec, FieldRule, HttpMethod, Lifecycle, OperationSpec, ParamSpec } from '../tools/types.js';
import { GeneratorError } from './errors.js';
import { readExtensions } from './extensions.js';
import {
  METHODS,
  type OpenApiDocument,
  type OperationObject,
  type ParameterObject,
  type RequestBodyObject,
  type Resolver,
  type Schema,
  type SchemaObject,
} from './openapi.js';
import { deriveRisk } from './risk.js';
import { summarize } from './summary.js';

/** A path, query or header parameter with its schema. */
export interface ParamModel {
  /** As emitted in the catalog. */
  spec: ParamSpec;
  /** The parameter's schema (may be a `$ref`). */
  schema: Schema;
  /** The parameter's description in the document (ours only when the provider's `ownProse` says so). */
  description?: string;
}

/** The request body with its schema. */
export interface BodyModel {
  /** As emitted in the catalog. */
  spec: BodySpec;
  /** The body schema as written (may be a `$ref`). */
  schema: Schema;
  /** The resolved object schema, when `spec.mode` is `fields`. */
  object?: SchemaObject;
}

/** Everything the emitters need about one operation. */
export interface OperationModel {
  /** The catalog entry. */
  spec: OperationSpec;
  /** Parameters in document order. */
  params: ParamModel[];
  /** Request body, when the operation takes one. */
  body?: BodyModel;
}

/** What differs between providers when reading their documents. */
export interface ModelOptions {
  /**
   * The security scheme whose scopes the catalog lists; every operation must name at least one. Without
   * it (a provider whose credential is an API key) every operation gets `scopes: []`.
   */
  scopeScheme?: string;
  /** A path prefix stripped from paths that start with it. */
  basePath?: string;
  /**
   * The document is ours: its operation `summary` is our prose and wins over the one generated from the
   * path (our `x-tenant-mcp-summary` still wins over both).
   */
  ownProse?: boolean;
}

/** Media types we can send, in order of preference. */
const BODY_TYPES = ['application/json', 'multipart/form-data'];
/** What an MCP client accepts as a tool name. */
const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
/** Our limit on a summary: one line a listing can show whole. */
const SUMMARY = /^[^\n]{1,160}$/;
/** Auth0's options, the defaults for callers that name no provider. */
const AUTH0_OPTIONS: ModelOptions = { scopeScheme: 'oAuth2ClientCredentials', basePath: '/api/v2' };

/** Builds the model of every operation in document order; throws a {@link GeneratorError} on any problem. */
export function buildModel(
  doc: OpenApiDocument,
  resolver: Resolver,
  options: ModelOptions = AUTH0_OPTIONS,
): OperationModel[] {
  const models: OperationModel[] = [];
  const toolNames = new Map<string, string>();
  const base = options.basePath;
  for (const [rawPath, pathItem] of Object.entries(doc.paths)) {
    for (const method of METHODS) {
      const operation = pathItem[method] as OperationObject | undefined;
      if (!operation) continue;
      const path = base && rawPath.startsWith(`${base}/`) ? rawPath.slice(base.length) : rawPath;
      const model = buildOperation(
        method.toUpperCase() as HttpMethod,
        path,
        operation,
        pathItem,
        resolver,
        options,
      );
      const previous = toolNames.get(model.spec.toolName);
      if (previous) {
        throw new GeneratorError(
          `${model.spec.id} and ${previous} share the tool name "${model.spec.toolName}"`,
        );
      }
      toolNames.set(model.spec.toolName, model.spec.id);
      models.push(model);
    }
  }
  return models;
}

function buildOperation(
  method: HttpMethod,
  path: string,
  operation: OperationObject,
  pathItem: Record<string, unknown>,
  resolver: Resolver,
  options: ModelOptions,
): OperationModel {
  if (!['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].includes(method)) {
    throw new GeneratorError(`${method} ${path}: method not supported by the catalog`);
  }
  const id = operation.operationId;
  if (!id) throw new GeneratorError(`${method} ${path}: no operationId`);
  if (!TOOL_NAME.test(id)) {
    throw new GeneratorError(`${id}: operationId is not a valid MCP tool name (${TOOL_NAME.source})`);
  }
  const where = `${id} (${method} ${path})`;
  const extensions = readExtensions(operation, where);
  const params = readParams(operation, pathItem, resolver, where);
  const body = readBody(operation, resolver, where);
  const names = new Set(params.map((p) => p.spec.name));
  for (const field of body?.spec.fields ?? (body ? ['body'] : [])) {
    if (names.has(field)) {
      throw new GeneratorError(`${where}: body field "${field}" collides with a parameter of the same name`);
    }
  }
  const argumentNames = new Set([...names, ...(body?.spec.fields ?? (body ? ['body'] : []))]);
  const rules = [...(extensions.rules ?? []), ...bodyRules(body)];
  for (const rule of extensions.rules ?? []) {
    for (const field of ruleFields(rule)) {
      if (!argumentNames.has(field))
        throw new GeneratorError(`${where}: rule ${rule.kind} names unknown argument "${field}"`);
    }
  }
  for (const field of extensions.destructiveFields ?? []) {
    if (!body?.spec.fields.includes(field)) {
      throw new GeneratorError(`${where}: destructive field "${field}" is not a body field`);
    }
  }
  const toolset = extensions.toolset ?? operation.tags?.[0];
  if (!toolset) throw new GeneratorError(`${where}: no tag to name its toolset, and no x-tenant-mcp-toolset`);
  const spec: OperationSpec = {
    id,
    toolName: id,
    method,
    path,
    toolset,
    summary: extensions.summary ?? documentSummary(operation, options, where) ?? summarize(method, path),
    params: params.map((p) => p.spec),
    ...(body ? { body: body.spec } : {}),
    scopes: options.scopeScheme ? readScopes(operation, options.scopeScheme, where) : [],
    lifecycle: readLifecycle(operation),
    risk: deriveRisk(method, extensions.risk),
    ...(extensions.destructiveFields ? { destructiveFields: extensions.destructiveFields } : {}),
    ...(extensions.keywords ? { keywords: extensions.keywords } : {}),
    ...(rules.length ? { rules } : {}),
  };
  return { spec, params, ...(body ? { body } : {}) };
}

function readParams(
  operation: OperationObject,
  pathItem: Record<string, unknown>,
  resolver: Resolver,
  where: string,
): ParamModel[] {
  // Operation-level parameters override path-level ones with the same name and location.
  const byKey = new Map<string, ParameterObject>();
  const shared = (pathItem.parameters as OperationObject['parameters']) ?? [];
  for (const raw of [...shared, ...(operation.parameters ?? [])]) {
    const param = resolver.deref<ParameterObject>(raw as ParameterObject);
    byKey.set(`${param.in}:${param.name}`, param);
  }
  const seen = new Set<string>();
  const params: ParamModel[] = [];
  for (const param of byKey.values()) {
    if (param.in === 'cookie')
      throw new GeneratorError(`${where}: cookie parameter "${param.name}" not supported`);
    if (seen.has(param.name)) throw new GeneratorError(`${where}: two parameters named "${param.name}"`);
    seen.add(param.name);
    const schema = param.schema ?? {};
    const resolved = resolver.deref<Schema>(schema);
    const isArray =
      typeof resolved === 'object' &&
      (resolved.type === 'array' || (Array.isArray(resolved.type) && resolved.type.includes('array')));
    if (isArray && param.in !== 'query') {
      throw new GeneratorError(`${where}: array parameter "${param.name}" in ${param.in} not supported`);
    }
    if (isArray && (param.style ?? 'form') !== 'form') {
      throw new GeneratorError(`${where}: array parameter "${param.name}" uses style ${param.style}`);
    }
    if (isArray && param.explode === false) {
      throw new GeneratorError(`${where}: array parameter "${param.name}" is not exploded`);
    }
    const spec: ParamSpec = {
      name: param.name,
      in: param.in,
      required: param.in === 'path' ? true : param.required === true,
      ...(isArray ? { array: true } : {}),
    };
    const description = typeof param.description === 'string' ? param.description : undefined;
    params.push({ spec, schema, ...(description ? { description } : {}) });
  }
  return params;
}

function readBody(operation: OperationObject, resolver: Resolver, where: string): BodyModel | undefined {
  if (!operation.requestBody) return undefined;
  const requestBody = resolver.deref<RequestBodyObject>(operation.requestBody as RequestBodyObject);
  const contentType = BODY_TYPES.find((type) => requestBody.content?.[type]);
  if (!contentType) {
    const offered = Object.keys(requestBody.content ?? {}).join(', ');
    throw new GeneratorError(`${where}: no supported body media type (offered: ${offered || 'none'})`);
  }
  const schema = requestBody.content[contentType]?.schema ?? {};
  const resolved = resolver.deref<Schema>(schema);
  const required = requestBody.required === true;
  if (isFieldsBody(resolved)) {
    const fields = Object.keys(resolved.properties ?? {});
    return { spec: { contentType, mode: 'fields', fields, required }, schema, object: resolved };
  }
  return { spec: { contentType, mode: 'wrapped', fields: [], required }, schema };
}

/**
 * A body spreads into `arguments` when it is a plain object with declared properties and no other shape: an
 * object with combinators, or a map with no declared properties, or one whose extra keys have a schema,
 * could not be rebuilt from named fields, so it travels whole under `body`.
 */
function isFieldsBody(schema: Schema): schema is SchemaObject {
  if (typeof schema !== 'object') return false;
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  const objectType = types[0] === 'object' && types.every((t) => t === 'object' || t === 'null');
  const combinators = schema.oneOf || schema.anyOf || schema.allOf;
  const declared = Object.keys(schema.properties ?? {}).length > 0;
  const extra = schema.additionalProperties;
  const typedExtra = typeof extra === 'object' && extra !== null && Object.keys(extra).length > 0;
  return objectType && !combinators && declared && !typedExtra;
}

/**
 * Rules that keep a spread body whole: an optional body's required fields come with any of its fields, and
 * a required body that needs at least one property (Auth0's updates) gets at least one field.
 */
function bodyRules(body: BodyModel | undefined): FieldRule[] {
  if (!body?.object) return [];
  const fields = body.spec.fields;
  const required = (body.object.required ?? []).filter((name) => fields.includes(name));
  const rules: FieldRule[] = [];
  if (!body.spec.required && required.length > 0) {
    const optional = fields.filter((name) => !required.includes(name));
    if (optional.length > 0) rules.push({ kind: 'any-requires', fields: optional, with: required });
  }
  const minProperties = body.object.minProperties;
  if (
    body.spec.required &&
    required.length === 0 &&
    typeof minProperties === 'number' &&
    minProperties >= 1
  ) {
    rules.push({ kind: 'at-least-one', fields });
  }
  return rules;
}

function ruleFields(rule: FieldRule): string[] {
  switch (rule.kind) {
    case 'exclusive':
    case 'at-least-one':
      return rule.fields;
    case 'requires':
      return [rule.field, ...rule.with];
    case 'any-requires':
      return [...rule.fields, ...rule.with];
    case 'one-of-groups':
      return rule.groups.flat();
  }
}

function readScopes(operation: OperationObject, scheme: string, where: string): string[] {
  const scopes = new Set<string>();
  for (const requirement of operation.security ?? []) {
    for (const scope of requirement[scheme] ?? []) scopes.add(scope);
  }
  if (scopes.size === 0) throw new GeneratorError(`${where}: no ${scheme} scopes`);
  return [...scopes];
}

/** The document's own `summary`, when the document is ours; checked like our overlay's summaries. */
function documentSummary(
  operation: OperationObject,
  options: ModelOptions,
  where: string,
): string | undefined {
  if (!options.ownProse || operation.summary === undefined) return undefined;
  const { summary } = operation;
  if (typeof summary !== 'string' || !SUMMARY.test(summary)) {
    throw new GeneratorError(`${where}: summary must be one line of at most 160 characters`);
  }
  return summary;
}

function readLifecycle(operation: OperationObject): Lifecycle {
  const stage = operation['x-release-lifecycle'];
  return stage === 'GA' || stage === 'EA' ? stage : 'unknown';
}
