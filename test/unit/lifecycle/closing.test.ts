import { describe, expect, it } from 'vitest'
import { SandboxClosedError } from '../../../src/errors.js'
import { Closing, type Closable } from '../../../src/lifecycle/closing.js'

/** A Closing that records when its own part ran, and can be told to wait or to fail there. */
class Part extends Closing {
  hookCalls = 0
  constructor(
    readonly name: string,
    readonly log: string[],
    readonly hook: () => Promise<void> = () => Promise.resolve(),
  ) {
    super(name)
  }

  take<T extends Closable>(child: T): T {
    return this.adopt(child)
  }

  count(): number {
    return this.owned(Part).length
  }

  check(): void {
    this.assertOpen()
  }

  protected async onClose(): Promise<void> {
    this.hookCalls++
    this.log.push(`${this.name}:start`)
    await this.hook()
    this.log.push(`${this.name}:end`)
  }
}

function gate(): { wait: () => Promise<void>; open: () => void } {
  let open!: () => void
  const opened = new Promise<void>((resolve) => (open = resolve))
  return { wait: () => opened, open }
}

describe('Closing', () => {
  it('a second close() waits for the end of the first, and the hook runs once', async () => {
    const log: string[] = []
    const { wait, open } = gate()
    const part = new Part('p', log, wait)
    const first = part.close()
    const second = part.close()
    expect(second).toBe(first)
    let secondEnded = false
    void second.then(() => (secondEnded = true))
    // A full turn of the event loop: the first close is still held by its hook, so the second is too.
    await new Promise((resolve) => setImmediate(resolve))
    expect(secondEnded).toBe(false)
    open()
    await second
    expect(log).toEqual(['p:start', 'p:end'])
    expect(part.hookCalls).toBe(1)
  })

  it('closed is true from the first call, before the hook ended', () => {
    const part = new Part('p', [], () => new Promise(() => undefined))
    expect(part.closed).toBe(false)
    void part.close()
    expect(part.closed).toBe(true)
    expect(() => part.check()).toThrow(SandboxClosedError)
  })

  it('children close in reverse order of adoption, each after the previous ended, then the owner', async () => {
    const log: string[] = []
    const owner = new Part('owner', log)
    for (const name of ['a', 'b', 'c']) {
      // Each child's hook takes a turn of the event loop: a later child must still wait for it.
      owner.take(new Part(name, log, () => new Promise((resolve) => setImmediate(resolve))))
    }
    await owner.close()
    expect(log).toEqual([
      'c:start',
      'c:end',
      'b:start',
      'b:end',
      'a:start',
      'a:end',
      'owner:start',
      'owner:end',
    ])
  })

  it('a child that closes first leaves its owner, which does not close it again', async () => {
    const log: string[] = []
    const owner = new Part('owner', log)
    const a = owner.take(new Part('a', log))
    const b = owner.take(new Part('b', log))
    await a.close()
    expect(owner.count()).toBe(1)
    await owner.close()
    expect(a.hookCalls).toBe(1)
    expect(b.hookCalls).toBe(1)
    expect(log).toEqual(['a:start', 'a:end', 'b:start', 'b:end', 'owner:start', 'owner:end'])
  })

  it('a child adopted by a closed owner is closed at once and adopt throws SandboxClosedError', async () => {
    const owner = new Part('owner', [])
    await owner.close()
    const child = new Part('child', [])
    expect(() => owner.take(child)).toThrow(SandboxClosedError)
    expect(child.closed).toBe(true)
  })

  it('await using closes at the end of the block', async () => {
    const log: string[] = []
    {
      await using part = new Part('p', log)
      log.push(`in block, closed=${String(part.closed)}`)
    }
    expect(log).toEqual(['in block, closed=false', 'p:start', 'p:end'])
  })

  it('a failing hook still marks closed and rejects both callers with the same error', async () => {
    const failure = new Error('hook failed')
    const part = new Part('p', [], () => Promise.reject(failure))
    const first = part.close()
    const second = part.close()
    const reasons = await Promise.allSettled([first, second])
    expect(reasons).toEqual([
      { status: 'rejected', reason: failure },
      { status: 'rejected', reason: failure },
    ])
    expect(part.closed).toBe(true)
    await expect(part.close()).rejects.toBe(failure)
  })

  it('a failing child does not stop its siblings or the owner; the owner rejects with its failure', async () => {
    const log: string[] = []
    const failure = new Error('child failed')
    const owner = new Part('owner', log)
    owner.take(new Part('a', log))
    owner.take(new Part('b', log, () => Promise.reject(failure)))
    await expect(owner.close()).rejects.toBe(failure)
    expect(log).toEqual(['b:start', 'a:start', 'a:end', 'owner:start', 'owner:end'])
  })
})
