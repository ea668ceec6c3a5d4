import { describe, expect, it } from 'vitest'
import { cgroupDirs, keyedValue } from '../../../src/tiers/container/cgroup-stats.js'

describe('cgroup files', () => {
  it('reads flat keyed files (memory.oom_control, pids.events, cpu.stat)', () => {
    const oom = 'oom_kill_disable 0\nunder_oom 0\noom_kill 3\n'
    expect(keyedValue(oom, 'oom_kill')).toBe(3)
    expect(keyedValue('max 12\n', 'max')).toBe(12)
    expect(keyedValue('usage_usec 1500\nuser_usec 1000\n', 'usage_usec')).toBe(1500)
    expect(keyedValue(oom, 'missing')).toBeUndefined()
    expect(keyedValue(undefined, 'max')).toBeUndefined()
  })

  it('knows where cgroupfs and systemd put a container', () => {
    expect(cgroupDirs('abc', { cgroupVersion: '1', cgroupDriver: 'cgroupfs' }, 'memory')).toEqual([
      '/sys/fs/cgroup/memory/docker/abc',
      '/sys/fs/cgroup/memory/system.slice/docker-abc.scope',
    ])
    expect(cgroupDirs('abc', { cgroupVersion: '2', cgroupDriver: 'systemd' }, '')[0]).toBe(
      '/sys/fs/cgroup/system.slice/docker-abc.scope',
    )
  })
})
