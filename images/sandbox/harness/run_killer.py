# sandtier resident runner: ending a run whole under runsc (runner.py), as end-run.sh does in an exec. Every
# process outside init's session is a run's (each run is forked into a session of its own, and a session is
# only inherited): stop then kill them, in rounds, until none is alive. The runner vouches for the run with
# the end line only after that.
import os
import signal
import time

import session  # the live interpreter of a session, which is spared


def scan(me):
    """Processes outside init's session (pid 1, this process and exec first processes excepted), and those
    of them still alive."""
    victims, live = [], []
    for name in os.listdir('/proc'):
        if not name.isdigit() or name in ('1', me):
            continue
        try:
            with open('/proc/%s/stat' % name, 'rb') as f:
                stat = f.read()
        except FileNotFoundError:
            continue
        except OSError:
            victims.append(int(name))
            live.append(int(name))
            continue
        fields = stat[stat.rfind(b')') + 2:].split()
        if len(fields) < 18:
            continue
        # Init's session is the container's own. A parent of 0 means an exec's first process: the host's
        # (kill-run.sh ending this run after a stop, racing this scan: ending it made the host kill the
        # whole container). A run cannot make one: its processes descend from this one, orphans go to
        # init, and CLONE_PARENT only hands over the caller's parent, never init's.
        if fields[3] == b'1' or fields[1] == b'0':
            continue
        victims.append(int(name))
        if fields[0] not in (b'Z', b'X') or int(fields[17]) > 1:
            live.append(int(name))
    return victims, live


def end_run():
    """end-run.sh's end_run: stop then kill every process of a run, in rounds, until none is alive."""
    me = str(os.getpid())
    for round_ in range(41):
        victims, live = scan(me)
        # A session's live interpreter is spared (session.py); nothing else of a run is.
        spare = session.spared()
        victims = [pid for pid in victims if str(pid) not in spare]
        live = [pid for pid in live if str(pid) not in spare]
        if not live:
            return True
        if round_ == 40:
            return False
        if round_ >= 3:
            time.sleep(0.01)
        for sig in (signal.SIGSTOP, signal.SIGKILL):
            for pid in victims:
                try:
                    os.kill(pid, sig)
                except OSError:
                    pass
    return False
