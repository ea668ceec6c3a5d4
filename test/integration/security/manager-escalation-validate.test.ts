// Tiers check a config only in validate(), which the manager calls before createSandbox: an escalated run's
// config must be checked for the container tier it moves to, or an auto sandbox could ask for what the
// container tiers refuse (here a capability that gives the kernel away).
import { afterAll, describe, expect, it } from 'vitest'
import { SandboxManager } from '../../../src/index.js'

const manager = new SandboxManager()
afterAll(() => manager.close())

describe('escalation validates the config for its container tier', () => {
  it('I13-V: an auto sandbox asking for CAP_SYS_ADMIN is not escalated to docker; the first result keeps the ConfigError', async () => {
    const id = await manager.createSandbox({
      type: 'auto',
      trust: 'trusted',
      capabilities: ['SYS_ADMIN'],
    })
    const result = await manager.execute(
      id,
      "import { execSync } from 'node:child_process'; export default () => execSync('id').toString()",
    )
    await manager.destroy(id)
    expect(result).toMatchObject({
      tier: 'quickjs',
      status: 'error',
      escalations: [],
      error: {
        code: 'ERR_CAPABILITY_REQUIRED',
        cause: { name: 'ConfigError', code: 'ERR_CONFIG' },
      },
    })
    expect(result.error?.message).toMatch(/; escalation to docker failed: .*capabilities\[0\]/)
    expect((await manager.stats()).tiers.docker).toMatchObject({ sandboxes: 0 })
  })
})
