/**
 * Trust stores for mTLS: a chain of PEM certificates (each one parsed; a chain that is not refuses),
 * options merged over the tenant's defaults, one default store at a time, certificate bans, and
 * certificate revocation lists that are read for real: the issuer must be a certificate of the chain,
 * the signature must verify, a delta list must name a base list the store holds, and the list answers
 * grouped by base, as MonoCloud shows it.
 */

import { certificatesOf, crlDer, crlSignedBy, parseCrl, subjectDer, thumbprintOf } from '../../crl.js';
import { concrete } from '../../engine/engine.js';
import { TRUST_STORE_OPTIONS } from '../defaults.js';
import { missing, pagedList } from '../engine.js';
import { conflict, fieldError } from '../problem.js';
import type { JsonObject } from '../state.js';
import { type MonoContext, type MonoHandlerTable, type MonoResult, viaEngine } from './context.js';

const STORES = '/truststores';
const REVOCATIONS = '/truststores/{trust_store_id}/revocations';
const BANS = '/truststores/{trust_store_id}/banned_certificates';
/** Longest chain or CRL read, in characters; far beyond any real one. */
const MAX_PEM = 256 * 1024;

function checkChain(chain: unknown): void {
  if (typeof chain !== 'string') return;
  if (chain.length > MAX_PEM)
    throw fieldError('cert_chain', `A chain longer than ${MAX_PEM} characters is not read.`);
  let count = 0;
  try {
    count = certificatesOf(chain).length;
  } catch (error) {
    throw fieldError('cert_chain', `A certificate of the chain cannot be read: ${(error as Error).message}.`);
  }
  if (count === 0)
    throw fieldError(
      'cert_chain',
      'The chain holds no certificate; send PEM blocks (-----BEGIN CERTIFICATE-----).',
    );
}

function findStore(ctx: MonoContext): JsonObject {
  const id = ctx.params.trust_store_id ?? '';
  const store = ctx.state.store.collection(STORES)?.get(id);
  if (!store) throw missing(STORES, id);
  return store;
}

function addRevocation(ctx: MonoContext): MonoResult {
  const store = findStore(ctx);
  const value = String((ctx.body as JsonObject).value ?? '');
  if (value.length > MAX_PEM)
    throw fieldError('value', `A CRL longer than ${MAX_PEM} characters is not read.`);
  let facts: ReturnType<typeof parseCrl>;
  try {
    facts = parseCrl(crlDer(value));
  } catch (error) {
    throw fieldError('value', `The value is not a certificate revocation list: ${(error as Error).message}.`);
  }
  const issuer = certificatesOf(String(store.cert_chain)).find((c) => subjectDer(c).equals(facts.issuer));
  if (!issuer) throw fieldError('value', 'The CRL was not issued by a certificate of this trust store.');
  if (!crlSignedBy(facts, issuer))
    throw fieldError('value', 'The CRL signature does not verify with its issuer.');
  const path = concrete(REVOCATIONS, ctx.params);
  const held = [...(ctx.state.store.collection(path)?.values() ?? [])];
  const thumbprint = thumbprintOf(issuer);
  const sameIssuer = held.filter((r) => r.issuer_thumbprint === thumbprint);
  let base: JsonObject | undefined;
  if (facts.baseCrlNumber !== null) {
    base = sameIssuer.find((r) => r.type === 'base' && r.crl_number === facts.baseCrlNumber);
    if (!base)
      throw fieldError(
        'value',
        `This delta CRL updates base CRL number ${facts.baseCrlNumber}, which the trust store does not hold.`,
      );
  }
  const type = base ? 'delta' : 'base';
  if (
    facts.crlNumber !== null &&
    sameIssuer.some(
      (r) =>
        r.type === type &&
        r.crl_number === facts.crlNumber &&
        (type === 'base' || r.base_revocation_id === base?.id),
    )
  )
    throw conflict(`The trust store already holds ${type} CRL number ${facts.crlNumber} of this issuer.`);
  return viaEngine(ctx, {
    value,
    issuer_thumbprint: thumbprint,
    issued_at: facts.issuedAt,
    next_update: facts.nextUpdate,
    type,
    crl_number: facts.crlNumber,
    delta_crl_number: base ? facts.crlNumber : null,
    base_revocation_id: base ? base.id : null,
  });
}

function groupedRevocations(ctx: MonoContext): MonoResult {
  findStore(ctx);
  const held = [...(ctx.state.store.collection(concrete(REVOCATIONS, ctx.params))?.values() ?? [])];
  const grouped = held
    .filter((r) => r.type === 'base')
    .map((b) => {
      const { type: _type, delta_crl_number: _delta, base_revocation_id: _base, ...base } = b;
      return { ...base, deltas: held.filter((d) => d.base_revocation_id === b.id) };
    });
  return pagedList(ctx.op, ctx.decoded, grouped);
}

function checkBan(ctx: MonoContext): MonoResult {
  findStore(ctx);
  const body = ctx.body as JsonObject;
  const type = String(body.type ?? 'thumbprint');
  const value = String(body.value ?? '');
  const ok =
    type === 'thumbprint'
      ? /^([0-9A-Fa-f]{40}|[0-9A-Fa-f]{64})$/.test(value)
      : type === 'serial_number'
        ? /^[0-9A-Fa-f]{1,40}$/.test(value)
        : /^\s*[A-Za-z.\d]+\s*=/.test(value);
  if (!ok) {
    const want = {
      thumbprint: 'a SHA-1 or SHA-256 thumbprint in hex',
      serial_number: 'a serial number in hex',
      subject: 'a distinguished name such as CN=device-42',
    }[type];
    throw fieldError('value', `A ${type} ban needs ${want}.`);
  }
  const held = [...(ctx.state.store.collection(concrete(BANS, ctx.params))?.values() ?? [])];
  if (held.some((b) => b.type === type && String(b.value).toLowerCase() === value.toLowerCase()))
    throw conflict(`The trust store already bans the ${type} '${value}'.`);
  return viaEngine(ctx);
}

/** Handlers for trust stores, their revocation lists and bans. */
export const trustStoreHandlers: MonoHandlerTable = {
  create_trust_store: (ctx) => {
    const body = ctx.body as JsonObject;
    checkChain(body.cert_chain);
    return viaEngine(ctx, { ...body, options: { ...TRUST_STORE_OPTIONS, ...(body.options as JsonObject) } });
  },
  patch_trust_store: (ctx) => {
    checkChain((ctx.body as JsonObject).cert_chain);
    return viaEngine(ctx);
  },
  set_trust_store_default: (ctx) => {
    const store = findStore(ctx);
    for (const other of ctx.state.store.collection(STORES, true).values()) other.is_default = other === store;
    store.last_updated = ctx.now;
    return { body: ctx.engine.shape(ctx.op, store) };
  },
  add_certificate_revocation: addRevocation,
  get_all_revocations: groupedRevocations,
  remove_certificate_revocation: (ctx) => {
    const result = viaEngine(ctx);
    // A base list takes its deltas with it.
    const held = ctx.state.store.collection(concrete(REVOCATIONS, ctx.params));
    for (const [id, r] of held ?? []) if (r.base_revocation_id === ctx.params.revocation_id) held!.delete(id);
    return result;
  },
  ban_trust_store_certificate: checkBan,
};
