/**
 * The egress proxy's HTTPS path for a host that has secrets: instead of splicing the tunnel, the proxy ends
 * the client's TLS itself with a certificate for the CONNECT host from the sandbox's own CA (sandbox-ca.ts),
 * reads each request inside, and forwards it like a plain-HTTP one (proxy-http.ts: admitted again, values
 * in place of placeholders toward that host only, responses scrubbed), over a new TLS connection to the
 * checked address that verifies the server in full. The tunnel only ever reaches its CONNECT host.
 */
import http from 'node:http'
import { Duplex } from 'node:stream'
import tls from 'node:tls'
import { stripBrackets } from './domain-rules.js'
import type { EgressRun } from './egress-run.js'
import { forwardHttp } from './proxy-http.js'
import type { SandboxCa } from './sandbox-ca.js'

/**
 * Serves the requests of one terminated tunnel until it closes or `signal` aborts.
 * @throws the minting error (then nothing was sent to the client yet but the 200 of the CONNECT).
 */
export async function terminateTls(
  run: EgressRun,
  ca: SandboxCa,
  client: Duplex,
  hello: Buffer,
  target: URL,
  signal: AbortSignal,
): Promise<void> {
  const context = await ca.secureContextFor(stripBrackets(target.hostname))
  const secure = new tls.TLSSocket(replay(client, hello), {
    isServer: true,
    secureContext: context,
    ALPNProtocols: ['http/1.1'],
  })
  const server = http.createServer({ requireHostHeader: false }, (req, res) => {
    void forwardHttp(run, req, res, target)
  })
  server.on('clientError', (_error, socket: Duplex) => socket.destroy())
  await new Promise<void>((resolve) => {
    const end = (): void => {
      signal.removeEventListener('abort', end)
      secure.destroy()
      client.destroy()
      resolve()
    }
    if (signal.aborted) return end()
    signal.addEventListener('abort', end, { once: true })
    secure.on('error', end)
    secure.on('close', end)
    client.on('close', end)
    server.emit('connection', secure)
  })
}

// The client's socket with the ClientHello (already read to check its SNI) put back in front: a stream of
// its own, so TLS reads it from JavaScript rather than from the socket's handle, which no longer has it.
function replay(client: Duplex, hello: Buffer): Duplex {
  const stream = new Duplex({
    read() {
      client.resume()
    },
    write(chunk: Buffer, _encoding, callback) {
      client.write(chunk, callback)
    },
    final(callback) {
      client.end()
      callback()
    },
    destroy(error, callback) {
      client.destroy()
      callback(error)
    },
  })
  stream.push(hello)
  client.on('data', (chunk: Buffer) => {
    if (!stream.push(chunk)) client.pause()
  })
  client.on('end', () => stream.push(null))
  client.on('error', (error) => stream.destroy(error))
  return stream
}
