import { describe, expect, it } from 'vitest'
import { resolveConfig } from '../../../src/config.js'
import { ConfigError } from '../../../src/errors.js'
import { WasmTier } from '../../../src/tiers/wasm/wasm-tier.js'

const tier = new WasmTier({ cacheDir: false })

describe('WasmTier.validate', () => {
  it('accepts the wasm languages and pages within memoryLimit', () => {
    expect(() =>
      tier.validate(
        resolveConfig({ language: 'assemblyscript', memoryLimit: 4 << 20, maxMemoryPages: 64 }),
      ),
    ).not.toThrow()
    expect(() => tier.validate(resolveConfig({ language: 'wasm' }))).not.toThrow()
  })

  it.each([
    [{ language: 'python' as const }, 'language'],
    [{ memoryLimit: 1 << 20, maxMemoryPages: 17 }, 'maxMemoryPages'],
  ])('refuses %j naming %s', (config, option) => {
    expect(() => tier.validate(resolveConfig(config))).toThrow(ConfigError)
    try {
      tier.validate(resolveConfig(config))
    } catch (error) {
      expect((error as ConfigError).option).toBe(option)
    }
  })
})
