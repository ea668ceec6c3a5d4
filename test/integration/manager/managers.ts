/**
 * Managers a test file makes and closes after its tests, and what a manager loaded: the hedge and escalation
 * tests count containers by the container tiers a manager loaded (a tier never loaded never made one).
 */
import { afterAll } from 'vitest'
import { SandboxManager } from '../../../src/index.js'

/** A factory of managers that are all closed after the file's tests. */
export function managersClosedAfterAll(): () => SandboxManager {
  const managers: SandboxManager[] = []
  afterAll(async () => {
    await Promise.all(managers.map((m) => m.close()))
  })
  return () => {
    const manager = new SandboxManager()
    managers.push(manager)
    return manager
  }
}

/** The container tiers a manager has loaded. */
export async function containerTiers(manager: SandboxManager): Promise<string[]> {
  const { tiers } = await manager.stats()
  return Object.keys(tiers).filter((t) => t === 'docker' || t === 'gvisor')
}
