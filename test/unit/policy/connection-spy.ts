/**
 * Counts every outgoing HTTP(S) connection attempt of this process, whatever its destination, so tests can
 * prove that a refused request never opened a socket (not only that our loopback server saw nothing).
 */
import http from 'node:http'
import https from 'node:https'
import { vi } from 'vitest'

export interface ConnectionSpy {
  /** Connection attempts since the spy was installed. */
  attempts(): number
  restore(): void
}

export function spyOnConnections(): ConnectionSpy {
  const plain = vi.spyOn(http.Agent.prototype, 'createConnection')
  const secure = vi.spyOn(https.Agent.prototype, 'createConnection')
  return {
    attempts: () => plain.mock.calls.length + secure.mock.calls.length,
    restore: () => {
      plain.mockRestore()
      secure.mockRestore()
    },
  }
}
