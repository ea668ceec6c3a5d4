/** The container and host-function parts of a SandboxConfig: mounts, environment, callable names. */
import type { HostFunction, VolumeMount } from './options.js'
import { ConfigError } from '../errors.js'
import { optionalBoolean, plainObject } from './checks.js'

export function resolveVolumes(value: unknown): VolumeMount[] {
  if (value === undefined) return []
  if (!Array.isArray(value))
    throw new ConfigError('volumes', 'an array of { hostPath, containerPath }', value)
  return value.map((v: unknown, i) => {
    const o = plainObject(`volumes[${i}]`, v)
    if (typeof o['hostPath'] !== 'string' || !o['hostPath'].startsWith('/'))
      throw new ConfigError(`volumes[${i}].hostPath`, 'an absolute path', o['hostPath'])
    if (typeof o['containerPath'] !== 'string' || !o['containerPath'].startsWith('/'))
      throw new ConfigError(`volumes[${i}].containerPath`, 'an absolute path', o['containerPath'])
    return {
      hostPath: o['hostPath'],
      containerPath: o['containerPath'],
      readOnly: optionalBoolean(`volumes[${i}].readOnly`, o['readOnly']) ?? true,
    }
  })
}

export function resolveEnv(value: unknown): Record<string, string> {
  const env = plainObject('env', value)
  for (const [k, v] of Object.entries(env)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k))
      throw new ConfigError('env', 'variable names [A-Za-z_][A-Za-z0-9_]*', k)
    if (typeof v !== 'string') throw new ConfigError(`env.${k}`, 'a string', v)
  }
  return env as Record<string, string>
}

export function resolveHostFunctions(value: unknown): Record<string, HostFunction> {
  const fns = plainObject('hostFunctions', value)
  for (const [name, fn] of Object.entries(fns)) {
    if (!/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name))
      throw new ConfigError('hostFunctions', 'identifier names', name)
    if (typeof fn !== 'function') throw new ConfigError(`hostFunctions.${name}`, 'a function', fn)
  }
  return fns as Record<string, HostFunction>
}
