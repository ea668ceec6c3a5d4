import type Dockerode from 'dockerode'
import { describe, expect, it, vi } from 'vitest'
import { resolveConfig } from '../../../src/config.js'
import { ConfigError, TierUnavailableError } from '../../../src/errors.js'
import { DockerTier } from '../../../src/tiers/docker.js'
import { GVisorTier } from '../../../src/tiers/gvisor.js'

/** An engine that answers info/version/image inspect, with the given runtimes and images. */
function fakeEngine(
  runtimes: string[],
  images: string[] = ['sandtier-sandbox:latest'],
  runscArgs = ['--network=host', '--host-uds=open', '--oci-seccomp'],
) {
  const createContainer = vi.fn(() => Promise.reject(new Error('must not be called')))
  const docker = {
    info: async () => ({
      ServerVersion: '20.10.24',
      Runtimes: Object.fromEntries(
        runtimes.map((r) => [r, r === 'runsc' ? { path: r, runtimeArgs: runscArgs } : { path: r }]),
      ),
      CgroupVersion: '1',
      CgroupDriver: 'cgroupfs',
      NCPU: 2,
    }),
    version: async () => ({ Version: '20.10.24', ApiVersion: '1.41' }),
    getImage: (name: string) => ({
      inspect: async () => {
        if (images.includes(name)) return { Id: name }
        throw Object.assign(new Error('no such image'), { statusCode: 404 })
      },
    }),
    listContainers: async () => [],
    createContainer,
  }
  return { docker: docker as unknown as Dockerode, createContainer }
}

describe('container tier preflight', () => {
  it('never runs the gvisor tier without runsc (no silent downgrade to runc)', async () => {
    const { docker, createContainer } = fakeEngine(['runc'])
    const tier = new GVisorTier({ docker })
    const error: unknown = await tier.createSandbox(resolveConfig()).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TierUnavailableError)
    expect((error as TierUnavailableError).message).toMatch(/no "runsc" runtime/)
    expect((error as TierUnavailableError).hint).toMatch(/engine-up\.sh.*runsc/)
    expect(createContainer).not.toHaveBeenCalled()
    expect(await tier.availability()).toMatchObject({ available: false })
    await tier.close()
  })

  it('never runs the gvisor tier on a runsc that would ignore the seccomp profile (no --oci-seccomp)', async () => {
    const { docker, createContainer } = fakeEngine(['runc', 'runsc'], undefined, ['--network=host'])
    const tier = new GVisorTier({ docker })
    await expect(tier.createSandbox(resolveConfig())).rejects.toThrow(
      /runs runsc without --oci-seccomp/,
    )
    expect(createContainer).not.toHaveBeenCalled()
    await tier.close()
  })

  it('refuses a sandbox uid range that reaches the host users (below 65536)', () => {
    const { docker } = fakeEngine(['runc'])
    expect(() => new DockerTier({ docker, sandboxUids: { first: 1000, count: 10 } })).toThrow(
      /sandboxUids/,
    )
  })

  it('reports a missing image as unavailable', async () => {
    const { docker } = fakeEngine(['runc', 'runsc'], [])
    const tier = new DockerTier({ docker })
    await expect(tier.createSandbox(resolveConfig())).rejects.toThrow(
      /image "sandtier-sandbox:latest" is missing/,
    )
    await tier.close()
  })

  it('refuses more CPUs than the engine host has and bad pool sizes', async () => {
    const { docker } = fakeEngine(['runc', 'runsc'])
    const tier = new DockerTier({ docker })
    await expect(tier.createSandbox(resolveConfig({ cpuQuota: 4 }))).rejects.toMatchObject({
      option: 'cpuQuota',
    })
    await tier.close()
    expect(() => new DockerTier({ poolSize: -1 })).toThrow(ConfigError)
  })

  it('validates configs before touching the engine', () => {
    const tier = new DockerTier({ docker: fakeEngine(['runc']).docker })
    expect(() => tier.validate(resolveConfig({ pidLimit: 8 }))).toThrow(ConfigError)
    expect(tier.languages).toEqual(['javascript', 'typescript', 'python', 'shell'])
    expect(tier.id).toBe('docker')
    expect(new GVisorTier({ docker: fakeEngine(['runsc']).docker }).runtime).toBe('runsc')
  })
})
