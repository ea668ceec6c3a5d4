/**
 * Reads the server name (SNI) out of a TLS ClientHello, so the egress proxy can check that a CONNECT tunnel
 * carries TLS for the host it was opened for (no domain fronting through an allowed tunnel). Only parses; the
 * bytes are forwarded unchanged.
 */

/** The outcome of parsing the first bytes a client sent. */
export type ClientHelloResult =
  /** More bytes are needed. */
  | { kind: 'incomplete' }
  /** Not a TLS ClientHello, or malformed. */
  | { kind: 'invalid' }
  /** A complete ClientHello; `serverName` is lower case, undefined when it has no SNI extension. */
  | { kind: 'hello'; serverName: string | undefined }

/** Largest ClientHello accepted (RFC 8446 allows 2^24, but real ones fit in one 16 KiB record). */
export const MAX_CLIENT_HELLO_BYTES = 64 * 1024

const RECORD_HANDSHAKE = 0x16
const HANDSHAKE_CLIENT_HELLO = 0x01
const EXTENSION_SERVER_NAME = 0x0000
const NAME_TYPE_HOST = 0x00

/**
 * Parses the ClientHello at the start of `data` (the first bytes of a tunnel). A handshake message split over
 * several records is reassembled.
 * @example parseClientHello(firstBytes) // { kind: 'hello', serverName: 'api.example.com' }
 */
export function parseClientHello(data: Buffer): ClientHelloResult {
  const handshake = reassemble(data)
  if (handshake.kind !== 'complete') return handshake
  return readClientHello(handshake.message)
}

type Reassembled =
  { kind: 'incomplete' } | { kind: 'invalid' } | { kind: 'complete'; message: Buffer }

// Concatenates handshake-record fragments until the first handshake message is complete.
function reassemble(data: Buffer): Reassembled {
  const fragments: Buffer[] = []
  let length = 0
  for (let offset = 0; ;) {
    if (data.length < offset + 5) return incompleteUnlessTooLong(data)
    if (data[offset] !== RECORD_HANDSHAKE || data[offset + 1] !== 0x03) return { kind: 'invalid' }
    const recordLength = data.readUInt16BE(offset + 3)
    if (recordLength === 0 || recordLength > 16384 + 2048) return { kind: 'invalid' }
    if (data.length < offset + 5 + recordLength) return incompleteUnlessTooLong(data)
    fragments.push(data.subarray(offset + 5, offset + 5 + recordLength))
    length += recordLength
    offset += 5 + recordLength
    const joined = Buffer.concat(fragments, length)
    if (joined.length >= 4) {
      if (joined[0] !== HANDSHAKE_CLIENT_HELLO) return { kind: 'invalid' }
      const messageLength = joined.readUIntBE(1, 3)
      if (messageLength + 4 > MAX_CLIENT_HELLO_BYTES) return { kind: 'invalid' }
      if (joined.length >= messageLength + 4)
        return { kind: 'complete', message: joined.subarray(4, 4 + messageLength) }
    }
  }
}

function incompleteUnlessTooLong(data: Buffer): Reassembled {
  return data.length > MAX_CLIENT_HELLO_BYTES ? { kind: 'invalid' } : { kind: 'incomplete' }
}

// ClientHello body: version(2) random(32) session_id<1> cipher_suites<2> compression<1> extensions<2>.
function readClientHello(body: Buffer): ClientHelloResult {
  const reader = new Reader(body)
  reader.skip(2 + 32)
  reader.skip(reader.u8())
  reader.skip(reader.u16())
  reader.skip(reader.u8())
  if (reader.failed) return { kind: 'invalid' }
  // A hello without extensions (SSLv3-era) has no SNI.
  if (reader.remaining === 0) return { kind: 'hello', serverName: undefined }
  const extensions = reader.slice(reader.u16())
  if (reader.failed) return { kind: 'invalid' }
  let serverName: string | undefined
  while (extensions.remaining > 0) {
    const type = extensions.u16()
    const data = extensions.slice(extensions.u16())
    if (extensions.failed) return { kind: 'invalid' }
    if (type !== EXTENSION_SERVER_NAME) continue
    // Two SNI extensions would let a client show one name to us and another to the server.
    if (serverName !== undefined) return { kind: 'invalid' }
    const name = readServerName(data)
    if (name === undefined) return { kind: 'invalid' }
    serverName = name
  }
  return { kind: 'hello', serverName }
}

// server_name_list<2> of (name_type(1) HostName<2>); exactly one host_name entry is accepted.
function readServerName(data: Reader): string | undefined {
  const list = data.slice(data.u16())
  const type = list.u8()
  const name = list.slice(list.u16())
  if (data.failed || list.failed || type !== NAME_TYPE_HOST || list.remaining !== 0)
    return undefined
  const bytes = name.rest()
  // RFC 6066: ASCII (A-labels), no trailing dot; anything else cannot be compared safely.
  if (bytes.length === 0 || bytes.some((b) => b <= 0x20 || b >= 0x7f)) return undefined
  return bytes.toString('latin1').toLowerCase()
}

class Reader {
  readonly #data: Buffer
  #offset = 0
  failed = false

  constructor(data: Buffer) {
    this.#data = data
  }

  get remaining(): number {
    return this.#data.length - this.#offset
  }

  u8(): number {
    if (!this.#ensure(1)) return 0
    return this.#data.readUInt8(this.#offset++)
  }

  u16(): number {
    if (!this.#ensure(2)) return 0
    const value = this.#data.readUInt16BE(this.#offset)
    this.#offset += 2
    return value
  }

  skip(n: number): void {
    if (this.#ensure(n)) this.#offset += n
  }

  slice(n: number): Reader {
    const start = this.#offset
    this.skip(n)
    return new Reader(this.failed ? Buffer.alloc(0) : this.#data.subarray(start, start + n))
  }

  rest(): Buffer {
    return this.#data.subarray(this.#offset)
  }

  #ensure(n: number): boolean {
    if (this.failed || this.remaining < n) this.failed = true
    return !this.failed
  }
}
