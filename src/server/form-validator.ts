/**
 * Validates a person's answer to an elicitation form. MCP forms are flat: an object whose properties are
 * strings, numbers, integers, booleans or enums. This small validator covers exactly that, so the server
 * need not build the SDK's default Ajv instance (with its formats) at start-up for one boolean box.
 */
import type {
  JsonSchemaType,
  JsonSchemaValidator,
  JsonSchemaValidatorResult,
  jsonSchemaValidator,
} from '@modelcontextprotocol/server';

type Property = {
  type?: string;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
};

/** A validator for flat elicitation form schemas; anything richer is refused rather than half-checked. */
export const formValidator: jsonSchemaValidator = {
  getValidator<T>(schema: JsonSchemaType): JsonSchemaValidator<T> {
    const shape = schema as { type?: string; properties?: Record<string, Property>; required?: string[] };
    const properties = shape.properties ?? {};
    const required = shape.required ?? [];
    return (input: unknown): JsonSchemaValidatorResult<T> => {
      const fail = (errorMessage: string): JsonSchemaValidatorResult<T> => ({
        valid: false,
        data: undefined,
        errorMessage,
      });
      if (shape.type !== 'object') return fail('only flat object forms are supported');
      if (typeof input !== 'object' || input === null || Array.isArray(input))
        return fail('the answer is not an object');
      const answer = input as Record<string, unknown>;
      for (const key of required) if (answer[key] === undefined) return fail(`${key} is required`);
      for (const [key, value] of Object.entries(answer)) {
        const property = properties[key];
        if (!property) return fail(`${key} is not a field of the form`);
        const problem = check(property, value);
        if (problem) return fail(`${key} ${problem}`);
      }
      return { valid: true, data: answer as T, errorMessage: undefined };
    };
  },
};

function check(property: Property, value: unknown): string | undefined {
  if (property.enum && !property.enum.includes(value)) return 'is not one of the allowed values';
  switch (property.type) {
    case 'boolean':
      return typeof value === 'boolean' ? undefined : 'must be true or false';
    case 'string':
      if (typeof value !== 'string') return 'must be text';
      if (property.minLength !== undefined && value.length < property.minLength) return 'is too short';
      if (property.maxLength !== undefined && value.length > property.maxLength) return 'is too long';
      return undefined;
    case 'number':
    case 'integer':
      if (typeof value !== 'number' || (property.type === 'integer' && !Number.isInteger(value))) {
        return `must be ${property.type === 'integer' ? 'a whole number' : 'a number'}`;
      }
      if (property.minimum !== undefined && value < property.minimum) return 'is too small';
      if (property.maximum !== undefined && value > property.maximum) return 'is too large';
      return undefined;
    default:
      return property.enum ? undefined : 'has a type this form does not support';
  }
}
