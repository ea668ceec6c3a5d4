import { describe, expect, it } from 'vitest'
import { resolveConfig, type SandboxConfig } from '../../../src/config.js'
import { ConfigError } from '../../../src/errors.js'
import { checkContainerConfig } from '../../../src/tiers/container/container-config-check.js'

const check = (config: SandboxConfig, runtime: 'runc' | 'runsc' = 'runc'): void =>
  checkContainerConfig(resolveConfig(config), runtime)

describe('checkContainerConfig', () => {
  it('accepts the defaults on both runtimes', () => {
    expect(() => check({})).not.toThrow()
    expect(() => check({}, 'runsc')).not.toThrow()
  })

  it.each<[string, SandboxConfig, 'runc' | 'runsc']>([
    ['memoryLimit', { memoryLimit: 4 << 20 }, 'runc'],
    ['memoryLimit', { memoryLimit: 32 << 20 }, 'runsc'],
    ['pidLimit', { pidLimit: 8 }, 'runc'],
    ['image', { image: '--privileged' }, 'runc'],
    ['command', { command: [] }, 'runc'],
    ['capabilities[0]', { capabilities: ['SYS_ADMIN'] }, 'runc'],
    ['capabilities[1]', { capabilities: ['CHOWN', 'cap_sys_ptrace'] }, 'runc'],
    ['capabilities[0]', { capabilities: ['ALL'] }, 'runc'],
    // A sandbox that could change its uid could take another sandbox's per-uid kernel budgets.
    ['capabilities[0]', { capabilities: ['CAP_SETUID'] }, 'runc'],
    ['capabilities[1]', { capabilities: ['CHOWN', 'setgid'] }, 'runsc'],
    [
      'volumes[0].hostPath',
      { volumes: [{ hostPath: '/var/run/docker.sock', containerPath: '/s' }] },
      'runc',
    ],
  ])('refuses %s in %j on %s', (option, config, runtime) => {
    try {
      check(config, runtime)
      expect.unreachable()
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError)
      expect((error as ConfigError).option).toBe(option)
    }
  })
})
