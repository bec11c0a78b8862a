/**
 * Network zones: IP zones hold addresses and CIDR ranges, regional zones two-letter country codes;
 * each is checked entry by entry. The list shows both kinds together, oldest first.
 */
import { isIP } from 'node:net';
import { pagedList } from '../engine.js';
import { fieldErrors } from '../problem.js';
import type { JsonObject } from '../state.js';
import { type MonoContext, type MonoHandlerTable, type MonoResult, viaEngine } from './context.js';

/** Whether `range` is an IP address or a CIDR range with a prefix its family allows. */
export function isIpRange(range: string): boolean {
  const [address = '', prefix, ...rest] = range.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  if (!/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (family === 4 ? 32 : 128);
}

function checkEntries(field: string, values: unknown, ok: (v: string) => boolean, rule: string): void {
  if (!Array.isArray(values)) return;
  const errors: Record<string, string[]> = {};
  values.forEach((v, i) => {
    if (!ok(String(v))) errors[`${field}[${i}]`] = [`'${String(v)}' is not ${rule}.`];
  });
  if (Object.keys(errors).length > 0) throw fieldErrors(errors);
}

function ipZone(ctx: MonoContext): MonoResult {
  checkEntries('ip_ranges', (ctx.body as JsonObject).ip_ranges, isIpRange, 'an IP address or CIDR range');
  return viaEngine(ctx);
}

function regionalZone(ctx: MonoContext): MonoResult {
  checkEntries(
    'countries',
    (ctx.body as JsonObject).countries,
    (c) => /^[A-Z]{2}$/.test(c),
    'an ISO 3166-1 alpha-2 country code such as GB',
  );
  return viaEngine(ctx);
}

/** Handlers for network zones. */
export const networkZoneHandlers: MonoHandlerTable = {
  get_all_network_zones: (ctx) => {
    const zones = ['/network_zones/ip', '/network_zones/regional']
      .flatMap((path) => [...(ctx.state.store.collection(path)?.values() ?? [])])
      .sort((a, b) => Number(a.creation_time) - Number(b.creation_time));
    return pagedList(ctx.op, ctx.decoded, zones);
  },
  create_ip_network_zone: ipZone,
  patch_ip_network_zone: ipZone,
  create_regional_network_zone: regionalZone,
  patch_regional_network_zone: regionalZone,
};
