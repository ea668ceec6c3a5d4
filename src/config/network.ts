/** The network part of a SandboxConfig, resolved: deny by default, ports, limits per request. */
import { X509Certificate } from 'node:crypto'
import type { ResolvedNetworkConfig } from './options.js'
import { ConfigError } from '../errors.js'
import {
  MAX_BYTES,
  MAX_MS,
  MiB,
  optionalBoolean,
  optionalNumber,
  plainObject,
  portArray,
  stringArray,
} from './checks.js'
import { resolveSecrets } from './secrets.js'

export function resolveNetwork(config: Record<string, unknown>): ResolvedNetworkConfig {
  const network = plainObject('network', config['network'])
  const resolve = network['resolve']
  if (resolve !== undefined && typeof resolve !== 'function')
    throw new ConfigError('network.resolve', 'a function (hostname) => addresses', resolve)
  const limits = plainObject('limits', config['limits'])
  return {
    enabled: optionalBoolean('networkEnabled', config['networkEnabled']) ?? false,
    allowedDomains: stringArray('allowedDomains', config['allowedDomains']),
    blockedPorts: portArray('blockedPorts', config['blockedPorts'], [22, 25, 3389, 5900]),
    allowedPorts: portArray('network.allowedPorts', network['allowedPorts'], [80, 443]),
    allowPrivateCidrs: stringArray('network.allowPrivateCidrs', network['allowPrivateCidrs']),
    resolve: resolve as ResolvedNetworkConfig['resolve'],
    maxResponseBytes:
      optionalNumber('network.maxResponseBytes', network['maxResponseBytes'], {
        min: 1,
        max: MAX_BYTES,
        integer: true,
      }) ?? 10 * MiB,
    maxRequestBytes:
      optionalNumber('network.maxRequestBytes', network['maxRequestBytes'], {
        min: 0,
        max: MAX_BYTES,
        integer: true,
      }) ?? 10 * MiB,
    maxRequests:
      optionalNumber('network.maxRequests', network['maxRequests'], {
        min: 0,
        max: 100_000,
        integer: true,
      }) ?? 50,
    requestTimeoutMs:
      optionalNumber('network.requestTimeoutMs', network['requestTimeoutMs'], {
        min: 1,
        max: MAX_MS,
      }) ?? 10_000,
    bandwidthBytesPerSec:
      optionalNumber('limits.networkBandwidth', limits['networkBandwidth'], {
        min: 1,
        max: MAX_BYTES,
      }) ?? 10 * MiB,
    caCertificates: resolveCertificates(network['caCertificates']),
    secrets: resolveSecrets(config['secrets']),
  }
}

function resolveCertificates(value: unknown): string[] {
  const pems = stringArray('network.caCertificates', value)
  pems.forEach((pem, i) => {
    try {
      new X509Certificate(pem)
    } catch {
      throw new ConfigError(`network.caCertificates[${i}]`, 'a PEM certificate', pem)
    }
  })
  return pems
}
