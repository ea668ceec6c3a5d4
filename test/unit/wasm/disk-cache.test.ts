import { readdir, readFile, stat, utimes, writeFile } from 'node:fs/promises'
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

  it('stays under maxBytes: the least recently used entries go, a read keeps an entry recent', async () => {
    const dir = tempCacheDir()
    const cache = new DiskCache(dir, { maxBytes: 500_000 })
    const keys = Array.from({ length: 6 }, (_, i) => contentKey(`module ${i}`))
    const size = 90_000
    const onDisk = async (): Promise<number> => {
      let total = 0
      for (const name of await readdir(dir)) total += (await stat(join(dir, name))).size
      return total
    }
    // entries 0..3 written "long ago", in that order; then entry 0 is read, which makes it recent
    for (const [i, k] of keys.slice(0, 4).entries()) {
      await cache.write(k, new Uint8Array(size).fill(i))
      const past = new Date(Date.now() - (100 - i) * 1000)
      await utimes(join(dir, `${k}.wasm`), past, past)
    }
    expect((await cache.read(keys[0] as string))?.[0]).toBe(0)
    // the 6th entry takes the cache past 500 kB: entries go oldest first until it is at 80 % (400 kB)
    for (const [i, k] of keys.slice(4).entries())
      await cache.write(k, new Uint8Array(size).fill(i + 4))
    expect(await onDisk()).toBeLessThanOrEqual(400_000)
    const left = (await readdir(dir)).map((n) => keys.findIndex((k) => n === `${k}.wasm`))
    expect(left.sort()).toEqual([0, 3, 4, 5]) // without the read, 0 would have gone first
    expect([...((await cache.read(keys[5] as string)) ?? [])].slice(0, 2)).toEqual([5, 5])
  })

  it('counts entries another process wrote, and leaves files that are not entries alone', async () => {
    const dir = tempCacheDir()
    const other = new DiskCache(dir, { maxBytes: 10_000_000 })
    for (let i = 0; i < 5; i++) await other.write(contentKey(`o${i}`), new Uint8Array(100_000))
    await writeFile(join(dir, 'notes.txt'), 'x'.repeat(300_000))
    const cache = new DiskCache(dir, { maxBytes: 300_000 })
    await cache.write(key, new Uint8Array(100_000))
    const names = await readdir(dir)
    expect(names).toContain('notes.txt')
    expect(names).toContain(`${key}.wasm`)
    expect(names.filter((n) => n.endsWith('.wasm')).length).toBeLessThanOrEqual(2)
  })
})
