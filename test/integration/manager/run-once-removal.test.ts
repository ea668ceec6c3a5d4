/**
 * A one-shot run on a container tier (run(), manager.runOnce) answers once the run is done, not once its
 * container is removed through the engine (~100-700 ms); the removal goes on in the background and close()
 * waits for it, so nothing is left (the fixture's leak check: no container labelled with this process's pid).
 * An in-process sandbox is still closed before the result comes back.
 */
import { KINDS, expect, test } from '../../fixtures/sandtier.js'

for (const kind of KINDS) {
  test(`I15-R1: runOnce on ${kind} resolves before its sandbox's destroy, and close() waits for the removal`, async ({
    manager,
  }) => {
    const order: string[] = []
    manager.on('destroy', () => order.push('destroy'))
    const r = await manager.runOnce({ type: kind, language: 'python' }, 'print(6 * 7)')
    order.push('result')
    expect([r.status, r.stdout]).toEqual(['ok', '42\n'])
    expect(manager.list()).toEqual([])
    await manager.close()
    expect(order).toEqual(['result', 'destroy'])
  })
}

test('I15-R2: runOnce on quickjs has closed its sandbox when it resolves', async ({ manager }) => {
  const order: string[] = []
  manager.on('destroy', () => order.push('destroy'))
  const r = await manager.runOnce({ type: 'quickjs' }, '6 * 7')
  order.push('result')
  expect([r.status, r.value, order]).toEqual(['ok', 42, ['destroy', 'result']])
  expect((await manager.stats()).totals.destroyed).toBe(1)
})
