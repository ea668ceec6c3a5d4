/**
 * I15-D: the data image (issue 15, Build 2 and 3) — `image: 'data'` is sandtier-sandbox-data:latest, built by
 * `scripts/build-image.sh --data` in this file's setup (a no-op when its recipe hash is up to date; cold ~several
 * minutes, docs/data-image.md): pandas on runc and runsc, matplotlib figures left open come back as PNG files
 * in result.files, files written under out/ too, the runner's preload, and the error when the image is missing.
 */
import { execFileSync } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { resolveConfig } from '../../../src/config.js'
import { DATA_IMAGE, DATA_IMAGE_MEMORY_BYTES } from '../../../src/config/container.js'
import {
  SandboxManager,
  TierUnavailableError,
  type OutputFile,
  type Sandbox,
} from '../../../src/index.js'
import { KINDS, closeManagerChecked, docker } from '../../fixtures/sandtier.js'

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])

/** Width and height from a PNG's IHDR chunk, after checking the signature and the chunk type. */
function pngSize(file: OutputFile | undefined): { width: number; height: number } {
  const bytes = Buffer.from(file?.bytes ?? [])
  expect(bytes.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true)
  expect(bytes.subarray(12, 16).toString('latin1')).toBe('IHDR')
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) }
}

// A figure whose only axes fill it (axis off): 'tight' adds pad_inches (0.1 in) around the figure, so the PNG
// is (4 + 0.2) × 50 by (2 + 0.2) × 50 pixels; Agg truncates the width, a float just under 210, to 209.
const ONE_FIGURE = `import matplotlib.pyplot as plt
fig = plt.figure(figsize=(4, 2), dpi=50)
ax = fig.add_axes([0, 0, 1, 1])
ax.plot([0, 1, 2], [2, 0, 1])
ax.set_axis_off()
'drawn'`

const manager = new SandboxManager()
afterAll(() => closeManagerChecked(manager))

beforeAll(() => {
  execFileSync('bash', ['scripts/build-image.sh', '--data'], {
    stdio: ['ignore', 'ignore', 'inherit'],
  })
}, 45 * 60_000)

describe('I15-D: the image option', () => {
  it("I15-D1: image 'data' is the data image, with a default memoryLimit of 512 MiB; an explicit one stays", () => {
    const data = resolveConfig({ image: 'data' })
    expect([data.container.image, data.memoryLimitBytes]).toEqual([
      DATA_IMAGE,
      DATA_IMAGE_MEMORY_BYTES,
    ])
    expect(resolveConfig({ image: 'data', memoryLimit: 300 * 2 ** 20 }).memoryLimitBytes).toBe(
      300 * 2 ** 20,
    )
  })

  it("I15-D2: image 'data' with the image missing rejects create with TierUnavailableError naming the build command", async () => {
    // Untag the image for the length of this test (another tag keeps its layers), then tag it back.
    const keep = `sandtier-sandbox-data:keep-${process.pid}`
    await docker
      .getImage(DATA_IMAGE)
      .tag({ repo: 'sandtier-sandbox-data', tag: `keep-${process.pid}` })
    const other = new SandboxManager()
    try {
      await docker.getImage(DATA_IMAGE).remove({ noprune: true })
      const error = await other.create({ type: 'docker', language: 'python', image: 'data' }).then(
        () => 'created',
        (e: unknown) => e,
      )
      expect(error).toBeInstanceOf(TierUnavailableError)
      expect((error as Error).message).toContain(
        `image "${DATA_IMAGE}" is missing (the data image is opt-in: build it with \`sudo bash scripts/build-image.sh --data\``,
      )
    } finally {
      await docker.getImage(keep).tag({ repo: 'sandtier-sandbox-data', tag: 'latest' })
      await docker.getImage(keep).remove({ noprune: true })
      await closeManagerChecked(other)
    }
  })
})

describe.each(KINDS)('I15-D: the data image on %s', (kind) => {
  let sb: Sandbox
  beforeAll(async () => {
    sb = await manager.create({ type: kind, language: 'python', image: 'data' })
  })
  afterAll(() => sb?.destroy())

  it('I15-D3: pandas sums a DataFrame', async () => {
    const r = await sb.execute({
      code: "import pandas as pd\nint(pd.DataFrame({'a': [1, 2], 'b': [3, 4]}).sum().sum())",
    })
    expect([r.status, r.value]).toEqual(['ok', 10])
  })

  it('I15-D4: a figure left open comes back as out/figure-1.png, a PNG of the figure size', async () => {
    const r = await sb.execute({ code: ONE_FIGURE })
    expect([r.status, r.value, r.files?.map((f) => [f.path, f.mimeType])]).toEqual([
      'ok',
      'drawn',
      [['out/figure-1.png', 'image/png']],
    ])
    expect(pngSize(r.files?.[0])).toEqual({ width: 209, height: 110 })
  })

  it('I15-D5: two open figures come back as two PNGs, in figure order, and are closed after the run', async () => {
    const r = await sb.execute({
      code: `${ONE_FIGURE}
plt.figure(figsize=(2, 2), dpi=50).add_axes([0, 0, 1, 1]).set_axis_off()
len(plt.get_fignums())`,
    })
    expect([r.status, r.value]).toEqual(['ok', 2])
    const sizes = [...(r.files ?? [])]
      .sort((a, b) => a.path.localeCompare(b.path))
      .map((f) => [f.path, pngSize(f)])
    expect(sizes).toEqual([
      ['out/figure-1.png', { width: 209, height: 110 }],
      ['out/figure-2.png', { width: 110, height: 110 }],
    ])
  })

  it('I15-D6: a run that draws no figure returns no file', async () => {
    const r = await sb.execute({ code: 'import numpy as np\nint(np.arange(5).sum())' })
    expect([r.status, r.value, r.files]).toEqual(['ok', 10, []])
  })

  it('I15-D7: a file the run writes under out/ comes back (a CSV from pandas)', async () => {
    const r = await sb.execute({
      code: "import os, pandas as pd\nos.makedirs('out', exist_ok=True)\npd.DataFrame({'a': [1, 2]}).to_csv('out/t.csv', index=False)",
    })
    expect([
      r.status,
      r.files?.map((f) => [f.path, Buffer.from(f.bytes ?? []).toString()]),
    ]).toEqual(['ok', [['out/t.csv', 'a\n1\n2\n']]])
  })
})

