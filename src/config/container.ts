/** The container and host-function parts of a SandboxConfig: image, mounts, environment, callable names. */
import type { HostFunction, VolumeMount } from './options.js'
import { ConfigError } from '../errors.js'
import { MiB, optionalBoolean, plainObject } from './checks.js'

/** The data image (docs/data-image.md): numpy, pandas, matplotlib, scipy…; built locally, never pulled. */
export const DATA_IMAGE = 'sandtier-sandbox-data:latest'
/** The command that builds DATA_IMAGE (cached by recipe hash: a no-op when up to date). */
export const DATA_IMAGE_BUILD_COMMAND = 'sudo bash scripts/build-image.sh --data'
/**
 * Default memoryLimit of a sandbox on the data image. Its runner holds numpy, pandas and matplotlib,
 * imported once (~110 MiB of the container's cgroup), and a run that loads a DataFrame and draws a figure
 * needs room beside them; the 64 MiB default cannot even import pandas.
 */
export const DATA_IMAGE_MEMORY_BYTES = 512 * MiB

/** `image` shorthands → local image references. */
const IMAGE_SHORTHANDS: Readonly<Record<string, string>> = { data: DATA_IMAGE }

/**
 * The `image` option: a shorthand ('data') or an image reference; undefined → the default image.
 * @throws ConfigError naming `image`.
 */
export function resolveImage(value: unknown, defaultImage: string): string {
  if (value === undefined) return defaultImage
  if (typeof value !== 'string' || value.length === 0)
    throw new ConfigError('image', "an image name or 'data'", value)
  return IMAGE_SHORTHANDS[value] ?? value
}

/** The image's own default memoryLimit, when it needs more than the general default. */
export function imageDefaultMemoryBytes(image: string): number | undefined {
  return image === DATA_IMAGE ? DATA_IMAGE_MEMORY_BYTES : undefined
}

/** How to build a missing image sandtier knows the recipe of, as the end of a sentence (or ''). */
export function imageBuildHint(image: string): string {
  return image === DATA_IMAGE
    ? ` (the data image is opt-in: build it with \`${DATA_IMAGE_BUILD_COMMAND}\`, docs/data-image.md)`
    : ''
}

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
