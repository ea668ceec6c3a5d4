/**
 * A sandbox's own certificate authority, for the egress proxy to terminate TLS to hosts that have secrets
 * (it must read the request to put a value in). The CA's private key exists only in this process, is never
 * exported, and dies with the sandbox; the container trusts the CA's certificate, and nothing else does.
 * Certificates are minted with @peculiar/x509 (ECDSA P-256, SHA-256), one per host, kept for the sandbox.
 */
import { webcrypto } from 'node:crypto'
import { isIP } from 'node:net'
import tls from 'node:tls'
import type * as X509Module from '@peculiar/x509'

type X509 = typeof X509Module

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const
// Valid from a little before now (clock skew between host and guest), for longer than any sandbox lives.
const BACKDATE_MS = 60 * 60 * 1000
const VALIDITY_MS = 7 * 24 * 60 * 60 * 1000
const MAX_HOST_CERTIFICATES = 256

let library: Promise<X509> | undefined

// @peculiar/x509 needs a Reflect metadata polyfill; both are loaded only when a sandbox has secrets.
function loadX509(): Promise<X509> {
  library ??= (async () => {
    await import('reflect-metadata')
    const x509 = await import('@peculiar/x509')
    x509.cryptoProvider.set(webcrypto as unknown as Crypto)
    return x509
  })()
  return library
}

function serialNumber(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16))
  bytes[0] = (bytes[0] ?? 0) & 0x7f // positive
  return Buffer.from(bytes).toString('hex')
}

/**
 * One sandbox's CA.
 * @example
 * const ca = await SandboxCa.create()
 * ca.certificatePem // into the container's trust store
 * const context = await ca.secureContextFor('api.example.com')
 */
export class SandboxCa {
  /** The CA certificate (PEM): what the container trusts. */
  readonly certificatePem: string
  readonly #x509: X509
  readonly #caCert: InstanceType<X509['X509Certificate']>
  readonly #caKeys: CryptoKeyPair
  readonly #leafKeys: CryptoKeyPair
  readonly #leafKeyPem: string
  readonly #contexts = new Map<string, Promise<tls.SecureContext>>()

  private constructor(
    x509: X509,
    caCert: InstanceType<X509['X509Certificate']>,
    caKeys: CryptoKeyPair,
    leafKeys: CryptoKeyPair,
    leafKeyPem: string,
  ) {
    this.#x509 = x509
    this.#caCert = caCert
    this.#caKeys = caKeys
    this.#leafKeys = leafKeys
    this.#leafKeyPem = leafKeyPem
    this.certificatePem = caCert.toString('pem')
  }

  /** A new CA (its key not extractable) and the key pair its host certificates share. */
  static async create(): Promise<SandboxCa> {
    const x509 = await loadX509()
    const subtle = webcrypto.subtle
    const caKeys = await subtle.generateKey(ALGORITHM, false, ['sign', 'verify'])
    const leafKeys = await subtle.generateKey(ALGORITHM, true, ['sign', 'verify'])
    const now = Date.now()
    const caCert = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: serialNumber(),
      name: 'CN=sandtier sandbox CA, O=sandtier',
      notBefore: new Date(now - BACKDATE_MS),
      notAfter: new Date(now + VALIDITY_MS),
      keys: caKeys,
      signingAlgorithm: ALGORITHM,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(
          x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
          true,
        ),
        await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
      ],
    })
    const pkcs8 = await subtle.exportKey('pkcs8', leafKeys.privateKey)
    const leafKeyPem = x509.PemConverter.encode(pkcs8, 'PRIVATE KEY')
    return new SandboxCa(x509, caCert, caKeys, leafKeys, leafKeyPem)
  }

  /**
   * The TLS context that presents a certificate for `host` (a name or an IP literal) signed by this CA.
   * @throws RangeError past MAX_HOST_CERTIFICATES hosts (a guest cannot make the host mint without end).
   */
  secureContextFor(host: string): Promise<tls.SecureContext> {
    let context = this.#contexts.get(host)
    if (context === undefined) {
      if (this.#contexts.size >= MAX_HOST_CERTIFICATES)
        return Promise.reject(new RangeError('too many host certificates'))
      context = this.#mint(host)
      this.#contexts.set(host, context)
      context.catch(() => this.#contexts.delete(host))
    }
    return context
  }

  async #mint(host: string): Promise<tls.SecureContext> {
    const x509 = this.#x509
    const now = Date.now()
    const name =
      isIP(host) === 0
        ? { type: 'dns' as const, value: host }
        : { type: 'ip' as const, value: host }
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: serialNumber(),
      subject: isIP(host) === 0 ? `CN=${host}` : 'CN=sandtier',
      issuer: this.#caCert.subject,
      notBefore: new Date(now - BACKDATE_MS),
      notAfter: new Date(now + VALIDITY_MS),
      publicKey: this.#leafKeys.publicKey,
      signingKey: this.#caKeys.privateKey,
      signingAlgorithm: ALGORITHM,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
        new x509.SubjectAlternativeNameExtension([name]),
        await x509.AuthorityKeyIdentifierExtension.create(this.#caCert),
      ],
    })
    return tls.createSecureContext({
      key: this.#leafKeyPem,
      cert: `${cert.toString('pem')}\n${this.certificatePem}`,
    })
  }
}
