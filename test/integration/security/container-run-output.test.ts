/**
 * K5 (issue 21 item 5): a report line the guest forges with its own nonce and never ends is no way around
 * the output cap. The run stops with 'output' as soon as the report passes its cap, within seconds, after the
 * guest wrote at most the engine's buffers past it (it used to stream 1.1 GiB on runc in 4 s under a 64 KiB
 * cap).
 */
import { beforeAll, describe, expect } from 'vitest'
import { KINDS, test } from '../../fixtures/sandtier.js'
import { ensureImage, request } from '../container/helpers.js'

beforeAll(() => ensureImage())

const CAP_BYTES = 64 * 1024
/** The report's own cap: maxOutputBytes plus 16 KiB for an error description (container-sandbox.ts). */
const REPORT_CAP_BYTES = CAP_BYTES + 16 * 1024
/** What a flood may still push into the engine's buffers after the host stopped reading. */
const ENGINE_BUFFER_BOUND_BYTES = 4 * 1024 * 1024

/**
 * Finds the harness's nonce in its frames, opens a report line with it and floods stderr without ever ending
 * the line; /work/written holds how many bytes the flood got out, updated after every write.
 */
const FORGED_FLOOD = `
import os, sys
frame, nonce = sys._getframe(), None
while frame is not None and nonce is None:
    nonce = frame.f_locals.get('nonce')
    frame = frame.f_back
assert nonce, 'no nonce found'
os.write(2, b'\\0sandtier:' + nonce.encode() + b':{"value":"')
fd = os.open('/work/written', os.O_WRONLY | os.O_CREAT)
chunk, written = b'x' * 65536, 0
while True:
    written += os.write(2, chunk)
    os.pwrite(fd, str(written).encode().ljust(20), 0)
`

describe.each(KINDS)('%s: the output cap and a forged report (K5)', (kind) => {
  test.override({
    kind,
    containerConfig: { limits: { executionTime: 30_000, maxOutputBytes: CAP_BYTES } },
  })

  test("K5: a forged, never-ended report line flooding stderr stops with 'output' within seconds", async ({
    containerSandbox: sandbox,
  }) => {
    const started = Date.now()
    const result = await sandbox.execute(request(FORGED_FLOOD, 'python'))
    const tookMs = Date.now() - started
    expect(result).toMatchObject({ status: 'output', error: { code: 'ERR_OUTPUT' } })
    expect(tookMs).toBeLessThan(5000)
    const written = Number(
      Buffer.from(await sandbox.readFile('/work/written'))
        .toString()
        .trim(),
    )
    // Past the cap the host stops reading, so the flood blocks once the engine's buffers are full (~2 MiB
    // measured on both runtimes) until the killer stops it: a bound of its own, whatever the flood's speed.
    expect(written).toBeGreaterThan(REPORT_CAP_BYTES)
    expect(written).toBeLessThan(ENGINE_BUFFER_BOUND_BYTES)
    // The sandbox goes on with its files.
    expect(await sandbox.execute(request('echo ok'))).toMatchObject({
      status: 'ok',
      stdout: 'ok\n',
    })
  })
})
