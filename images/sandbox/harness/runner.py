# sandtier resident runner: the container's main command (started by the keeper in init's session, so the
# run killer spares it), taking runs over the container's attached stdin/stdout instead of one `docker exec`
# per run. It is guest code as far as the host is concerned: the host takes from it only the run's output
# (counted and capped like any guest output) and its exit code; limits, usage and the end of a run are the
# host's own facts (cgroup counters, its deadline and killer, its census under runc).
#
# Frames, both ways: 1 type byte, 4-byte big-endian payload length, payload.
#   host -> runner  h (hello)          -> r {"v":1}
#                   q <json header>\n<stdin bytes>: one run; header {"argv": [...]}
#                   n <end nonce or nothing>: sent right after q (at most MAX_NONCE bytes)
#                   s {"argv": [...]}  start a spare for the next run of that argv (spare.py; python or node);
#                                      no answer
#                   d                  -> p once the spare, if any, is gone
#   runner -> host  o / e <bytes>      the run's stdout / stderr as it comes, at most 64 KiB a frame
#                   x {"code": n}      the run's process exited and its stdout and stderr reached EOF
# A run is a forked child in a session of its own (so the run killer, end-run.sh, ends it and spares this
# process): for the python harness a fork of this interpreter, which has already imported what the harness
# needs; for anything else (node) the child execs argv. The child gets the framed request on its stdin.
#
# End nonce (runsc): when n is not empty, after the run this process ends every process outside init's
# session (as end-run.sh does) and, when none is left, writes "\0sandtier-end:<nonce>\n" as the run's last
# stderr bytes. Under gVisor a run cannot read this process's memory (it is an ancestor: Yama ptrace scope
# 1), but gVisor 20221219 does let it open /proc/<this pid>/fd/0 and fd/1 (dumpability is not honoured
# there), so nothing secret may be in the stdin pipe while a run lives: the nonce is read before the fork,
# straight into a bytearray (no other copy) that the child zeroes first thing. And bytes a run pushed into
# that pipe would be taken for the host's next frames: after the run (end_run has ended every process of
# it) anything unread in the pipe ends the runner, so the host sees its channel break (crashed, replaced).
import ast  # noqa: F401 - preloaded for the python harness
import atexit  # noqa: F401
import builtins  # noqa: F401
import ctypes
import fcntl
import json
import math  # noqa: F401
import os
import selectors
import signal
import sys
import termios

import sandtier_preload  # what the image preloads for its runs, and a run's exit without teardown

import clone3_filter  # the runner's own clone3 -> ENOSYS filter (runsc), see clone3_filter.py
import run_child  # what a forked run does before it runs: own session, OOM order, fds (run_child.py)
import run_killer  # ends a run whole under runsc, see run_killer.py
import session  # sessions (issue 15): one live interpreter per sandbox, see session.py
import spare  # a node process started between runs for the next node run (issue 15), see spare.py

HARNESS = '/opt/sandtier/run-python.py'
MAX_CHUNK = 64 * 1024
OUTPUT_DIR = '/work/out'
MAX_HEADER = 4096
MAX_NONCE = 64


def read_exact(n):
    parts = []
    while n > 0:
        part = os.read(0, min(n, 1 << 20))
        if not part:
            sys.exit(0)  # the host let go of the container
        parts.append(part)
        n -= len(part)
    return b''.join(parts)


def read_frame():
    head = read_exact(5)
    return head[:1], read_exact(int.from_bytes(head[1:], 'big'))


def read_nonce():
    """The n frame's payload, read into a bytearray with no intermediate copy (the child zeroes it)."""
    head = read_exact(5)
    length = int.from_bytes(head[1:], 'big')
    if head[:1] != b'n' or length > MAX_NONCE:
        sys.exit(2)
    nonce = bytearray(length)
    view = memoryview(nonce)
    got = 0
    while got < length:
        n = os.readv(0, [view[got:]])
        if n == 0:
            sys.exit(0)
        got += n
    return nonce


def unread_input():
    """Bytes waiting in the stdin pipe: the host sends nothing between a run's request and its exit frame."""
    buf = bytearray(4)
    fcntl.ioctl(0, termios.FIONREAD, buf)
    return int.from_bytes(buf, sys.byteorder)


def write_all(fd, data):
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def write_frame(kind, payload=b''):
    write_all(1, kind + len(payload).to_bytes(4, 'big') + payload)


def child(argv, harness, stdin_r, out_w, err_w, nonce):
    """In the forked child: becomes the run (own session, first in line for the OOM killer)."""
    if nonce:
        ctypes.memset((ctypes.c_char * len(nonce)).from_buffer(nonce), 0, len(nonce))
    try:
        run_child.become_run(stdin_r, out_w, err_w)
        if harness is None:
            os.execvp(argv[0], argv)
    except BaseException:  # noqa: BLE001 - nothing of the runner may continue in the child
        os._exit(127)
    sys.argv = list(argv[1:])
    # The harness ends with sys.exit(code): the child exits as `python3 run-python.py` would, without the
    # teardown of what the runner preloaded (sandtier_preload.py).
    sandtier_preload.run_then_exit(
        lambda: exec(harness, {'__name__': '__main__', '__file__': HARNESS, '__builtins__': builtins}))


