// Shared inputs of the generator tests: the Auth0 document, our overlay, our MonoCloud document and the root.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { OpenApiDocument } from '../../src/generator/openapi.js';

/** The repository root. */
export const ROOT = resolve(import.meta.dirname, '..', '..');

/** The Auth0 Management API document, where `npm run generate` finds it by default. */
export const SPEC_PATH = resolve(
  ROOT,
  process.env.TENANT_MCP_AUTH0_SPEC ?? '../shared/openapi/auth0-management-api-v2.json',
);

/** Our overlay's path. */
export const OVERLAY_PATH = join(ROOT, 'openapi', 'auth0', 'overlay.yaml');

let spec: OpenApiDocument | undefined;

/** The parsed Auth0 document (parsed once; callers must not mutate it). */
export function loadSpec(): OpenApiDocument {
  spec ??= JSON.parse(readFileSync(SPEC_PATH, 'utf8')) as OpenApiDocument;
  return spec;
}

/** Our overlay's YAML text. */
export function loadOverlay(): string {
  return readFileSync(OVERLAY_PATH, 'utf8');
}

/** Our MonoCloud document's path. */
export const MONOCLOUD_SPEC_PATH = join(ROOT, 'openapi', 'monocloud', 'management.yaml');

let monocloud: OpenApiDocument | undefined;

/** Our MonoCloud document, parsed (parsed once; callers must not mutate it). */
export function loadMonocloudSpec(): OpenApiDocument {
  monocloud ??= parseYaml(readFileSync(MONOCLOUD_SPEC_PATH, 'utf8')) as OpenApiDocument;
  return monocloud;
}

/** A minimal OpenAPI document for focused tests: one operation per entry of `operations`. */
export function miniSpec(
  operations: Record<string, Record<string, unknown>>,
  schemas: Record<string, unknown> = {},
): OpenApiDocument {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [key, operation] of Object.entries(operations)) {
    const [method, path] = key.split(' ') as [string, string];
    paths[path] ??= {};
    paths[path][method.toLowerCase()] = {
      tags: ['things'],
      security: [{ oAuth2ClientCredentials: ['read:things'] }],
      responses: {},
      ...operation,
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Mini', version: '1' },
    paths,
    components: { schemas },
  } as OpenApiDocument;
}

/** An overlay document with `actions`, as YAML-compatible JSON text. */
export function overlayWith(actions: unknown[]): string {
  return JSON.stringify({ overlay: '1.0.0', info: { title: 'test', version: '1' }, actions });
}
