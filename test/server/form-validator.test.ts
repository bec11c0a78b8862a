// Pins the small elicitation-form validator that replaces the SDK's default Ajv at start-up.
import { describe, expect, it } from 'vitest';
import { formValidator } from '../../src/server/form-validator.js';

const confirm = formValidator.getValidator<{ confirm: boolean }>({
  type: 'object',
  properties: { confirm: { type: 'boolean', title: 'Run it' } },
  required: ['confirm'],
});

describe('formValidator', () => {
  it('accepts a ticked or unticked box', () => {
    expect(confirm({ confirm: true })).toEqual({
      valid: true,
      data: { confirm: true },
      errorMessage: undefined,
    });
    expect(confirm({ confirm: false }).valid).toBe(true);
  });

  it.each([
    [{}, /confirm is required/],
    [{ confirm: 'yes' }, /confirm must be true or false/],
    [{ confirm: true, extra: 1 }, /extra is not a field/],
    [null, /not an object/],
    [['confirm'], /not an object/],
  ])('refuses %j', (answer, message) => {
    const result = confirm(answer);
    expect(result.valid).toBe(false);
    expect(result.errorMessage).toMatch(message);
  });

  it('checks strings, numbers, integers and enums', () => {
    const form = formValidator.getValidator({
      type: 'object',
      properties: {
        name: { type: 'string', minLength: 2, maxLength: 5 },
        count: { type: 'integer', minimum: 1, maximum: 3 },
        ratio: { type: 'number' },
        colour: { type: 'string', enum: ['red', 'blue'] },
      },
    });
    expect(form({ name: 'ab', count: 2, ratio: 0.5, colour: 'red' }).valid).toBe(true);
    expect(form({ name: 'a' }).errorMessage).toMatch(/name is too short/);
    expect(form({ count: 1.5 }).errorMessage).toMatch(/whole number/);
    expect(form({ count: 9 }).errorMessage).toMatch(/too large/);
    expect(form({ colour: 'green' }).errorMessage).toMatch(/allowed values/);
  });

  it('refuses a schema that is not a flat object form', () => {
    expect(formValidator.getValidator({ type: 'array' })([]).valid).toBe(false);
  });
});
