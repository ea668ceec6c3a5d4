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

describe('seccomp profile (runc, and runsc with --oci-seccomp)', () => {
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

  it('allows socket() for AF_UNIX, TCP/UDP over AF_INET/AF_INET6 and NETLINK_ROUTE only', () => {
    const rules = profile.syscalls
      .filter((r) => r.names.includes('socket'))
      .map((r) => r.args?.map((a) => `${a.index}${a.op.replace('SCMP_CMP_', ' ')} ${a.value}`))
    expect(rules).toEqual([
      ['0 EQ 1'],
      ['0 EQ 2', '2 EQ 0'],
      ['0 EQ 2', '2 EQ 6'],
      ['0 EQ 2', '2 EQ 17'],
      ['0 EQ 10', '2 EQ 0'],
      ['0 EQ 10', '2 EQ 6'],
      ['0 EQ 10', '2 EQ 17'],
      ['0 EQ 16', '2 EQ 0'],
    ])
    expect(profile.syscalls.filter((r) => r.names.includes('socketpair'))).toEqual([
      {
        names: ['socketpair'],
        action: 'SCMP_ACT_ALLOW',
        args: [{ index: 0, value: 1, op: 'SCMP_CMP_EQ' }],
      },
    ])
    // Every rule compares an argument once (libseccomp refuses a rule comparing one argument twice).
    for (const rule of profile.syscalls) {
      const indexes = (rule.args ?? []).map((a) => a.index)
      expect(new Set(indexes).size).toBe(indexes.length)
    }
  })

  it.each(['sync', 'syncfs', 'socketcall'])('refuses %s, which no rule allows', (name) => {
    expect(profile.syscalls.some((r) => r.names.includes(name))).toBe(false)
    expect(ALLOWED_SYSCALLS).not.toContain(name)
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
      'fsync',
      'fdatasync',
    ])
      expect(allowedAnyhow.has(name)).toBe(true)
    expect(JSON.parse(SECCOMP_PROFILE_JSON)).toEqual(profile)
  })
})
