/**
 * The seccomp profile of the container tiers: an allowlist that is a strict subset of Docker's default profile
 * (moby profiles/seccomp/default.json), so everything Docker blocks stays blocked, and more is blocked on top:
 * ptrace and cross-process memory access, io_uring, fanotify, handle-based opens, clock adjustment, mknod,
 * sync/syncfs (a host-wide flush of every dirty page) are gone, and no capability re-enables mount, unshare,
 * setns, bpf, perf, modules or kexec. Sockets are limited to the families a program on loopback needs:
 * AF_UNIX, AF_INET/AF_INET6 with TCP or UDP, and AF_NETLINK with NETLINK_ROUTE only (getifaddrs; glibc's
 * getaddrinfo with AI_ADDRCONFIG). So no kernel uevents (NETLINK_KOBJECT_UEVENT: the host's device events
 * reach any container of the initial user namespace), no AF_ALG, AF_VSOCK, AF_PACKET or rarely used families
 * whose socket() would autoload a kernel module, no SCTP. The x86 multiplexer socketcall is refused: its
 * arguments sit in memory, where a filter cannot check the family.
 * Unknown and newer syscalls fail with EPERM; clone3 fails with ENOSYS so glibc falls back to clone, whose
 * namespace flags are refused (the same argument filter Docker uses).
 *
 * runsc applies the profile inside the sandbox when it runs with --oci-seccomp (scripts/engine-up.sh), to the
 * container's init process only; processes started by `docker exec` get it from the image's preload
 * (images/base/seccomp-preload.c, fed by seccompRules). There it is what refuses nested user, pid and net
 * namespaces, which gVisor otherwise grants with full capabilities, and mknod (so no guest-made FIFOs).
 */

