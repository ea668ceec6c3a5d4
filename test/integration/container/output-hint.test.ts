/**
 * The runner's out/ hint (runner.py output_written, work-files.ts): after a runner run that left out/ absent
 * or empty, the manager lists nothing (each listing is one `docker exec`, ~70 ms runc, ~200 ms runsc), and a
 * fresh container's /work is known empty before its first run. Proved from the host side: the engine's own
 * exec_create events for the test's containers during an execute. Runc and runsc.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { SandboxManager } from '../../../src/index.js'
import { LABEL_PID } from '../../../src/tiers/container/labels.js'
import { KINDS, closeManagerChecked, docker } from '../../fixtures/sandtier.js'
import { ensureImage } from './helpers.js'

ensureImage()

/** Execs the engine created in this process's containers while `fn` ran. */
async function execsDuring<T>(fn: () => Promise<T>): Promise<{ value: T; execs: number }> {
  const since = Date.now()
  const value = await fn()
  const until = Date.now()
  const stream = await docker.getEvents({
    since: Math.floor(since / 1000),
    until: Math.ceil(until / 1000),
    filters: JSON.stringify({
      type: ['container'],
      event: ['exec_create'],
      label: [`${LABEL_PID}=${process.pid}`],
    }),
  })
  let text = ''
  for await (const chunk of stream) text += String(chunk)
  const events = text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as { timeNano: number })
    .filter((e) => e.timeNano / 1e6 >= since && e.timeNano / 1e6 <= until + 5)
  return { value, execs: events.length }
}

describe.each(KINDS)('I15-O: the out/ hint on %s', (kind) => {
  const manager = new SandboxManager()
  afterAll(() => closeManagerChecked(manager))

  it('I15-O1: runs that write nothing under out/ cost no exec, the first one included', async () => {
    await using sb = await manager.create({ type: kind, language: 'python' })
    const first = await execsDuring(() => sb.execute({ code: '1+1' }))
    expect([first.value.status, first.value.value, first.value.files, first.execs]).toEqual([
      'ok',
      2,
      [],
      0,
    ])
    const second = await execsDuring(() =>
      sb.execute({ code: "open('notes.txt', 'w').write('x')" }),
    )
    expect([second.value.status, second.value.files, second.execs]).toEqual(['ok', [], 0])
  })

  it('I15-O2: a run that writes under out/ gets its file (listed by an exec); a quiet run after it lists nothing', async () => {
    await using sb = await manager.create({ type: kind, language: 'python' })
    const wrote = await execsDuring(() =>
      sb.execute({ code: "import os\nos.makedirs('out')\nopen('out/a.txt', 'w').write('hi')" }),
    )
    expect(wrote.value.files?.map((f) => [f.path, Buffer.from(f.bytes ?? []).toString()])).toEqual([
      ['out/a.txt', 'hi'],
    ])
    expect(wrote.execs).toBeGreaterThan(0)
    const emptied = await execsDuring(() =>
      sb.execute({ code: "import os\nos.remove('out/a.txt')\n1" }),
    )
    expect([emptied.value.status, emptied.value.files]).toEqual(['ok', []])
    const quiet = await execsDuring(() => sb.execute({ code: '2' }))
    expect([quiet.value.status, quiet.value.files, quiet.execs]).toEqual(['ok', [], 0])
  })

  it('I15-O3: a file the caller wrote under out/ is listed, and is not a file of the next run', async () => {
    await using sb = await manager.create({ type: kind, language: 'python' })
    await sb.writeFile('out/given.txt', 'given')
    const r = await sb.execute({ code: "open('out/given.txt').read()" })
    expect([r.status, r.value, r.files]).toEqual(['ok', 'given', []])
  })
})
