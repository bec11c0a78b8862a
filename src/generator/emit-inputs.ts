/**
 * Emits `<outDir>/inputs.generated.ts` (e.g. `src/tools/auth0/inputs.generated.ts`): one lazily built,
 * memoized zod schema per operation for its flat `arguments` object, on top of lazily built component
 * factories. The module imports its rule helpers from `src/tools/rules.ts` (shared by every provider).
 */
import type { EmitInput, GeneratedFile } from './generate.js';
import type { ProviderConfig } from './providers.js';
import { literal, quote } from './ts-literal.js';
import { describe, indentTail, memo, shapeLiteral, ZodEmitter } from './zod-emitter.js';

/** Where a provider's input schemas go, relative to the repository root. */
export function inputsFile(provider: Pick<ProviderConfig, 'outDir'>): string {
  return `${provider.outDir}/inputs.generated.ts`;
}

/** Emits the input schemas of every operation. */
export function emitInputs(input: EmitInput): GeneratedFile {
  const prose = input.provider.ownProse;
  const emitter = new ZodEmitter(input.resolver, { descriptions: prose });
  const entries = input.operations.map(({ spec, params, body }) => {
    const where = `${spec.id} arguments`;
    const shape: string[] = [];
    for (const param of params) {
      let expr = emitter.expression(param.schema, undefined, `${where}.${param.spec.name}`);
      if (prose && param.description) expr = describe(expr, param.description);
      shape.push(`${keyOf(param.spec.name)}: ${expr}${param.spec.required ? '' : '.optional()'}`);
    }
    if (body?.object) {
      const required = new Set(body.spec.required ? (body.object.required ?? []) : []);
      for (const field of body.spec.fields) {
        const schema = body.object.properties?.[field] ?? true;
        const expr = emitter.expression(schema, undefined, `${where}.${field}`);
        shape.push(`${keyOf(field)}: ${expr}${required.has(field) ? '' : '.optional()'}`);
      }
    } else if (body) {
      const expr = emitter.expression(body.schema, undefined, `${where}.body`);
      shape.push(`body: ${expr}${body.spec.required ? '' : '.optional()'}`);
    }
    let schema = `z.strictObject<Shape>(${shapeLiteral(shape)})`;
    if (spec.rules?.length) schema += `.superRefine(${emitter.use('checkRules')}(${literal(spec.rules, 2)}))`;
    return `  ${keyOf(spec.id)}: () =>\n    (${memo('O', spec.id)} ??= ${indentTail(schema, '    ')}),`;
  });
  const factories = emitter.factories();
  const helpers = emitter.usedHelpers();
  const content = [
    input.header,
    '// Each schema is built on first use: importing this module builds nothing.',
    "import { z } from 'zod';",
    ...(helpers.length ? [`import { ${helpers.join(', ')} } from '../rules.js';`] : []),
    '',
    '// Type arguments are spelled out so the compiler need not infer a thousand object types.',
    'type Shape = z.ZodRawShape;',
    'type Z = z.ZodType;',
    '',
    '/** Built component schemas, by component name. */',
    'const C: Record<string, Z> = {};',
    '/** Built operation schemas, by operation id. */',
    'const O: Record<string, z.ZodObject<any>> = {};',
    '',
    "/** The schema of each operation's flat `arguments` object, by operation id; built once, on first call. */",
    'export const inputSchemas: Record<string, () => z.ZodObject<any>> = {',
    ...entries,
    '};',
    '',
    ...factories.flatMap((factory) => [factory, '']),
  ].join('\n');
  return { file: inputsFile(input.provider), content };
}

function keyOf(name: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(name) ? name : quote(name);
}
