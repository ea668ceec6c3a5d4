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

  it('refuses more pages than memoryLimit holds, naming maxMemoryPages', () => {
    const config = resolveConfig({ memoryLimit: 1 << 20, maxMemoryPages: 17 })
    let error: unknown
    try {
      tier.validate(config)
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as ConfigError).option).toBe('maxMemoryPages')
  })
})
