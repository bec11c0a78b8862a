/**
 * HTTPS on loopback for clients that only speak `https://` (Auth0's Deploy CLI and MCP server): a CA
 * made at start, and a server certificate it signs for the bind address, `localhost`, `127.0.0.1` and
 * `::1`. Clients trust the CA (e.g. `NODE_EXTRA_CA_CERTS=ca.pem`); nothing is installed system-wide,
 * and both keys live only in this process.
 */
import { generateKeyPair, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { createCertificate } from './x509.js';

const keyPair = promisify(generateKeyPair);

/** What an HTTPS sandbox serves with, and what its clients need. */
export interface LoopbackTls {
  /** The CA certificate, PEM: the one file a client must trust. */
  ca: string;
  /** The server certificate, PEM. */
  cert: string;
  /** The server's private key, PEM. */
  key: string;
}

/** Generates a CA and a server certificate for `host`, valid for 30 days from now. */
export async function createLoopbackTls(host: string): Promise<LoopbackTls> {
  const [ca, server] = await Promise.all([
    keyPair('ec', { namedCurve: 'prime256v1' }),
    keyPair('ec', { namedCurve: 'prime256v1' }),
  ]);
  const notBefore = new Date(Date.now() - 60_000);
  const notAfter = new Date(Date.now() + 30 * 24 * 3600_000);
  const caName = `tenant-mcp sandbox CA ${randomBytes(4).toString('hex')}`;
  const caCert = createCertificate({
    subject: caName,
    issuer: caName,
    publicKey: ca.publicKey,
    issuerKey: ca.privateKey,
    issuerPublicKey: ca.publicKey,
    serial: randomBytes(16),
    notBefore,
    notAfter,
    ca: true,
  });
  const altNames = [...new Set([host, 'localhost', '127.0.0.1', '::1'])];
  const cert = createCertificate({
    subject: host,
    issuer: caName,
    publicKey: server.publicKey,
    issuerKey: ca.privateKey,
    issuerPublicKey: ca.publicKey,
    serial: randomBytes(16),
    notBefore,
    notAfter,
    ca: false,
    altNames,
  });
  return { ca: caCert, cert, key: server.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string };
}
