import { describe, expect, it } from 'vitest'
import { isOrphan, isProcessAlive } from '../../../src/tiers/container/orphans.js'
import type { SessionIdentity } from '../../../src/tiers/container/labels.js'

const self: SessionIdentity = { sessionId: 'mine', pid: process.pid, bootId: 'boot-a' }
// A pid far above pid_max defaults is never alive.
const DEAD_PID = 4_194_000

describe('orphan detection', () => {
  it('knows live and dead processes', () => {
    expect(isProcessAlive(process.pid)).toBe(true)
    expect(isProcessAlive(1)).toBe(true)
    expect(isProcessAlive(DEAD_PID)).toBe(false)
    expect(isProcessAlive(-1)).toBe(false)
  })

  it.each([
    [
      'our own session',
      { sandtier: '1', 'sandtier.session': 'mine', 'sandtier.pid': String(DEAD_PID) },
      false,
    ],
    [
      'a live owner',
      { sandtier: '1', 'sandtier.session': 'x', 'sandtier.pid': '1', 'sandtier.boot': 'boot-a' },
      false,
    ],
    [
      'a dead owner',
      {
        sandtier: '1',
        'sandtier.session': 'x',
        'sandtier.pid': String(DEAD_PID),
        'sandtier.boot': 'boot-a',
      },
      true,
    ],
    [
      'another boot',
      { sandtier: '1', 'sandtier.session': 'x', 'sandtier.pid': '1', 'sandtier.boot': 'boot-b' },
      true,
    ],
    ['no owner pid', { sandtier: '1', 'sandtier.session': 'x' }, false],
    ['not ours at all', { 'sandtier.session': 'x', 'sandtier.pid': String(DEAD_PID) }, false],
  ])('%s', (_name, labels, orphan) => {
    expect(isOrphan(labels, self)).toBe(orphan)
  })
})
