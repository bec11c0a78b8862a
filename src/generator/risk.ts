/**
 * The risk class of an operation, decided in exactly one place so the catalog, the read-only profile and
 * the MCP annotations can never disagree.
 */
import type { HttpMethod, Risk } from '../tools/types.js';

/**
 * `GET` reads, `DELETE` is destructive, every other method writes; our overlay's `x-tenant-mcp-risk` wins
 * when present (e.g. secret rotation is a `POST` but cannot be undone).
 */
export function deriveRisk(method: HttpMethod, override?: Risk): Risk {
  if (override) return override;
  if (method === 'GET') return 'read';
  if (method === 'DELETE') return 'destructive';
  return 'write';
}
