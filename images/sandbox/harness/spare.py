# sandtier spare (issue 15): one run process the runner starts between runs, exactly as it would start a run
# of the same argv, so that the next run does not pay that start: node's (fork + exec, ~100 ms runc) or, for
# the python harness, the runner's fork (~20 ms under gVisor). It waits in its request read (run-node.mjs and
# run-python.py read the framed request from stdin first), so it runs no guest code before it becomes a run.
#
# The host asks for one (frame s) only after the previous run's leftovers were verified gone (its census under
# runc, the end nonce under runsc): a spare never exists during a leftover check and never shares the sandbox
# with guest code that is not its own run. The next run with the same argv is the spare (its pipes become the
# run's); anything else (another argv, a session request, the host's drop frame d) ends it
# first and waits until it is gone. A spare is used at most once: the run it became is ended like any run.
import os
import signal

current = None


class Spare:
    def __init__(self, argv, pid, stdin_w, out_r, err_r):
        self.argv = argv
        self.pid = pid
        self.stdin_w = stdin_w
        self.out_r = out_r
        self.err_r = err_r


def start(argv, fork_child):
    """Starts a spare for argv. fork_child(argv, stdin_r, out_w, err_w) forks it as a run child would be
    forked, closes those three ends in this process and returns its pid."""
    global current
    drop()
    stdin_r, stdin_w = os.pipe()
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    try:
        pid = fork_child(argv, stdin_r, out_w, err_w)
    except OSError:  # the pids limit: no spare, the next run forks as before
        for fd in (stdin_r, stdin_w, out_r, out_w, err_r, err_w):
            os.close(fd)
        return
    current = Spare(list(argv), pid, stdin_w, out_r, err_r)


def _gone(pid):
    try:
        got, _ = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return True
    return got != 0


def drop():
    """Ends the spare, if any, and returns once it is gone (reaped)."""
    global current
    spare, current = current, None
    if spare is None:
        return
    for kill in (os.killpg, os.kill):
        try:
            kill(spare.pid, signal.SIGKILL)
        except OSError:
            pass
    for fd in (spare.stdin_w, spare.out_r, spare.err_r):
        os.close(fd)
    try:
        os.waitpid(spare.pid, 0)
    except ChildProcessError:
        pass


def take(argv):
    """The spare for this argv, still waiting, handed over (no longer the spare); else None (and none is left)."""
    global current
    spare = current
    if spare is not None and spare.argv == list(argv) and _gone(spare.pid):
        # It died waiting (reaped just now: its pid is no longer ours to signal).
        current = None
        for fd in (spare.stdin_w, spare.out_r, spare.err_r):
            os.close(fd)
        return None
    if spare is None or spare.argv != list(argv):
        drop()
        return None
    current = None
    return spare
