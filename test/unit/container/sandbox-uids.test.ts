import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ConfigError, SandboxError } from '../../../src/errors.js'
import {
  bindUid,
  checkUidRange,
  checkUidRangeOnHost,
  DEFAULT_SANDBOX_UIDS,
  heldUidCount,
  releaseContainerUid,
  releaseUid,
  SandboxUids,
} from '../../../src/tiers/container/sandbox-uids.js'

describe('SandboxUids', () => {
  it('hands out every uid of its range once, then refuses with ERR_CAPACITY', () => {
    const uids = new SandboxUids({ first: 200_000, count: 3 })
    const taken = [uids.allocate(), uids.allocate(), uids.allocate()]
    expect([...taken].sort()).toEqual([200_000, 200_001, 200_002])
    let error: unknown
    try {
      uids.allocate()
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(SandboxError)
    expect((error as SandboxError).code).toBe('ERR_CAPACITY')
    taken.forEach(releaseUid)
  })

  it('shares held uids between allocators of the process and frees a container uid at its removal', () => {
    const a = new SandboxUids({ first: 300_000, count: 2 })
    const b = new SandboxUids({ first: 300_000, count: 2 })
    const before = heldUidCount()
    const first = a.allocate()
    const second = b.allocate()
    expect(second).not.toBe(first)
    bindUid('container-1', first)
    releaseContainerUid('container-1')
    releaseContainerUid('container-1')
    expect(b.allocate()).toBe(first)
    releaseUid(first)
    releaseUid(second)
    expect(heldUidCount()).toBe(before)
  })

  it.each([
    { first: 1000, count: 10 },
    { first: 0x7fff_fff0, count: 100 },
    { first: 200_000, count: 0 },
    { first: 200_000.5, count: 1 },
  ])('refuses the range %o', (range) => {
    expect(() => checkUidRange(range)).toThrow(ConfigError)
  })

  it('defaults to 2^20 uids from 0x70000000, above the host user and subordinate id ranges', () => {
    expect(DEFAULT_SANDBOX_UIDS).toEqual({ first: 1_879_048_192, count: 1_048_576 })
    expect(new SandboxUids().range).toEqual(DEFAULT_SANDBOX_UIDS)
  })
})

describe('checkUidRangeOnHost', () => {
  async function hostFiles(
    passwd: string,
    subuid: string,
  ): Promise<Array<[string, 'ids' | 'subids']>> {
    const dir = await mkdtemp(join(tmpdir(), 'sandtier-uids-'))
    await writeFile(join(dir, 'passwd'), passwd)
    await writeFile(join(dir, 'subuid'), subuid)
    return [
      [join(dir, 'passwd'), 'ids'],
      [join(dir, 'subuid'), 'subids'],
      [join(dir, 'missing'), 'ids'],
    ]
  }

  it('accepts a range no host user or subordinate range touches', async () => {
    const files = await hostFiles(
      'root:x:0:0::/root:/bin/sh\nbob:x:1000:1000::/home/bob:/bin/sh\n',
      'bob:100000:65536\n',
    )
    await expect(checkUidRangeOnHost({ first: 165_536, count: 10 }, files)).resolves.toBeUndefined()
  })

  it('refuses a range that holds a host user', async () => {
    const files = await hostFiles('eve:x:200005:200005::/home/eve:/bin/sh\n', '')
    await expect(checkUidRangeOnHost({ first: 200_000, count: 10 }, files)).rejects.toThrow(
      /passwd assigns 200005/,
    )
  })

  it('refuses a range that overlaps a subordinate id range', async () => {
    const files = await hostFiles('', 'bob:100000:65536\n')
    await expect(checkUidRangeOnHost({ first: 165_535, count: 10 }, files)).rejects.toThrow(
      /subuid assigns 100000…165535/,
    )
  })

  it('finds no host user in the default range on this host', async () => {
    await expect(checkUidRangeOnHost(DEFAULT_SANDBOX_UIDS)).resolves.toBeUndefined()
  })
})