/** Syscalls the profile allows for every process (x86_64, x86, x32, aarch64, arm names). */
// prettier-ignore
export const ALLOWED_SYSCALLS: readonly string[] = [
  // processes, threads, signals
  'arch_prctl', 'exit', 'exit_group', 'execve', 'execveat', 'fork', 'vfork', 'wait4', 'waitid', 'waitpid',
  'kill', 'tkill', 'tgkill', 'pidfd_open', 'pidfd_send_signal', 'getpid', 'getppid', 'gettid', 'getpgid',
  'getpgrp', 'getsid', 'setpgid', 'setsid', 'set_tid_address', 'set_robust_list', 'get_robust_list',
  'rseq', 'prctl', 'getpriority', 'setpriority', 'sched_yield', 'sched_getaffinity', 'sched_setaffinity',
  'sched_getparam', 'sched_setparam', 'sched_getscheduler', 'sched_setscheduler', 'sched_getattr',
  'sched_setattr', 'sched_get_priority_max', 'sched_get_priority_min', 'sched_rr_get_interval',
  'sched_rr_get_interval_time64', 'getcpu', 'ioprio_get', 'ioprio_set', 'getrlimit', 'setrlimit',
  'ugetrlimit', 'prlimit64', 'getrusage', 'times', 'rt_sigaction', 'rt_sigpending', 'rt_sigprocmask',
  'rt_sigqueueinfo', 'rt_sigreturn', 'rt_sigsuspend', 'rt_sigtimedwait', 'rt_sigtimedwait_time64',
  'rt_tgsigqueueinfo', 'sigaltstack', 'sigprocmask', 'sigreturn', 'signalfd', 'signalfd4', 'pause',
  'restart_syscall', 'alarm', 'getitimer', 'setitimer',
  // credentials (no capabilities: only within the current ids)
  'getuid', 'getuid32', 'geteuid', 'geteuid32', 'getgid', 'getgid32', 'getegid', 'getegid32', 'getresuid',
  'getresuid32', 'getresgid', 'getresgid32', 'getgroups', 'getgroups32', 'setuid', 'setuid32', 'setgid',
  'setgid32', 'setreuid', 'setreuid32', 'setregid', 'setregid32', 'setresuid', 'setresuid32', 'setresgid',
  'setresgid32', 'setfsuid', 'setfsuid32', 'setfsgid', 'setfsgid32', 'setgroups', 'setgroups32', 'capget',
  'capset',
  // memory
  'brk', 'mmap', 'mmap2', 'munmap', 'mremap', 'mprotect', 'madvise', 'mincore', 'msync', 'mlock', 'mlock2',
  'mlockall', 'munlock', 'munlockall', 'membarrier', 'memfd_create', 'remap_file_pages', 'pkey_alloc',
  'pkey_free', 'pkey_mprotect',
  // files and directories
  'open', 'openat', 'openat2', 'creat', 'close', 'close_range', 'read', 'readv', 'pread64', 'preadv',
  'preadv2', 'write', 'writev', 'pwrite64', 'pwritev', 'pwritev2', 'lseek', '_llseek', 'dup', 'dup2', 'dup3',
  'fcntl', 'fcntl64', 'ioctl', 'flock', 'fsync', 'fdatasync', 'sync_file_range',
  'fadvise64', 'fadvise64_64', 'readahead', 'fallocate', 'ftruncate', 'ftruncate64', 'truncate',
  'truncate64', 'stat', 'stat64', 'lstat', 'lstat64', 'fstat', 'fstat64', 'fstatat64', 'newfstatat', 'statx',
  'statfs', 'statfs64', 'fstatfs', 'fstatfs64', 'access', 'faccessat', 'faccessat2', 'getcwd', 'chdir',
  'fchdir', 'mkdir', 'mkdirat', 'rmdir', 'rename', 'renameat', 'renameat2', 'link', 'linkat', 'unlink',
  'unlinkat', 'symlink', 'symlinkat', 'readlink', 'readlinkat', 'chmod', 'fchmod', 'fchmodat', 'chown',
  'chown32', 'fchown', 'fchown32', 'fchownat', 'lchown', 'lchown32', 'umask', 'utime', 'utimes',
  'utimensat', 'utimensat_time64', 'futimesat', 'getdents', 'getdents64', 'getxattr', 'lgetxattr',
  'fgetxattr', 'listxattr', 'llistxattr', 'flistxattr', 'setxattr', 'lsetxattr', 'fsetxattr', 'removexattr',
  'lremovexattr', 'fremovexattr', 'copy_file_range', 'sendfile', 'sendfile64', 'splice', 'tee', 'vmsplice',
  'pipe', 'pipe2', 'inotify_init', 'inotify_init1', 'inotify_add_watch', 'inotify_rm_watch',
  // polling, events, time
  'select', '_newselect', 'pselect6', 'pselect6_time64', 'poll', 'ppoll', 'ppoll_time64', 'epoll_create',
  'epoll_create1', 'epoll_ctl', 'epoll_wait', 'epoll_pwait', 'epoll_pwait2', 'eventfd', 'eventfd2',
  'futex', 'futex_time64', 'futex_waitv', 'nanosleep', 'clock_nanosleep', 'clock_nanosleep_time64',
  'clock_gettime', 'clock_gettime64', 'clock_getres', 'clock_getres_time64', 'gettimeofday', 'time',
  'timer_create', 'timer_delete', 'timer_getoverrun', 'timer_gettime', 'timer_gettime64', 'timer_settime',
  'timer_settime64', 'timerfd_create', 'timerfd_gettime', 'timerfd_gettime64', 'timerfd_settime',
  'timerfd_settime64', 'getrandom', 'uname', 'sysinfo',
  // sockets (the network namespace has only loopback); socket and socketpair by family, see seccompProfile
  'bind', 'listen', 'accept', 'accept4', 'connect', 'getsockname', 'getpeername',
  'getsockopt', 'setsockopt', 'shutdown', 'send', 'sendto', 'sendmsg', 'sendmmsg', 'recv', 'recvfrom',
  'recvmsg', 'recvmmsg', 'recvmmsg_time64',
  // System V and POSIX IPC (private to the container's IPC namespace)
  'ipc', 'shmget', 'shmat', 'shmdt', 'shmctl', 'semget', 'semop', 'semtimedop', 'semtimedop_time64',
  'semctl', 'msgget', 'msgsnd', 'msgrcv', 'msgctl', 'mq_open', 'mq_unlink', 'mq_timedsend',
  'mq_timedsend_time64', 'mq_timedreceive', 'mq_timedreceive_time64', 'mq_notify', 'mq_getsetattr',
  // sandboxing a process further is always allowed
  'seccomp', 'landlock_create_ruleset', 'landlock_add_rule', 'landlock_restrict_self',
]