describe.each(KINDS)('I15-D: figures in a session on %s', (kind) => {
  it('I15-D13: each execute of a python session returns the figures it left open; the data it drew from stays', async () => {
    await using sb = await manager.create({ type: kind, language: 'python', image: 'data', session: true })
    const first = await sb.execute({ code: `xs = [2, 0, 1]\n${ONE_FIGURE}` })
    expect([first.status, first.files?.map((f) => f.path)]).toEqual(['ok', ['out/figure-1.png']])
    expect(pngSize(first.files?.[0])).toEqual({ width: 209, height: 110 })
    const second = await sb.execute({ code: 'import matplotlib.pyplot as plt\n[len(plt.get_fignums()), xs]' })
    expect([second.status, second.value, second.files]).toEqual(['ok', [0, [2, 0, 1]], []])
  })
})

describe.each(KINDS)('I15-D: the runner skips its preload below 192 MiB on %s', (kind) => {
  it('I15-D9: at 160 MiB pandas is not preloaded (runc: cgroup limit, runsc: MemTotal) and a run imports it itself', async () => {
    const sb = await manager.create({
      type: kind,
      language: 'python',
      image: 'data',
      memoryLimit: 160 * 2 ** 20,
    })
    try {
      const r = await sb.execute({
        code: `import sys
before = 'pandas' in sys.modules
import pandas as pd
[before, int(pd.Series([1, 2]).sum())]`,
      })
      expect([r.status, r.value]).toEqual(['ok', [false, 3]])
    } finally {
      await sb.destroy()
    }
  })
})

describe("I15-D: the figures hook and the run's exit (runc)", () => {
  let sb: Sandbox
  beforeAll(async () => {
    sb = await manager.create({ type: 'docker', language: 'python', image: 'data' })
  })
  afterAll(() => sb?.destroy())

  it('I15-D10: a figure that cannot be saved is a line on stderr; the run stays ok with its value', async () => {
    const r = await sb.execute({
      code: `${ONE_FIGURE}
def broken(*args, **kwargs):
    raise OSError('no room')
fig.savefig = broken
'still here'`,
    })
    expect([r.status, r.value, r.files, r.stderr]).toEqual([
      'ok',
      'still here',
      [],
      'sandtier: figures: figure 1 not saved: OSError: no room\n',
    ])
  })

  it('I15-D11: at most 20 figures are saved, and stderr says so', async () => {
    const r = await sb.execute({
      code: `import matplotlib.pyplot as plt
plt.rcParams['figure.max_open_warning'] = 0
for i in range(23):
    plt.figure(figsize=(1, 1), dpi=10)
None`,
    })
    expect([r.status, r.files?.length, r.stderr]).toEqual([
      'ok',
      20,
      'sandtier: figures: 23 figures open: the first 20 are saved\n',
    ])
  })

  it('I15-D12: a run forked from the preloaded runner ends as python does: threads joined, atexit run, exit code kept', async () => {
    const r = await sb.execute({
      code: `import atexit, sys, threading, time
atexit.register(lambda: print('atexit'))
threading.Thread(target=lambda: (time.sleep(0.2), print('thread'))).start()
print('main')
sys.exit(3)`,
    })
    expect([r.status, r.exitCode, r.stdout]).toEqual(['error', 3, 'main\nthread\natexit\n'])
  })
})

describe('I15-D: the runner preloads what the image declares (runc: the runner forks each run)', () => {
  it('I15-D8: pandas, numpy and matplotlib.pyplot are in sys.modules before the run imports anything', async () => {
    const sb = await manager.create({ type: 'docker', language: 'python', image: 'data' })
    try {
      const r = await sb.execute({
        code: "import sys\n[m in sys.modules for m in ('numpy', 'pandas', 'matplotlib.pyplot')]",
      })
      expect([r.status, r.value]).toEqual(['ok', [true, true, true]])
    } finally {
      await sb.destroy()
    }
  })
})
