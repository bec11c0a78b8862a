/**
 * X.509 certificates from node:crypto keys: enough DER to write a v3 certificate (names, validity,
 * basic constraints, key usage, subject alternative names, key identifiers) and sign it. Node can
 * parse and verify certificates but not create them; this covers what the sandbox needs (a loopback
 * CA and server certificate for `--tls`, signing-key certificates as a tenant's JWKS has) without a
 * dependency tree for one small job.
 */
import { createHash, type KeyObject, sign } from 'node:crypto';
import { isIPv4 } from 'node:net';

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v >>= 8) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function tlv(tag: number, value: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), length(value.length), value]);
}

const seq = (...parts: Buffer[]) => tlv(0x30, Buffer.concat(parts));
const set = (...parts: Buffer[]) => tlv(0x31, Buffer.concat(parts));
const octets = (value: Buffer) => tlv(0x04, value);
const bits = (value: Buffer) => tlv(0x03, Buffer.concat([Buffer.from([0]), value]));
const explicit = (n: number, value: Buffer) => tlv(0xa0 + n, value);

function integer(value: Buffer): Buffer {
  let v = value;
  while (v.length > 1 && v[0] === 0 && (v[1]! & 0x80) === 0) v = v.subarray(1);
  if ((v[0]! & 0x80) !== 0) v = Buffer.concat([Buffer.from([0]), v]);
  return tlv(0x02, v);
}

function oid(dotted: string): Buffer {
  const [a, b, ...rest] = dotted.split('.').map(Number) as [number, number, ...number[]];
  const out = [a * 40 + b];
  for (const n of rest) {
    const chunk: number[] = [n & 0x7f];
    for (let v = n >>> 7; v > 0; v >>>= 7) chunk.unshift((v & 0x7f) | 0x80);
    out.push(...chunk);
  }
  return tlv(0x06, Buffer.from(out));
}

function time(date: Date): Buffer {
  const iso = date.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  return date.getUTCFullYear() < 2050
    ? tlv(0x17, Buffer.from(`${iso.slice(2)}Z`))
    : tlv(0x18, Buffer.from(`${iso}Z`));
}

function name(commonName: string): Buffer {
  return seq(set(seq(oid('2.5.4.3'), tlv(0x0c, Buffer.from(commonName, 'utf8')))));
}

function ipBytes(ip: string): Buffer {
  if (isIPv4(ip)) return Buffer.from(ip.split('.').map(Number));
  const [head = '', tail = ''] = ip.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = ip.includes('::') ? [...h, ...Array(8 - h.length - t.length).fill('0'), ...t] : h;
  return Buffer.from(
    groups.flatMap((g) => [(Number.parseInt(g, 16) >> 8) & 0xff, Number.parseInt(g, 16) & 0xff]),
  );
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return seq(oid(id), ...(critical ? [tlv(0x01, Buffer.from([0xff]))] : []), octets(value));
}

/** The SHA-1 of a key's subject public key bits, as key identifiers are usually made. */
function keyId(key: KeyObject): Buffer {
  const spki = key.export({ type: 'spki', format: 'der' });
  return createHash('sha1').update(spki).digest();
}

/** What goes into one certificate. */
export interface CertificateRequest {
  /** Subject common name. */
  subject: string;
  /** The certified public key. */
  publicKey: KeyObject;
  /** Issuer common name (the subject's own for a self-signed certificate). */
  issuer: string;
  /** The issuer's private key, which signs. */
  issuerKey: KeyObject;
  /** The issuer's public key, for the authority key identifier. */
  issuerPublicKey: KeyObject;
  /** Serial number bytes (positive). */
  serial: Buffer;
  /** Start of validity. */
  notBefore: Date;
  /** End of validity. */
  notAfter: Date;
  /** Whether the certificate may sign others. */
  ca: boolean;
  /** DNS names and IP addresses it is valid for (servers). */
  altNames?: string[];
}

