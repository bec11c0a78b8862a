/**
 * A tenant's token signing keys: RSA 2048 pairs with self-signed certificates for the tenant's domain,
 * answered with their PEM, PKCS#7, SHA-1 fingerprint and thumbprint as `GET /keys/signing` shows them.
 * The two keys a fresh tenant starts with are made once per process and shared by every reset.
 */
import {
  createHash,
  generateKeyPair,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
  X509Certificate,
} from 'node:crypto';
import { promisify } from 'node:util';
import type { Json } from './engine/store.js';
import { createCertificate, pkcs7Of } from './x509.js';

interface KeyPair {
  publicKey: KeyObject;
  privateKey: KeyObject;
}

const generatePair = promisify(generateKeyPair);

let startingKeys: Json[] | undefined;
let startingPairs: Promise<KeyPair[]> | undefined;
let readyPairs: KeyPair[] | undefined;

/**
 * Starts making the two starting key pairs off the event loop (RSA 2048 takes 80–250 ms each here, in
 * libuv's pool, both at once), so a sandbox that awaits this before seeding does not stall every other
 * request of the process while they are made. Safe to call any number of times.
 */
export function prepareStartingKeys(): Promise<void> {
  startingPairs ??= Promise.all(
    [0, 1].map(() => generatePair('rsa', { modulusLength: 2048 }) as Promise<KeyPair>),
  ).then((pairs) => {
    readyPairs = pairs;
    return pairs;
  });
  return startingPairs.then(() => undefined);
}

/** A new signing key for `origin`'s tenant; `flags` says whether it is current, next or previous. */
export function createSigningKey(
  origin: string,
  flags: { current?: boolean; next?: boolean; previous?: boolean },
  nowMs = Date.now(),
  pair: KeyPair = generateKeyPairSync('rsa', { modulusLength: 2048 }),
): Json {
  const { publicKey, privateKey } = pair;
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

/**
 * The current and next key every new tenant has (made on first use, then copied), from the pairs
 * {@link prepareStartingKeys} made when it was awaited, else made here.
 */
export function startingSigningKeys(origin: string): Json[] {
  const nowMs = Date.now();
  startingKeys ??= [
    createSigningKey(origin, { current: true }, nowMs, readyPairs?.[0]),
    createSigningKey(origin, { next: true }, nowMs, readyPairs?.[1]),
  ];
  return startingKeys.map((k) => ({ ...k }));
}