def pump(pid, stdin_w, data, out_r, err_r):
    """Feeds the child's stdin and forwards its output until both outputs reach EOF."""
    sel = selectors.DefaultSelector()
    for fd, kind in ((out_r, b'o'), (err_r, b'e')):
        sel.register(fd, selectors.EVENT_READ, kind)
    view = memoryview(data)
    if view:
        os.set_blocking(stdin_w, False)
        sel.register(stdin_w, selectors.EVENT_WRITE, None)
    else:
        os.close(stdin_w)
    open_outputs = 2
    while open_outputs:
        for key, _ in sel.select():
            if key.data is None:
                try:
                    view = view[os.write(stdin_w, view[:MAX_CHUNK]):]
                except (BrokenPipeError, BlockingIOError) as e:
                    if isinstance(e, BlockingIOError):
                        continue
                    view = view[:0]
                if not view:
                    sel.unregister(stdin_w)
                    os.close(stdin_w)
                continue
            chunk = os.read(key.fd, MAX_CHUNK)
            if chunk:
                write_frame(key.data, chunk)
            else:
                sel.unregister(key.fd)
                os.close(key.fd)
                open_outputs -= 1
    if view:
        sel.unregister(stdin_w)
        os.close(stdin_w)
    sel.close()


def fork_run(argv, own, stdin_r, out_w, err_w, nonce):
    pid = os.fork()
    if pid == 0:
        child(argv, own, stdin_r, out_w, err_w, nonce)
    for fd in (stdin_r, out_w, err_w):
        os.close(fd)
    return pid


def parse_header(payload):
    header, _, data = payload.partition(b'\n')
    if len(header) > MAX_HEADER:
        sys.exit(2)
    argv = json.loads(header)['argv']
    if not isinstance(argv, list) or not argv or not all(isinstance(a, str) for a in argv):
        sys.exit(2)
    return argv, data


def start_spare(payload, harness):
    argv, _ = parse_header(payload)
    # A session has its own interpreter. A python run is a fork of this interpreter: its spare is that fork made
    # ahead (under gVisor's ptrace platform a fork costs ~20 ms, a new address space in a new host process),
    # waiting in run-python.py's request read with nothing of a run in it (the nonce is read after it started).
    if argv[0].startswith('@'):
        spare.drop()
        return
    own = harness if argv[:2] == ['python3', HARNESS] else None
    spare.start(argv, lambda a, i, o, e: fork_run(a, own, i, o, e, bytearray()))


def run(payload, harness):
    argv, data = parse_header(payload)
    if argv[:1] in (['@session-start'], ['@session']):
        spare.drop()
        nonce = read_nonce()
        if argv[0] == '@session-start':
            code, word = session.start(argv[1:], write_frame), None
        else:
            code, word = session.execute(data, write_frame)
        return finish(code, nonce, word)
    own = harness if argv[:2] == ['python3', HARNESS] else None
    taken = spare.take(argv)
    spare.drop()  # another argv: the spare ends before the run starts
    if taken is not None:
        # Started before this run's nonce was read: it never held the nonce.
        nonce = read_nonce()
        pid, stdin_w, out_r, err_r = taken.pid, taken.stdin_w, taken.out_r, taken.err_r
    else:
        stdin_r, stdin_w = os.pipe()
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        nonce = read_nonce()
        pid = fork_run(argv, own, stdin_r, out_w, err_w, nonce)
    pump(pid, stdin_w, data, out_r, err_r)
    _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    if code < 0:
        code = 128 - code
    finish(code, nonce)


def finish(code, nonce, word=None):
    """After a run: under runsc end it whole and vouch for it, then the exit frame."""
    ended = bool(nonce) and run_killer.end_run()
    # A run wrote into our stdin (see the top of this file), or under runsc something of it is still alive
    # and could: the runner ends, and with it the container.
    if unread_input() or (nonce and not ended):
        sys.exit(3)
    if ended:
        write_frame(b'e', b'\0sandtier-end:' + bytes(nonce) + b'\n')
    exit_info = {'code': code} if word is None else {'code': code, 'session': word}
    # A hint, never a fact the host relies on for anything but its own guest's files: when out/ is absent or
    # empty the host skips the listing of out/ it would otherwise make with an exec (~70 ms runc, ~200 ms
    # runsc). A lie only hides the run's own files from its own result.
    exit_info['out'] = output_written()
    write_frame(b'x', json.dumps(exit_info).encode())


def output_written():
    """True unless /work/out is absent or an empty folder (a file or a link there counts as written)."""
    try:
        with os.scandir(OUTPUT_DIR) as entries:
            return next(entries, None) is not None
    except FileNotFoundError:
        return False
    except OSError:
        return True


def main():
    # Never fatal: the runner's end would end the container (the keeper exits with it). Without the filter
    # runs under runsc cannot start threads (the runc profile returns ENOSYS itself); the tests show it.
    try:
        clone3_filter.stack_clone3_filter()
    except OSError:
        pass
    with open(HARNESS, 'rb') as f:
        harness = compile(f.read(), HARNESS, 'exec')
    # What the image declares in /etc/sandtier/preload.txt (the data image: numpy, pandas, matplotlib), once.
    sandtier_preload.preload()
    # Never let a write to the host die on SIGPIPE; reap nothing but our own child (os.waitpid above).
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    while True:
        kind, payload = read_frame()
        if kind == b'h':
            write_frame(b'r', b'{"v":1}')
        elif kind == b'q':
            run(payload, harness)
        elif kind == b's':
            start_spare(payload, harness)
        elif kind == b'd':
            spare.drop()
            write_frame(b'p')
        else:
            sys.exit(2)


if __name__ == '__main__':
    main()