/** Writes and signs a certificate; returns it as PEM. RSA issuers sign with SHA-256/RSA, EC with ECDSA. */
export function createCertificate(req: CertificateRequest): string {
  const rsa = req.issuerKey.asymmetricKeyType === 'rsa';
  const algorithm = rsa
    ? seq(oid('1.2.840.113549.1.1.11'), tlv(0x05, Buffer.alloc(0)))
    : seq(oid('1.2.840.10045.4.3.2'));
  const extensions = [
    extension('2.5.29.19', true, req.ca ? seq(tlv(0x01, Buffer.from([0xff]))) : seq()),
    // keyUsage: digitalSignature, plus keyEncipherment for a leaf and keyCertSign + cRLSign for a CA.
    extension('2.5.29.15', true, tlv(0x03, req.ca ? Buffer.from([0x01, 0x86]) : Buffer.from([0x05, 0xa0]))),
    extension('2.5.29.14', false, octets(keyId(req.publicKey))),
    extension('2.5.29.35', false, seq(tlv(0x80, keyId(req.issuerPublicKey)))),
  ];
  if (!req.ca) extensions.push(extension('2.5.29.37', false, seq(oid('1.3.6.1.5.5.7.3.1'))));
  if (req.altNames?.length) {
    const entries = req.altNames.map((n) =>
      /^[\d.]+$/.test(n) || n.includes(':') ? tlv(0x87, ipBytes(n)) : tlv(0x82, Buffer.from(n, 'ascii')),
    );
    extensions.push(extension('2.5.29.17', false, seq(...entries)));
  }
  const tbs = seq(
    explicit(0, integer(Buffer.from([2]))),
    integer(req.serial),
    algorithm,
    name(req.issuer),
    seq(time(req.notBefore), time(req.notAfter)),
    name(req.subject),
    req.publicKey.export({ type: 'spki', format: 'der' }),
    explicit(3, seq(...extensions)),
  );
  const signature = sign('sha256', tbs, req.issuerKey);
  const der = seq(tbs, algorithm, bits(signature));
  const body = der
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .trimEnd();
  return `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`;
}

/** A PKCS#7 "certs-only" bundle of one certificate, as Auth0 serves next to a signing key's PEM. */
export function pkcs7Of(certPem: string): string {
  const der = Buffer.from(certPem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
  const signedData = seq(
    integer(Buffer.from([1])),
    set(),
    seq(oid('1.2.840.113549.1.7.1')),
    explicit(0, der),
    set(),
  );
  const content = seq(oid('1.2.840.113549.1.7.2'), explicit(0, signedData));
  const body = content
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .trimEnd();
  return `-----BEGIN PKCS7-----\n${body}\n-----END PKCS7-----\n`;
}

/** What goes into one certificate revocation list. */
export interface CrlRequest {
  /** Issuer common name, as in the issuer's certificate. */
  issuer: string;
  /** The issuer's private key, which signs. */
  issuerKey: KeyObject;
  /** When the list was issued. */
  thisUpdate: Date;
  /** When the next list is due, if announced. */
  nextUpdate?: Date;
  /** The list's CRL number. */
  crlNumber: number;
  /** For a delta list: the CRL number of the base list it updates. */
  baseCrlNumber?: number;
  /** Revoked certificates: serial number bytes and revocation time. */
  revoked?: Array<{ serial: Buffer; date: Date }>;
}

function integerOf(n: number): Buffer {
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v % 256);
  return integer(Buffer.from(bytes.length > 0 ? bytes : [0]));
}

/** Writes and signs a v2 CRL with a CRL number (and a delta indicator for a delta list); PEM. */
export function createCrl(req: CrlRequest): string {
  const rsa = req.issuerKey.asymmetricKeyType === 'rsa';
  const algorithm = rsa
    ? seq(oid('1.2.840.113549.1.1.11'), tlv(0x05, Buffer.alloc(0)))
    : seq(oid('1.2.840.10045.4.3.2'));
  const extensions = [extension('2.5.29.20', false, integerOf(req.crlNumber))];
  if (req.baseCrlNumber !== undefined)
    extensions.push(extension('2.5.29.27', true, integerOf(req.baseCrlNumber)));
  const revoked = req.revoked ?? [];
  const tbs = seq(
    integer(Buffer.from([1])),
    algorithm,
    name(req.issuer),
    time(req.thisUpdate),
    ...(req.nextUpdate ? [time(req.nextUpdate)] : []),
    ...(revoked.length > 0 ? [seq(...revoked.map((r) => seq(integer(r.serial), time(r.date))))] : []),
    explicit(0, seq(...extensions)),
  );
  const der = seq(tbs, algorithm, bits(sign('sha256', tbs, req.issuerKey)));
  const body = der
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .trimEnd();
  return `-----BEGIN X509 CRL-----\n${body}\n-----END X509 CRL-----\n`;
}