/**
 * Syscalls the profile must never allow; the unit tests check the allowlist against it and the integration
 * tests show a few of them failing with EPERM inside a runc sandbox.
 */
// prettier-ignore
export const DENIED_SYSCALLS: readonly string[] = [
  'ptrace', 'process_vm_readv', 'process_vm_writev', 'process_madvise', 'kcmp', 'pidfd_getfd',
  'mount', 'umount', 'umount2', 'mount_setattr', 'move_mount', 'open_tree', 'fsopen', 'fsconfig',
  'fsmount', 'fspick', 'pivot_root', 'chroot', 'unshare', 'setns', 'clone3',
  'keyctl', 'add_key', 'request_key', 'bpf', 'userfaultfd', 'perf_event_open', 'kexec_load',
  'kexec_file_load', 'init_module', 'finit_module', 'delete_module', 'swapon', 'swapoff', 'reboot',
  'acct', 'syslog', 'lookup_dcookie', 'quotactl', 'quotactl_fd', 'open_by_handle_at',
  'name_to_handle_at', 'fanotify_init', 'fanotify_mark', 'io_uring_setup', 'io_uring_enter',
  'io_uring_register', 'iopl', 'ioperm', 'settimeofday', 'stime', 'clock_settime', 'clock_settime64',
  'adjtimex', 'clock_adjtime', 'clock_adjtime64', 'sethostname', 'setdomainname', 'mknod', 'mknodat',
  'vhangup', 'nfsservctl', 'modify_ldt', 'uselib', 'ustat', 'sysfs',
  '_sysctl', 'get_mempolicy', 'set_mempolicy', 'mbind', 'move_pages', 'migrate_pages', 'memfd_secret',
  'sync', 'syncfs', 'socketcall',
]

/** clone flags that create namespaces: CLONE_NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET. */
const CLONE_NAMESPACE_FLAGS = 0x7e020000

const AF_UNIX = 1
const AF_INET = 2
const AF_INET6 = 10
const AF_NETLINK = 16
const NETLINK_ROUTE = 0
/** The protocol argument of an AF_INET/AF_INET6 socket: the default for its type, TCP or UDP. */
const INET_PROTOCOLS = [0, 6, 17]

/**
 * socket(family, type, protocol) rules, one per allowed (family, protocol): rules for one syscall are ORed,
 * the comparisons within a rule ANDed (each argument is compared once, as libseccomp requires).
 */
export const SOCKET_RULES: ReadonlyArray<{ family: number; protocol?: number }> = [
  { family: AF_UNIX },
  ...[AF_INET, AF_INET6].flatMap((family) =>
    INET_PROTOCOLS.map((protocol) => ({ family, protocol })),
  ),
  { family: AF_NETLINK, protocol: NETLINK_ROUTE },
]

const EPERM = 1
const ENOSYS = 38

