/**
 * A tenant's token signing keys: RSA 2048 pairs with self-signed certificates for the tenant's domain,
 * answered with their PEM, PKCS#7, SHA-1 fingerprint and thumbprint as `GET /keys/signing` shows them.
 * The two keys a fresh tenant starts with are made once per process and shared by every reset.
 */
import { createHash, generateKeyPairSync, randomBytes, X509Certificate } from 'node:crypto';
import type { Json } from './engine/store.js';
import { createCertificate, pkcs7Of } from './x509.js';

let startingKeys: Json[] | undefined;

/** A new signing key for `origin`'s tenant; `flags` says whether it is current, next or previous. */
export function createSigningKey(
  origin: string,
  flags: { current?: boolean; next?: boolean; previous?: boolean },
  nowMs = Date.now(),
): Json {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const host = origin.replace(/^\w+:\/\//, '').replace(/:\d+$/, '') || 'sandbox.local';
  const cert = createCertificate({
    subject: `dev-${host}`,
    issuer: `dev-${host}`,
    publicKey,
    issuerKey: privateKey,
    issuerPublicKey: publicKey,
    serial: randomBytes(12),
    notBefore: new Date(nowMs - 60_000),
    notAfter: new Date(nowMs + 10 * 365 * 86_400_000),
    ca: false,
  });
  const der = new X509Certificate(cert).raw;
  const sha1 = createHash('sha1').update(der).digest('hex').toUpperCase();
  const kid = createHash('sha256').update(der).digest('base64url').slice(0, 22);
  return {
    kid,
    cert,
    pkcs7: pkcs7Of(cert),
    fingerprint: sha1.match(/../g)!.join(':'),
    thumbprint: sha1,
    current: flags.current === true,
    next: flags.next === true,
    previous: flags.previous === true,
    revoked: false,
    ...(flags.current ? { current_since: new Date(nowMs).toISOString() } : {}),
  };
}

/** The current and next key every new tenant has (made on first use, then copied). */
export function startingSigningKeys(origin: string): Json[] {
  startingKeys ??= [createSigningKey(origin, { current: true }), createSigningKey(origin, { next: true })];
  return startingKeys.map((k) => ({ ...k }));
}
