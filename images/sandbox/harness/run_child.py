# sandtier: what a forked child of the runner does before it is a run (runner.py) or a session's interpreter
# (session.py): a session of its own (so the run killer and end-run.sh end it and spare the runner), first in
# line for the OOM killer, the given fds as 0, 1, 2 (and 3, ...) and nothing else open, SIGCHLD back to its
# default, and none of the runner's own variables in its environment.
import os
import signal

import oom_score


def become_run(stdin_fd, out_w, err_w, *extra_fds):
    """In the forked child. extra_fds become fds 3, 4, ... in order."""
    os.setsid()
    oom_score.first_for_oom_killer()
    for target, fd in enumerate((stdin_fd, out_w, err_w, *extra_fds)):
        os.dup2(fd, target)
    os.closerange(3 + len(extra_fds), 65536)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    os.environ.pop('SANDTIER_KEEP', None)
    # The image's preload unsets it in an exec's first process; a run of the runner is already filtered.
    os.environ.pop('SANDTIER_SECCOMP', None)
