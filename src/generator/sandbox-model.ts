/**
 * Emits a provider's sandbox model: for every operation its route, scopes, success status, parameters,
 * and the request and response schemas the sandbox validates and shapes with, as facts only (types,
 * enums, patterns, bounds, required fields). Descriptions, examples, vendor extensions and `default`
 * (which Auth0's document uses for example values) are dropped, so no prose of the provider's document reaches the repository. Only the component schemas
 * some operation reaches are kept.
 */
import type { EmitInput, GeneratedFile } from './generate.js';
import { isRef } from './openapi.js';

/** Schema keywords the sandbox reads; anything else (prose, examples, x-...) is dropped. */
const KEEP = new Set([
  'type',
  'enum',
  'const',
  'pattern',
  'format',
  'minLength',
  'maxLength',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
  'minItems',
  'maxItems',
  'uniqueItems',
  'items',
  'properties',
  'required',
  'additionalProperties',
  'minProperties',
  'maxProperties',
  'oneOf',
  'anyOf',
  'allOf',
  'readOnly',
  'nullable',
]);

type Json = Record<string, unknown>;

/** Where each provider's model lives, and the name of its export. */
export const SANDBOX_MODEL_FILES = {
  auth0: { file: 'src/sandbox/auth0-model.generated.ts', name: 'AUTH0_MODEL', model: './model.js' },
  monocloud: {
    file: 'src/sandbox/monocloud/model.generated.ts',
    name: 'MONOCLOUD_MODEL',
    model: '../model.js',
  },
} as const;

/** Builds the sandbox model module of the provider in `input`. */
export function emitSandboxModel(input: EmitInput): GeneratedFile {
  const target = SANDBOX_MODEL_FILES[input.provider.name as keyof typeof SANDBOX_MODEL_FILES];
  if (!target) throw new Error(`no sandbox model is emitted for provider ${input.provider.name}`);
  const { doc, resolver } = input;
  const used = new Set<string>();
  const pending: string[] = [];

  /** Copies the facts of a schema, turning component `$ref`s into names and queuing those components. */
  const facts = (schema: unknown): unknown => {
    if (Array.isArray(schema)) return schema.map(facts);
    if (schema === null || typeof schema !== 'object') return schema;
    if (isRef(schema)) {
      const name = resolver.componentName(schema.$ref);
      if (name === undefined) return facts(resolver.get(schema.$ref));
      if (!used.has(name)) {
        used.add(name);
        pending.push(name);
      }
      return { $ref: name };
    }
    const out: Json = {};
    for (const [key, value] of Object.entries(schema as Json)) {
      if (!KEEP.has(key)) continue;
      if (key === 'properties') {
        out[key] = Object.fromEntries(Object.entries(value as Json).map(([name, sub]) => [name, facts(sub)]));
      } else if (key === 'enum' || key === 'const') out[key] = value;
      else out[key] = facts(value);
    }
    return out;
  };

  const basePath = input.provider.basePath ?? '';
  const scopeScheme = input.provider.scopeScheme;
  const operations: Json[] = [];
  for (const [rawPath, rawItem] of Object.entries(doc.paths ?? {})) {
    const item = resolver.deref(rawItem as Json) as Json;
    const shared = (item.parameters as unknown[] | undefined) ?? [];
    for (const method of ['get', 'post', 'put', 'patch', 'delete']) {
      const op = item[method] as Json | undefined;
      if (!op || typeof op.operationId !== 'string') continue;
      const path = basePath && rawPath.startsWith(basePath) ? rawPath.slice(basePath.length) : rawPath;
      const responses = (op.responses ?? {}) as Json;
      const code = Object.keys(responses).find((c) => /^2\d\d$/.test(c)) ?? '200';
      const response = resolver.deref(responses[code] as Json) as Json | undefined;
      const content = response?.content as Record<string, Json> | undefined;
      const contentType = content && code !== '204' ? Object.keys(content)[0] : undefined;
      const params = [...shared, ...((op.parameters as unknown[] | undefined) ?? [])].map(
        (p) => resolver.deref(p as Json) as Json,
      );
      const param = (p: Json) => ({
        name: p.name as string,
        ...(p.required === true ? { required: true } : {}),
        ...(p.schema !== undefined ? { schema: facts(p.schema) } : {}),
      });
      const scopes = scopeScheme
        ? [
            ...new Set(
              ((op.security as Json[] | undefined) ?? []).flatMap(
                (s) => (s[scopeScheme] as string[] | undefined) ?? [],
              ),
            ),
          ]
        : [];
      const entry: Json = {
        id: op.operationId,
        method: method.toUpperCase(),
        path,
        ...(typeof op['x-operation-name'] === 'string' ? { verb: op['x-operation-name'] } : {}),
        scopes,
        status: Number(code),
      };
      if (contentType) {
        entry.contentType = contentType;
        const schema = content?.[contentType]?.schema;
        if (schema !== undefined) entry.response = facts(schema);
      }
      if (op.requestBody) {
        const body = resolver.deref(op.requestBody as Json) as Json;
        const types = Object.keys((body.content as Json | undefined) ?? {});
        const schema = (body.content as Record<string, Json> | undefined)?.[types[0] ?? '']?.schema;
        entry.body = {
          types,
          required: body.required === true,
          ...(schema !== undefined ? { schema: facts(schema) } : {}),
        };
      }
      entry.query = params.filter((p) => p.in === 'query').map(param);
      entry.params = params.filter((p) => p.in === 'path').map(param);
      operations.push(entry);
    }
  }
  operations.sort((a, b) => ((a.id as string) < (b.id as string) ? -1 : 1));

  const schemas: Json = {};
  const all = resolver.components();
  while (pending.length > 0) {
    const name = pending.shift()!;
    schemas[name] = facts(all.get(name));
  }
  const sortedSchemas = Object.fromEntries(
    Object.keys(schemas)
      .sort()
      .map((k) => [k, schemas[k]]),
  );

  const components = (doc as { components?: Json }).components;
  const flows = scopeScheme
    ? ((components?.securitySchemes as Json | undefined)?.[scopeScheme] as Json | undefined)?.flows
    : undefined;
  const scopes = Object.keys(
    ((flows as Json | undefined)?.clientCredentials as Json | undefined)?.scopes ?? {},
  ).sort();

  const model = { operations, schemas: sortedSchemas, scopes };
  const content = [
    input.header,
    `// The sandbox's model of the ${input.provider.title}: routes, scopes and schema facts, no prose.`,
    `import type { SandboxModel } from '${target.model}';`,
    '',
    `/** Every operation of the ${input.provider.title} with the schema facts the sandbox checks. */`,
    `export const ${target.name}: SandboxModel = JSON.parse(${JSON.stringify(JSON.stringify(model))});`,
    '',
  ].join('\n');
  return { file: target.file, content };
}
