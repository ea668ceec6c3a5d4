/**
 * Carrying a sandbox's files into its next container (container-rotation.ts carryFiles): /work and /tmp move
 * whole (links, modes) and belong to the new sandbox uid; an archive past the bound is cut inside the sandbox,
 * so no more than the bound reaches the host, and nothing is carried. The rotation itself runs under runsc only
 * (rotation.test.ts); the carrying is the same on both runtimes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ResolvedConfig } from '../../../src/config.js'
import { carryBoundBytes, carryFiles } from '../../../src/tiers/container/container-rotation.js'
import type { ContainerSandbox } from '../../../src/tiers/container/container-sandbox.js'
import {
  KINDS,
  config,
  docker,
  ensureImage,
  expectNoContainers,
  makeTier,
  request,
} from './helpers.js'

beforeAll(() => ensureImage())

const LIST = `const fs = require('node:fs')
const st = (p) => { try { const s = fs.lstatSync(p); return [s.isSymbolicLink() ? 'link' : s.size, (s.mode & 0o777).toString(8), s.uid === process.getuid()] } catch { return 'missing' } }
[st('/work/keep/data.txt'), st('/work/link'), st('/tmp/scratch.bin'), st('/work/big.sparse')]`

describe.each(KINDS)('%s: carrying files to a new container', (kind) => {
  const tier = makeTier(kind, { poolSize: 0 })
  const opened: ContainerSandbox[] = []
  const pair = async (): Promise<[ContainerSandbox, ContainerSandbox, ResolvedConfig]> => {
    const cfg = config({ type: kind, language: 'javascript' })
    const made = [await tier.createSandbox(cfg), await tier.createSandbox(cfg)]
    opened.push(...made)
    return [made[0]!, made[1]!, cfg]
  }
  const containerOf = async (s: ContainerSandbox) => docker.getContainer(await s.containerId())
  afterAll(async () => {
    await Promise.all(opened.map((s) => s.close()))
    await tier.close()
    await expectNoContainers(tier)
  })

  it('I17-M2: /work and /tmp arrive whole, with links and modes, owned by the new sandbox user', async () => {
    const [from, to, cfg] = await pair()
    const setup = await from.execute(
      request(
        "const fs = require('node:fs'); fs.mkdirSync('/work/keep'); fs.writeFileSync('/work/keep/data.txt', 'kept', { mode: 0o640 }); fs.symlinkSync('keep/data.txt', '/work/link'); fs.writeFileSync('/tmp/scratch.bin', Buffer.alloc(1e5, 7)); 1",
        'javascript',
      ),
    )
    expect(setup.status).toBe('ok')
    await carryFiles(await containerOf(from), await containerOf(to), cfg)
    expect(await to.execute(request(LIST, 'javascript'))).toMatchObject({
      status: 'ok',
      value: [[4, '640', true], ['link', '777', true], [100000, '644', true], 'missing'],
    })
  })

  it('I17-M3: an archive past the bound (a sparse file counts its apparent size) is cut in the sandbox and nothing is carried', async () => {
    const [from, to, cfg] = await pair()
    const bound = carryBoundBytes(cfg)
    const setup = await from.execute(
      request(
        `const fs = require('node:fs'); fs.writeFileSync('/work/small.txt', 'x'); const fd = fs.openSync('/work/big.sparse', 'w'); fs.ftruncateSync(fd, ${bound * 4}); fs.closeSync(fd); 1`,
        'javascript',
      ),
    )
    expect(setup.status).toBe('ok')
    await expect(carryFiles(await containerOf(from), await containerOf(to), cfg)).rejects.toThrow(
      `the archive is larger than ${bound} bytes`,
    )
    const left = await to.execute(
      request("require('node:fs').readdirSync('/work').length", 'javascript'),
    )
    expect(left).toMatchObject({ status: 'ok', value: 0 })
  })
})
