# sandtier resident runner: the seccomp filter it stacks on itself at start (runner.py), so that its runs can
# start threads under runsc. Loaded once by the runner, before any run.
import ctypes
import struct

# clone3 must fail with ENOSYS, so that glibc (pthread_create, posix_spawn) falls back to clone(2), whose
# namespace flags the profile checks. The OCI profile says so (errnoRet), but runsc 20221219 answers every
# SCMP_ACT_ERRNO rule with EPERM, whatever errnoRet and defaultErrnoRet say, and applies that profile to
# this process and everything it starts: no run could start a thread (node aborts in uv_thread_create,
# Python's threading fails). Execs are not affected: their filter comes from the image's preload, a BPF
# program gVisor runs as written. So the runner stacks a filter of its own on top: clone3 -> ENOSYS,
# everything else allowed. Stacked filters are all evaluated and the least permissive action wins; between
# two errno actions the newest filter's errno wins (Linux and gVisor alike). So this filter can never let
# through what the profile refuses: it only turns clone3's EPERM into ENOSYS, and clone3 still never
# reaches the kernel (or a Sentry that implements it). 435 is clone3 on every architecture sandtier runs on.
NR_CLONE3 = 435
SECCOMP_FILTER = (
    (0x20, 0, 0, 0),                       # BPF_LD|BPF_W|BPF_ABS: seccomp_data.nr
    (0x15, 0, 1, NR_CLONE3),               # BPF_JMP|BPF_JEQ|BPF_K
    (0x06, 0, 0, 0x00050000 | 38),         # BPF_RET: SECCOMP_RET_ERRNO | ENOSYS
    (0x06, 0, 0, 0x7FFF0000),              # BPF_RET: SECCOMP_RET_ALLOW
)


def stack_clone3_filter():
    program = ctypes.create_string_buffer(b''.join(struct.pack('HBBI', *i) for i in SECCOMP_FILTER))
    fprog = ctypes.create_string_buffer(struct.pack('HxxxxxxQ', len(SECCOMP_FILTER), ctypes.addressof(program)))
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_void_p, ctypes.c_ulong, ctypes.c_ulong]
    # PR_SET_NO_NEW_PRIVS (already set by no-new-privileges; needed for an unprivileged filter), then
    # PR_SET_SECCOMP with SECCOMP_MODE_FILTER.
    if libc.prctl(38, 1, None, 0, 0) != 0 or libc.prctl(22, 2, ctypes.addressof(fprog), 0, 0) != 0:
        raise OSError(ctypes.get_errno(), 'the runner could not install its clone3 filter')
