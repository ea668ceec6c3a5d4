# sandtier: a run's (or a session interpreter's) place in line for the OOM killer, set in the forked child.
# Under runc the kernel reads it: a run at 1000 is killed before the runner (the keeper's process tree holds
# the container's OomScoreAdj). Under gVisor the host's OOM killer sees only the Sentry, whose score the
# container's config sets, so the write changes nothing there; and gVisor 20221219 kept ~90 KiB of Sentry
# memory per write (300 writes: +27 MiB of the container's RSS, measured with a bare fork loop), which made a
# 64 MiB sandbox end a harmless run as 'memory' after a few hundred runs. So under gVisor it is not written.
# The host sets SANDTIER_SECCOMP in the container's environment under runsc only (hardening.ts); this module is
# imported by the runner at its start, before any guest code, so the guest cannot change what it reads.
import os

UNDER_GVISOR = 'SANDTIER_SECCOMP' in os.environ


def first_for_oom_killer():
    if UNDER_GVISOR:
        return
    try:
        with open('/proc/self/oom_score_adj', 'w') as f:
            f.write('1000')
    except OSError:
        pass
