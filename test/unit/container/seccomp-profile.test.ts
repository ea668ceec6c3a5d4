import { describe, expect, it } from 'vitest'
import {
  ALLOWED_SYSCALLS,
  DENIED_SYSCALLS,
  SECCOMP_PROFILE_JSON,
  seccompProfile,
} from '../../../src/tiers/container/seccomp-profile.js'

interface Rule {
  names: string[]
  action: string
  errnoRet?: number
  args?: Array<{ index: number; value: number; op: string }>
}

const profile = seccompProfile() as {
  defaultAction: string
  defaultErrnoRet: number
  syscalls: Rule[]
}
const allowedAnyhow = new Set(
  profile.syscalls.filter((r) => r.action === 'SCMP_ACT_ALLOW').flatMap((r) => r.names),
)

describe('seccomp profile (runc)', () => {
  it('denies by default with EPERM', () => {
    expect(profile.defaultAction).toBe('SCMP_ACT_ERRNO')
    expect(profile.defaultErrnoRet).toBe(1)
  })

  it.each(DENIED_SYSCALLS)('never allows %s', (name) => {
    expect(allowedAnyhow.has(name)).toBe(false)
  })

  it('has no duplicate names in the allowlist', () => {
    expect(new Set(ALLOWED_SYSCALLS).size).toBe(ALLOWED_SYSCALLS.length)
  })

  it('allows clone only without namespace flags, and makes clone3 fall back with ENOSYS', () => {
    const clone = profile.syscalls.find((r) => r.names.includes('clone'))
    expect(clone?.args?.[0]).toMatchObject({
      index: 0,
      value: 0x7e020000,
      op: 'SCMP_CMP_MASKED_EQ',
    })
    expect(profile.syscalls.find((r) => r.names.includes('clone3'))).toMatchObject({
      action: 'SCMP_ACT_ERRNO',
      errnoRet: 38,
    })
  })

  it('refuses AF_VSOCK sockets', () => {
    expect(profile.syscalls.find((r) => r.names.includes('socket'))?.args).toEqual([
      { index: 0, value: 40, op: 'SCMP_CMP_NE' },
    ])
  })

  it('keeps what sh, python3 and node need', () => {
    for (const name of [
      'execve',
      'clone',
      'wait4',
      'mmap',
      'futex',
      'epoll_wait',
      'openat',
      'statx',
      'pipe2',
    ])
      expect(allowedAnyhow.has(name)).toBe(true)
    expect(JSON.parse(SECCOMP_PROFILE_JSON)).toEqual(profile)
  })
})
