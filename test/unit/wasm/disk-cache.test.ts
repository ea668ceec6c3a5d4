import { readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { DiskCache } from '../../../src/tiers/wasm/disk-cache.js'
import { contentKey } from '../../../src/tiers/wasm/module-cache.js'
import { tempCacheDir } from '../../fixtures/wasm/tier-helpers.js'

const key = contentKey('source')

describe('DiskCache', () => {
  it('round-trips bytes atomically, with a hash', async () => {
    const dir = tempCacheDir()
    const cache = new DiskCache(dir)
    await cache.write(key, Uint8Array.from([0, 97, 115, 109]))
    expect(await readdir(dir)).toEqual([`${key}.wasm`])
    expect([...((await cache.read(key)) ?? [])]).toEqual([0, 97, 115, 109])
  })

  it('ignores and removes entries whose hash does not match', async () => {
    const dir = tempCacheDir()
    const cache = new DiskCache(dir)
    await cache.write(key, Uint8Array.from([1, 2, 3]))
    const file = join(dir, `${key}.wasm`)
    const content = await readFile(file)
    content[content.length - 1] = 9
    await writeFile(file, content)
    expect(await cache.read(key)).toBeUndefined()
    expect(await readdir(dir)).toEqual([])
  })

  it('misses cleanly and refuses keys that are not digests', async () => {
    const cache = new DiskCache(tempCacheDir())
    expect(await cache.read(contentKey('other'))).toBeUndefined()
    await expect(cache.read('../../etc/passwd')).resolves.toBeUndefined()
  })
})
