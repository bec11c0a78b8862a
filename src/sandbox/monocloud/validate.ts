/**
 * Body checks that collect every field's complaint before answering, as MonoCloud's 422 field form
 * does (`errors: {field: [messages]}`), plus the identifier and password rules of the sandbox tenant.
 */
import { fieldErrors, type IdentityError, identityErrors } from './problem.js';
import type { JsonObject, MonoCloudState } from './state.js';

/** Reads typed fields out of a request body, remembering each problem under the field's name. */
export class BodyReader {
  private readonly errors: Record<string, string[]> = {};

  /** @param body the parsed body; undefined (no body) reads as an empty object. */
  constructor(private readonly body: unknown) {
    if (body !== undefined && (body === null || typeof body !== 'object' || Array.isArray(body))) {
      this.fail('body', 'The request body must be a JSON object.');
    }
  }

  private get object(): JsonObject {
    return this.body !== null && typeof this.body === 'object' && !Array.isArray(this.body)
      ? (this.body as JsonObject)
      : {};
  }

  /** Records a problem with `field`. */
  fail(field: string, message: string): void {
    const list = this.errors[field] ?? [];
    list.push(message);
    this.errors[field] = list;
  }

  /** Whether the body sets `field` (to anything, null included). */
  has(field: string): boolean {
    return this.object[field] !== undefined;
  }

  /** A string field; null and absence read as undefined unless `required`. */
  string(field: string, options: { required?: boolean } = {}): string | undefined {
    const value = this.object[field];
    if (value === undefined || value === null) {
      if (options.required) this.fail(field, `The ${field} field is required.`);
      return undefined;
    }
    if (typeof value !== 'string') {
      this.fail(field, `The ${field} field must be a string.`);
      return undefined;
    }
    if (options.required && value.trim() === '') {
      this.fail(field, `The ${field} field is required.`);
      return undefined;
    }
    return value;
  }

  /** A string field that may be explicitly null (to clear it): undefined when absent. */
  nullableString(field: string): string | null | undefined {
    const value = this.object[field];
    if (value === null) return null;
    return this.string(field);
  }

  /** A boolean field (a JSON boolean, not the text "true"). */
  boolean(field: string): boolean | undefined {
    const value = this.object[field];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'boolean') {
      this.fail(field, `The ${field} field must be true or false.`);
      return undefined;
    }
    return value;
  }

  /** A whole-number field within `[min, max]`. */
  integer(field: string, min: number, max: number): number | undefined {
    const value = this.object[field];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'number' || !Number.isInteger(value)) {
      this.fail(field, `The ${field} field must be a whole number.`);
      return undefined;
    }
    if (value < min || value > max) {
      this.fail(field, `The ${field} field must be between ${min} and ${max}.`);
      return undefined;
    }
    return value;
  }

  /** One of `allowed`, compared exactly. */
  oneOf<T extends string>(field: string, allowed: readonly T[], options: { required?: boolean } = {}) {
    const value = this.string(field, options);
    if (value === undefined) return undefined;
    if (!allowed.includes(value as T)) {
      this.fail(
        field,
        `The value '${value}' is not valid for ${field}; expected one of: ${allowed.join(', ')}.`,
      );
      return undefined;
    }
    return value as T;
  }

  /** A JSON object field. */
  record(field: string, options: { required?: boolean } = {}): JsonObject | undefined {
    const value = this.object[field];
    if (value === undefined || value === null) {
      if (options.required) this.fail(field, `The ${field} field is required.`);
      return undefined;
    }
    if (typeof value !== 'object' || Array.isArray(value)) {
      this.fail(field, `The ${field} field must be a JSON object.`);
      return undefined;
    }
    return value as JsonObject;
  }

  /** An object field that may be explicitly null. */
  nullableObject(field: string): JsonObject | null | undefined {
    return this.object[field] === null ? null : this.record(field);
  }

  /** Throws the collected problems as one 422, if any. */
  done(): void {
    if (Object.keys(this.errors).length > 0) throw fieldErrors(this.errors);
  }
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const PHONE = /^\+[1-9]\d{6,14}$/;
const USERNAME = /^[A-Za-z0-9._@+-]+$/;
const BCRYPT = /^\$2[abxy]?\$\d{2}\$[./A-Za-z0-9]{53}$/;

/** Records a problem unless `value` looks like an email address. */
export function checkEmail(reader: BodyReader, field: string, value: string | undefined): void {
  // The pattern backtracks quadratically: only an address of a plausible length meets it.
  if (value !== undefined && (value.length > 320 || !EMAIL.test(value)))
    reader.fail(field, `'${value.slice(0, 320)}' is not a valid email address.`);
}

/** Records a problem unless `value` is an E.164 phone number (`+` then 7 to 15 digits). */
export function checkPhone(reader: BodyReader, field: string, value: string | undefined): void {
  if (value !== undefined && !PHONE.test(value))
    reader.fail(field, `'${value}' is not a valid phone number; use E.164, e.g. +14155550100.`);
}

/** Records a problem unless `value` is a bcrypt hash. */
export function checkBcrypt(reader: BodyReader, field: string, value: string | undefined): void {
  if (value !== undefined && !BCRYPT.test(value))
    reader.fail(field, `The ${field} field is not a bcrypt hash.`);
}

