import net from 'node:net'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { loopbackPolicy, startServer, type LocalServer } from './local-server.js'
import { proxyRequest, startProxy, type ProxyFixture } from './proxy-client.js'

let server: LocalServer
let fixture: ProxyFixture | undefined
const clients: net.Socket[] = []

beforeEach(async () => {
  server = await startServer((_req, res) => res.end('hello'))
})

afterEach(async () => {
  for (const socket of clients.splice(0)) socket.destroy()
  await fixture?.close()
  fixture = undefined
  await server.close()
})

/** Opens a raw connection to the proxy; resolves with whether the proxy kept it open for 100 ms. */
function connectRaw(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(socketPath)
    clients.push(socket)
    const timer = setTimeout(() => resolve(true), 100)
    const closed = (): void => {
      clearTimeout(timer)
      resolve(false)
    }
    socket.once('close', closed)
    socket.once('error', closed)
  })
}

describe('egress proxy: connections a guest can hold open (D19)', () => {
  it('past maxConnections a new connection is closed at once and counted as denied', async () => {
    fixture = await startProxy(
      loopbackPolicy(server.port, () => ['127.0.0.1']),
      {
        maxConnections: 4,
      },
    )
    const { proxy } = fixture
    proxy.beginRun({ deadline: Date.now() + 10_000 })
    const kept = await Promise.all(Array.from({ length: 10 }, () => connectRaw(proxy.socketPath)))
    expect(kept.filter(Boolean)).toHaveLength(4)
    // the four held connections still count: a request now is refused too
    await expect(proxyRequest(proxy, `http://api.allowed.test:${server.port}/`)).rejects.toThrow()
    expect(proxy.endRun().deniedRequests).toBe(7)

    // once the guest lets go, connections are accepted again
    for (const socket of clients.splice(0)) socket.destroy()
    await new Promise((r) => setTimeout(r, 50))
    proxy.beginRun({ deadline: Date.now() + 10_000 })
    const res = await proxyRequest(proxy, `http://api.allowed.test:${server.port}/`)
    expect(res.body).toBe('hello')
    expect(proxy.endRun()).toMatchObject({ requests: 1, deniedRequests: 0 })
  })
})
