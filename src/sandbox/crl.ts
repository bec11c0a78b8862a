/**
 * Reads certificate revocation lists (RFC 5280) far enough to store one as a tenant would: who issued
 * it, when, when the next is due, its CRL number and, for a delta list, the base it updates; and
 * checks its signature against the issuing certificate. Node parses certificates but not CRLs, so
 * this holds a small DER reader; every length is checked against the buffer, so hostile input fails
 * with a message instead of reading past its end.
 */
import { createHash, verify, X509Certificate } from 'node:crypto';

/** One DER element: its tag, its content, and its whole encoding. */
interface Element {
  tag: number;
  content: Buffer;
  raw: Buffer;
}

/** The element at `offset`, or throws naming what is malformed. */
function element(buf: Buffer, offset: number): Element {
  if (offset + 2 > buf.length) throw new Error('the data ends inside an element');
  const tag = buf[offset]!;
  let length = buf[offset + 1]!;
  let header = 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > 4) throw new Error('an element has a length it cannot have');
    if (offset + 2 + count > buf.length) throw new Error('the data ends inside a length');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + buf[offset + 2 + i]!;
    header += count;
  }
  const end = offset + header + length;
  if (end > buf.length) throw new Error('an element is longer than the data');
  return { tag, content: buf.subarray(offset + header, end), raw: buf.subarray(offset, end) };
}

/** The elements inside a constructed one (at most 100,000, so a crafted list cannot run away). */
function children(parent: Element): Element[] {
  const out: Element[] = [];
  for (let at = 0; at < parent.content.length && out.length < 100_000; ) {
    const child = element(parent.content, at);
    out.push(child);
    at += child.raw.length;
  }
  return out;
}

function oidOf(e: Element): string {
  const bytes = e.content;
  if (e.tag !== 0x06 || bytes.length === 0) throw new Error('an object identifier is malformed');
  const parts = [Math.floor(bytes[0]! / 40), bytes[0]! % 40];
  let value = 0;
  for (const b of bytes.subarray(1)) {
    value = value * 128 + (b & 0x7f);
    if (!(b & 0x80)) {
      parts.push(value);
      value = 0;
    }
  }
  return parts.join('.');
}

function integerOf(e: Element): number {
  if (e.tag !== 0x02 || e.content.length > 6) throw new Error('an integer is malformed or too large');
  let n = 0;
  for (const b of e.content) n = n * 256 + b;
  return n;
}

/** UTCTime or GeneralizedTime, as epoch seconds. */
function timeOf(e: Element): number {
  const text = e.content.toString('latin1');
  const m =
    e.tag === 0x17
      ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text)
      : /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (!m) throw new Error('a time is malformed');
  let year = Number(m[1]);
  if (e.tag === 0x17) year += year < 50 ? 2000 : 1900;
  return Date.UTC(year, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])) / 1000;
}

/** What the tenant keeps of a CRL. */
export interface CrlFacts {
  /** The issuer's distinguished name, DER. */
  issuer: Buffer;
  /** Issue time, epoch seconds. */
  issuedAt: number;
  /** When the next list is due, epoch seconds. */
  nextUpdate: number | null;
  /** The CRL number, when the list carries one. */
  crlNumber: number | null;
  /** For a delta list, the CRL number of its base list. */
  baseCrlNumber: number | null;
  /** The signed part, DER, and its signature, for checking against the issuer. */
  signed: Buffer;
  /** Signature algorithm OID. */
  algorithm: string;
  /** The signature bytes. */
  signature: Buffer;
}

/** A CRL's DER from PEM (`X509 CRL`) or bare base64. */
export function crlDer(text: string): Buffer {
  const pem = /-----BEGIN X509 CRL-----([\s\S]*?)-----END X509 CRL-----/.exec(text);
  const b64 = (pem ? pem[1]! : text).replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) throw new Error('it is neither PEM nor base64');
  return Buffer.from(b64, 'base64');
}

/** Reads a CRL; throws naming what is wrong with it. */
export function parseCrl(der: Buffer): CrlFacts {
  const list = element(der, 0);
  if (list.tag !== 0x30 || list.raw.length !== der.length) throw new Error('it is not one DER sequence');
  const [tbs, algorithm, signature] = children(list);
  if (!tbs || !algorithm || !signature || signature.tag !== 0x03)
    throw new Error('it is not a certificate list');
  const fields = children(tbs);
  let i = 0;
  if (fields[i]?.tag === 0x02) i++; // version
  i++; // signature algorithm, repeated
  const issuer = fields[i++];
  const thisUpdate = fields[i++];
  if (issuer?.tag !== 0x30 || !thisUpdate) throw new Error('it has no issuer or issue time');
  let nextUpdate: number | null = null;
  if (fields[i] && (fields[i]!.tag === 0x17 || fields[i]!.tag === 0x18)) nextUpdate = timeOf(fields[i++]!);
  if (fields[i]?.tag === 0x30) i++; // revoked certificates
  let crlNumber: number | null = null;
  let baseCrlNumber: number | null = null;
  const extensions = fields[i];
  if (extensions?.tag === 0xa0) {
    const [all] = children(extensions);
    for (const ext of all ? children(all) : []) {
      const parts = children(ext);
      const id = oidOf(parts[0]!);
      const value = parts[parts.length - 1]!;
      if (id === '2.5.29.20') crlNumber = integerOf(element(value.content, 0));
      if (id === '2.5.29.27') baseCrlNumber = integerOf(element(value.content, 0));
    }
  }
  return {
    issuer: Buffer.from(issuer.raw),
    issuedAt: timeOf(thisUpdate),
    nextUpdate,
    crlNumber,
    baseCrlNumber,
    signed: Buffer.from(tbs.raw),
    algorithm: oidOf(children(algorithm)[0]!),
    signature: Buffer.from(signature.content.subarray(1)),
  };
}

/** A certificate's subject name, DER, for matching a CRL's issuer. */
export function subjectDer(cert: X509Certificate): Buffer {
  const [tbs] = children(element(cert.raw, 0));
  const fields = children(tbs!);
  const offset = fields[0]?.tag === 0xa0 ? 1 : 0;
  return Buffer.from(fields[offset + 4]!.raw);
}

const HASHES: Record<string, string | null> = {
  '1.2.840.113549.1.1.5': 'sha1',
  '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
  '1.2.840.10045.4.3.2': 'sha256',
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
  '1.3.101.112': null,
};

/** Whether the CRL's signature verifies with `issuer`'s key (false for an algorithm it does not know). */
export function crlSignedBy(crl: CrlFacts, issuer: X509Certificate): boolean {
  const hash = HASHES[crl.algorithm];
  if (hash === undefined) return false;
  try {
    return verify(hash, crl.signed, { key: issuer.publicKey, dsaEncoding: 'der' }, crl.signature);
  } catch {
    return false;
  }
}

/** Every certificate of a PEM chain; throws when a block is not a certificate. */
export function certificatesOf(chain: string): X509Certificate[] {
  const blocks = chain.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  return blocks.map((pem) => new X509Certificate(pem));
}

/** A certificate's SHA-1 thumbprint as upper-case hex, the form trust stores name issuers by. */
export function thumbprintOf(cert: X509Certificate): string {
  return createHash('sha1').update(cert.raw).digest('hex').toUpperCase();
}
