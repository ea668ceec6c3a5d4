import { Duplex } from 'node:stream'
import tls from 'node:tls'
import { describe, expect, it } from 'vitest'
import { parseClientHello } from '../../../src/policy/tls-client-hello.js'

// The first bytes a real TLS client (node's OpenSSL) writes, captured without any network.
function captureClientHello(servername: string | undefined): Promise<Buffer> {
  return new Promise((resolve) => {
    const socket = new Duplex({
      read() {},
      write(chunk: Buffer, _encoding, callback) {
        resolve(chunk)
        callback()
        setImmediate(() => socket.destroy())
      },
    })
    const tlsSocket = tls.connect({ socket, ...(servername === undefined ? {} : { servername }) })
    tlsSocket.on('error', () => undefined)
  })
}

// Re-frames one record's handshake message into records of at most `size` bytes each.
function fragment(hello: Buffer, size: number): Buffer {
  const message = hello.subarray(5)
  const records: Buffer[] = []
  for (let i = 0; i < message.length; i += size) {
    const part = message.subarray(i, i + size)
    const header = Buffer.from([0x16, 0x03, 0x01, 0, 0])
    header.writeUInt16BE(part.length, 3)
    records.push(header, part)
  }
  return Buffer.concat(records)
}

describe('parseClientHello', () => {
  it('reads the SNI of a real ClientHello, lower-cased', async () => {
    const hello = await captureClientHello('API.Allowed.Test')
    expect(parseClientHello(hello)).toEqual({ kind: 'hello', serverName: 'api.allowed.test' })
  })

  it('reports a hello without SNI (what TLS clients send for IP literals)', async () => {
    const hello = await captureClientHello('')
    expect(parseClientHello(hello)).toEqual({ kind: 'hello', serverName: undefined })
  })

  it('asks for more bytes until the hello is complete, at every split point', async () => {
    const hello = await captureClientHello('api.allowed.test')
    for (const cut of [0, 1, 4, 5, 9, 40, hello.length - 1])
      expect(parseClientHello(hello.subarray(0, cut))).toEqual({ kind: 'incomplete' })
  })

  it('reassembles a handshake message split over several records', async () => {
    const hello = await captureClientHello('api.allowed.test')
    const split = fragment(hello, 50)
    expect(parseClientHello(split)).toEqual({ kind: 'hello', serverName: 'api.allowed.test' })
    expect(parseClientHello(split.subarray(0, split.length - 3))).toEqual({ kind: 'incomplete' })
  })

  it.each([
    ['plain HTTP', Buffer.from('GET / HTTP/1.1\r\nHost: api.allowed.test\r\n\r\n')],
    ['an alert record', Buffer.from([0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x28])],
    ['a server hello', Buffer.from([0x16, 0x03, 0x03, 0x00, 0x04, 0x02, 0x00, 0x00, 0x00])],
    ['an empty record', Buffer.from([0x16, 0x03, 0x01, 0x00, 0x00])],
  ])('refuses %s', (_what, bytes) => {
    expect(parseClientHello(bytes)).toEqual({ kind: 'invalid' })
  })

  it('refuses a hello whose lengths overrun it', async () => {
    const hello = Buffer.from(await captureClientHello('api.allowed.test'))
    // session id length byte (after record 5 + handshake 4 + version 2 + random 32) set past the end
    hello[5 + 4 + 2 + 32] = 0xff
    hello.writeUInt16BE(hello.length - 5, 3)
    expect(parseClientHello(hello).kind).not.toBe('hello')
  })

  it('refuses two SNI extensions (one name for the proxy, another for the server)', async () => {
    const hello = await captureClientHello('api.allowed.test')
    const name = Buffer.from('api.allowed.test')
    const start = hello.indexOf(name)
    // extension header: type(2) len(2) list_len(2) name_type(1) name_len(2) sits 9 bytes before the name
    const extension = hello.subarray(start - 9, start + name.length)
    const message = hello.subarray(9)
    const extLenAt = findExtensionsLength(message)
    const patched = Buffer.concat([
      hello.subarray(0, 9 + extLenAt + 2),
      extension,
      message.subarray(extLenAt + 2),
    ])
    patched.writeUInt16BE(message.readUInt16BE(extLenAt) + extension.length, 9 + extLenAt)
    patched.writeUIntBE(patched.length - 9, 6, 3)
    patched.writeUInt16BE(patched.length - 5, 3)
    expect(parseClientHello(patched)).toEqual({ kind: 'invalid' })
  })
})

// Offset of the extensions length within a ClientHello body (after version, random, session id, suites,
// compression methods).
function findExtensionsLength(body: Buffer): number {
  let at = 2 + 32
  at += 1 + (body[at] as number)
  at += 2 + body.readUInt16BE(at)
  at += 1 + (body[at] as number)
  return at
}