/** Identity errors for a username the tenant's rules refuse (`minLength` from its identifier settings). */
export function usernameErrors(username: string, minLength = 1): IdentityError[] {
  if (USERNAME.test(username) && username.length <= 64 && username.length >= minLength) return [];
  return [
    {
      code: 'InvalidUserName',
      description: `Username '${username}' is invalid: use ${minLength} to 64 letters, digits and . _ @ + -`,
    },
  ];
}

/** Minimum password length of a new tenant's policy. */
export const PASSWORD_MIN_LENGTH = 8;

/** The password rules of the tenant's settings (`authenticators.password.strength`). */
export interface PasswordStrength {
  /** Fewest characters. */
  minimum_length: number;
  /** Whether a character that is neither letter nor digit is needed. */
  require_non_alphanumeric_character: boolean;
  /** Whether a digit is needed. */
  require_digit: boolean;
  /** Whether a lower-case letter is needed. */
  require_lowercase_character: boolean;
  /** Whether an upper-case letter is needed. */
  require_uppercase_character: boolean;
  /** Fewest distinct characters. */
  required_unique_characters_count: number;
}

/** A new tenant's password rules: eight characters with a digit, a lower- and an upper-case letter. */
const DEFAULT_STRENGTH: PasswordStrength = {
  minimum_length: PASSWORD_MIN_LENGTH,
  require_non_alphanumeric_character: false,
  require_digit: true,
  require_lowercase_character: true,
  require_uppercase_character: true,
  required_unique_characters_count: 1,
};

function authenticationOptions(state: MonoCloudState): JsonObject {
  return (state.store.singletons.get('/options/authentication') ?? {}) as JsonObject;
}

/** The password rules the tenant's settings hold now. */
export function strengthOf(state: MonoCloudState): PasswordStrength {
  const strength = (
    (authenticationOptions(state).authenticators as JsonObject | undefined)?.password as
      | JsonObject
      | undefined
  )?.strength as Partial<PasswordStrength> | undefined;
  return { ...DEFAULT_STRENGTH, ...(strength ?? {}) };
}

/** The shortest username the tenant's settings allow. */
export function usernameMinLength(state: MonoCloudState): number {
  const identifiers = authenticationOptions(state).identifiers as JsonObject | undefined;
  const min = (identifiers?.username as JsonObject | undefined)?.minimum_length;
  return typeof min === 'number' ? min : 1;
}

/**
 * The tenant's password policy (its settings' `authenticators.password.strength`); answers every
 * broken rule, as the identity form lists them.
 */
export function passwordErrors(
  password: string,
  strength: PasswordStrength = DEFAULT_STRENGTH,
): IdentityError[] {
  const errors: IdentityError[] = [];
  if (password.length < strength.minimum_length)
    errors.push({
      code: 'PasswordTooShort',
      description: `Passwords must be at least ${strength.minimum_length} characters.`,
    });
  if (strength.require_non_alphanumeric_character && !/[^A-Za-z0-9]/.test(password))
    errors.push({
      code: 'PasswordRequiresNonAlphanumeric',
      description: 'Passwords must have at least one non alphanumeric character.',
    });
  if (strength.require_digit && !/\d/.test(password))
    errors.push({
      code: 'PasswordRequiresDigit',
      description: "Passwords must have at least one digit ('0'-'9').",
    });
  if (strength.require_lowercase_character && !/[a-z]/.test(password))
    errors.push({
      code: 'PasswordRequiresLower',
      description: "Passwords must have at least one lowercase ('a'-'z').",
    });
  if (strength.require_uppercase_character && !/[A-Z]/.test(password))
    errors.push({
      code: 'PasswordRequiresUpper',
      description: "Passwords must have at least one uppercase ('A'-'Z').",
    });
  if (new Set(password).size < strength.required_unique_characters_count)
    errors.push({
      code: 'PasswordRequiresUniqueChars',
      description: `Passwords must use at least ${strength.required_unique_characters_count} different characters.`,
    });
  return errors;
}

/** Throws the identity form when `errors` is not empty. */
export function throwIdentity(errors: IdentityError[]): void {
  if (errors.length > 0) throw identityErrors(errors);
}

/**
 * Claim conformance (skipped with `skip_conformance_checks`): URL claims must be absolute http(s)
 * URLs and `birthdate` must read YYYY-MM-DD, YYYY or 0000-MM-DD, as OpenID Connect defines them.
 */
export function checkClaimConformance(reader: BodyReader, claims: JsonObject): void {
  for (const field of ['picture', 'profile', 'website']) {
    const value = claims[field];
    if (typeof value !== 'string') continue;
    let ok = false;
    try {
      ok = ['http:', 'https:'].includes(new URL(value).protocol);
    } catch {
      ok = false;
    }
    if (!ok) reader.fail(field, `The ${field} claim must be an absolute http or https URL.`);
  }
  const birthdate = claims.birthdate;
  if (typeof birthdate === 'string' && !/^(\d{4}|\d{4}-\d{2}-\d{2})$/.test(birthdate))
    reader.fail('birthdate', 'The birthdate claim must read YYYY-MM-DD or YYYY.');
}