/** The profile as the Docker API expects it after `seccomp=` in HostConfig.SecurityOpt. */
export function seccompProfile(): object {
  return {
    defaultAction: 'SCMP_ACT_ERRNO',
    defaultErrnoRet: EPERM,
    archMap: [
      { architecture: 'SCMP_ARCH_X86_64', subArchitectures: ['SCMP_ARCH_X86', 'SCMP_ARCH_X32'] },
      { architecture: 'SCMP_ARCH_AARCH64', subArchitectures: ['SCMP_ARCH_ARM'] },
    ],
    syscalls: [
      { names: [...ALLOWED_SYSCALLS], action: 'SCMP_ACT_ALLOW' },
      // socket(2) for the families and protocols of SOCKET_RULES only.
      ...SOCKET_RULES.map(({ family, protocol }) => ({
        names: ['socket'],
        action: 'SCMP_ACT_ALLOW',
        args: [
          { index: 0, value: family, op: 'SCMP_CMP_EQ' },
          ...(protocol === undefined ? [] : [{ index: 2, value: protocol, op: 'SCMP_CMP_EQ' }]),
        ],
      })),
      // socketpair(2) for AF_UNIX only (AF_TIPC also has socketpairs, and a module to autoload).
      {
        names: ['socketpair'],
        action: 'SCMP_ACT_ALLOW',
        args: [{ index: 0, value: AF_UNIX, op: 'SCMP_CMP_EQ' }],
      },
      // personality(2) only with the values Docker allows (the default, READ_IMPLIES_EXEC-free ones).
      ...[0, 8, 0x20000, 0x20008, 0xffffffff].map((value) => ({
        names: ['personality'],
        action: 'SCMP_ACT_ALLOW',
        args: [{ index: 0, value, op: 'SCMP_CMP_EQ' }],
      })),
      // clone(2) without namespace flags (a thread or a plain fork).
      {
        names: ['clone'],
        action: 'SCMP_ACT_ALLOW',
        args: [{ index: 0, value: CLONE_NAMESPACE_FLAGS, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }],
      },
      // ENOSYS, not EPERM: glibc and runtimes then fall back to clone(2) instead of failing.
      { names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: ENOSYS },
    ],
  }
}

/** The profile serialized once: it is sent with every container create. */
export const SECCOMP_PROFILE_JSON: string = JSON.stringify(seccompProfile())

/** libseccomp's enum scmp_compare. */
const SCMP_OPS: Readonly<Record<string, number>> = {
  SCMP_CMP_NE: 1,
  SCMP_CMP_LT: 2,
  SCMP_CMP_LE: 3,
  SCMP_CMP_EQ: 4,
  SCMP_CMP_GE: 5,
  SCMP_CMP_GT: 6,
  SCMP_CMP_MASKED_EQ: 7,
}

interface ProfileRule {
  names: string[]
  action: string
  errnoRet?: number
  args?: Array<{ index: number; value: number; valueTwo?: number; op: string }>
}

/**
 * The profile in the compact form of images/base/seccomp-preload.c, which installs it in processes that
 * runsc starts with `exec` (runsc applies the OCI profile to the container's init process only).
 */
export function seccompRules(): string {
  const profile = seccompProfile() as { defaultErrnoRet: number; syscalls: ProfileRule[] }
  const statements = [`default ${profile.defaultErrnoRet}`]
  for (const rule of profile.syscalls) {
    const action = rule.action === 'SCMP_ACT_ALLOW' ? 'allow' : String(rule.errnoRet ?? EPERM)
    if (action === 'allow' && rule.args === undefined) {
      statements.push(`allow ${rule.names.join(' ')}`)
      continue
    }
    const comparisons = (rule.args ?? []).map((a) => {
      const op = SCMP_OPS[a.op]
      if (op === undefined) throw new Error(`seccompRules: unknown comparison ${a.op}`)
      return `${a.index},${op},${a.value},${a.valueTwo ?? 0}`
    })
    for (const name of rule.names) statements.push(['rule', action, name, ...comparisons].join(' '))
  }
  return statements.join(';')
}

/** seccompRules() computed once: it is in the environment of every runsc container. */
export const SECCOMP_RULES: string = seccompRules()
