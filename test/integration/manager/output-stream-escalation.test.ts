/**
 * Issue 14, streaming (I14-5) across an escalation: the quickjs attempt's output streams tagged quickjs,
 * then the container re-runs the code from its start and its output streams tagged with its tier.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { SandboxManager } from '../../../src/index.js'
import type { OutputChunk } from '../../../src/types.js'

const manager = new SandboxManager()
afterAll(() => manager.close())

describe('I14-5: streaming across an escalation', () => {
  it("I14-5: auto mode streams the quickjs attempt's 'a', then the container's; the result is the container's", async () => {
    const seen: OutputChunk[] = []
    const sb = await manager.create({})
    try {
      // The module name is computed, so quickjs runs the code (and prints) before it finds the need.
      const result = await sb.execute({
        code: "console.log('a'); const name = 'node:' + 'child_process'; await import(name); 'done'",
        onOutput: (chunk) => seen.push(chunk),
      })
      expect(result.escalations).toEqual([
        { from: 'quickjs', to: 'gvisor', reason: 'capability:child_process' },
      ])
      expect(result).toMatchObject({ status: 'ok', tier: 'gvisor', value: 'done', stdout: 'a\n' })
      expect(seen).toEqual([
        { stream: 'stdout', text: 'a\n', tier: 'quickjs' },
        { stream: 'stdout', text: 'a\n', tier: 'gvisor' },
      ])
    } finally {
      await sb.destroy()
    }
  })
})
