# sandtier sessions: one live interpreter per sandbox whose globals persist across runs (issue 15). Two parts:
#
# The runner's side (start / execute, called from runner.py's dispatch). The session interpreter is guest
# code, like a one-shot run: a child of the runner in a session (and process group) of its own, so the run
# killer (kill-run.sh, the runner's end_run) reaches it, with oom_score_adj 1000. Its fds are fixed for its
# life: 0 /dev/null, 1 and 2 pipes to the runner, 3 a Unix socket to the runner (the control channel). An
# execute is `<seq> <length>\n<request>` on the control socket (the framed request as run-python.py reads it,
# then the guest's stdin, which the interpreter hands to the guest as sys.stdin / process.stdin: fd 0 stays
# /dev/null); the interpreter answers `done <seq> <code>\n` once it wrote the run's report line on stderr. The
# runner forwards stdout and stderr as they come (output that session threads print between runs comes with
# the next run), and after `done` only the bytes already in the pipes. The interpreter is trusted for nothing
# but the run's output and exit code, as a one-shot run: anything else on the control socket (a longer line,
# a wrong seq) ends it, and so does a start that is not answered in time.
#
# Exit frames of session requests carry "session": "lost" when the interpreter died during the run (killed at
# a limit, os._exit, a crash) and "none" when there was no interpreter to run it (the code did not run): the
# host then starts one and says so in the result. Under runsc the runner's end_run spares the interpreter's
# pid and nothing else.
#
# The interpreter's side (serve(), in the forked child for Python; session-node.mjs for JavaScript).
import builtins
import io
import os
import selectors
import signal
import socket
import sys

import run_child
from harness_python import FILENAME, report_line, run_request, save_open_figures, split_request

# `<seq> <length>\n` from the runner and `done <seq> <code>\n` back: a few dozen bytes.
MAX_CONTROL_LINE = 64
READY = b'ready\n'
START_TIMEOUT_S = 10.0
MAX_CHUNK = 64 * 1024
# While waiting for the interpreter: how often to look whether it died with its control socket held open
# by one of its children.
POLL_S = 0.05


class Live:
    """The runner's handle on the live interpreter."""

    def __init__(self, pid, ctl, out_r, err_r):
        self.pid = pid
        self.ctl = ctl
        self.out_r = out_r
        self.err_r = err_r
        self.seq = 0

    def close(self):
        for fd in (self.out_r, self.err_r):
            try:
                os.close(fd)
            except OSError:
                pass
        self.ctl.close()


current = None


def spared():
    """The pids the runner's end_run leaves alive: the live interpreter's, as a string, or nothing."""
    return () if current is None else (str(current.pid),)


def reap(pid, block):
    """The interpreter's exit code once it is gone (128 + n for signal n), else None."""
    try:
        got, status = os.waitpid(pid, 0 if block else os.WNOHANG)
    except ChildProcessError:
        return 255
    if got == 0:
        return None
    code = os.waitstatus_to_exitcode(status)
    return 128 - code if code < 0 else code


def stop():
    """Ends the live interpreter, if any (a new start, or one that broke the control protocol)."""
    global current
    live, current = current, None
    if live is None:
        return None
    try:
        os.killpg(live.pid, signal.SIGKILL)
    except OSError:
        pass
    try:
        os.kill(live.pid, signal.SIGKILL)
    except OSError:
        pass
    live.close()
    return reap(live.pid, True)


def child_setup(out_w, err_w, ctl_fd):
    """In the forked child: a run's setup (run_child.py) with /dev/null as stdin and the control socket as fd 3."""
    run_child.become_run(os.open('/dev/null', os.O_RDONLY), out_w, err_w, ctl_fd)


def drain_available(fd, kind, write_frame):
    """Forwards what the pipe holds now, and no more (a writer left behind cannot keep this going)."""
    import fcntl
    import termios
    buf = bytearray(4)
    try:
        fcntl.ioctl(fd, termios.FIONREAD, buf)
    except OSError:
        return
    left = int.from_bytes(buf, sys.byteorder)
    while left > 0:
        chunk = os.read(fd, min(left, MAX_CHUNK))
        if not chunk:
            return
        write_frame(kind, chunk)
        left -= len(chunk)


def start(argv, write_frame):
    """Starts an interpreter (ending any live one): the exit code for the start's exit frame (0: ready)."""
    global current
    stop()
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    pid = os.fork()
    if pid == 0:
        try:
            child_setup(out_w, err_w, theirs.fileno())
            os.set_inheritable(3, True)
            if argv[:2] != ['python3', '/opt/sandtier/session.py']:
                os.execvp(argv[0], argv)
        except BaseException:  # noqa: BLE001 - nothing of the runner may continue in the child
            os._exit(127)
        serve(3)
        os._exit(0)
    for fd in (out_w, err_w):
        os.close(fd)
    theirs.close()
    live = Live(pid, ours, out_r, err_r)
    line = read_line(live, START_TIMEOUT_S, write_frame)
    if line != READY:
        current = live
        stop()
        drain_available(err_r, b'e', write_frame)
        return 1
    current = live
    return 0


def read_line(live, timeout_s, write_frame):
    """One control line from the interpreter, forwarding its output meanwhile; None when it died or lied."""
    got = b''
    waited = 0.0
    # epoll, as the runner's pump: select(2) answers EPERM to the runner's processes under runsc 20221219.
    with selectors.DefaultSelector() as sel:
        for f in (live.ctl, live.out_r, live.err_r):
            sel.register(f, selectors.EVENT_READ)
        while True:
            line = read_step(live, sel, got, write_frame)
            if isinstance(line, bytes) and line.endswith(b'\n'):
                return line
            if line is None:
                if timeout_s is not None:
                    waited += POLL_S
                if (timeout_s is not None and waited >= timeout_s) or reap_nowait(live):
                    return None
                continue
            if line is False:
                return None
            got = line


def read_step(live, sel, got, write_frame):
    """One wait: None when nothing came, False when the interpreter died or lied, else the line so far."""
    ready = [key.fileobj for key, _ in sel.select(POLL_S)]
    if not ready:
        return None
    for r in ready:
        if r is live.ctl:
            part = live.ctl.recv(MAX_CONTROL_LINE)
            if not part:
                return False
            got += part
            if b'\n' in got:
                line, _, rest = got.partition(b'\n')
                return line + b'\n' if not rest else False
            if len(got) > MAX_CONTROL_LINE:
                return False
        else:
            chunk = os.read(r, MAX_CHUNK)
            if chunk:
                write_frame(b'o' if r == live.out_r else b'e', chunk)
            else:
                # Every writer closed it (the guest closed fd 1 or 2): nothing more can come there.
                sel.unregister(r)
    return got


def reap_nowait(live):
    code = reap(live.pid, False)
    if code is None:
        return False
    live.exit_code = code
    return True


def send_all(sock, data, live, write_frame):
    """Sends the request, forwarding output meanwhile (a large stdin must not deadlock on a full pipe)."""
    view = memoryview(data)
    sock.setblocking(False)
    sel = selectors.DefaultSelector()
    sel.register(sock, selectors.EVENT_WRITE)
    try:
        while view:
            if sel.select(POLL_S):
                try:
                    view = view[sock.send(view[:MAX_CHUNK]):]
                except BlockingIOError:
                    pass
                except OSError:
                    return False
            else:
                for r in (live.out_r, live.err_r):
                    drain_available(r, b'o' if r == live.out_r else b'e', write_frame)
                if reap_nowait(live):
                    return False
    finally:
        sel.close()
        sock.setblocking(True)
    return True


def execute(data, write_frame):
    """One run in the live interpreter: (exit code, session word for the exit frame or None)."""
    global current
    live = current
    if live is None:
        return 1, 'none'
    live.seq += 1
    ok = send_all(live.ctl, b'%d %d\n' % (live.seq, len(data)) + data, live, write_frame)
    line = read_line(live, None, write_frame) if ok else None
    parts = line.split() if line else []
    if len(parts) == 3 and parts[0] == b'done' and parts[1] == b'%d' % live.seq and parts[2].isdigit():
        for fd, kind in ((live.out_r, b'o'), (live.err_r, b'e')):
            drain_available(fd, kind, write_frame)
        return min(int(parts[2]), 255), None
    # It died (or broke the protocol: it is ended). What it wrote before is still forwarded.
    for fd, kind in ((live.out_r, b'o'), (live.err_r, b'e')):
        drain_available(fd, kind, write_frame)
    code = getattr(live, 'exit_code', None)
    died = stop() if current is live else None
    return (code if code is not None else died if died is not None else 1), 'lost'


# ---- the interpreter (forked child) ----

def read_exact(fd, n):
    parts = []
    while n > 0:
        part = os.read(fd, min(n, 1 << 20))
        if not part:
            os._exit(0)  # the runner let go
        parts.append(part)
        n -= len(part)
    return b''.join(parts)


def read_header(fd):
    line = b''
    while not line.endswith(b'\n'):
        byte = os.read(fd, 1)
        if not byte or len(line) > MAX_CONTROL_LINE:
            os._exit(0)
        line += byte
    seq, length = line.split()
    return int(seq), int(length)


def serve(ctl):
    """The interpreter's loop: one request at a time, in one scope that persists."""
    scope = {'__name__': '__main__', '__builtins__': builtins, '__file__': FILENAME}
    sys.argv = [FILENAME]
    sys.path[0] = '/work'
    out, err = sys.stdout, sys.stderr
    given_input = False
    os.write(ctl, READY)
    while True:
        seq, length = read_header(ctl)
        request, stdin = split_request(read_exact(ctl, length))
        if 'input' in request:
            scope['input'] = request['input']
            given_input = True
        elif given_input:
            scope.pop('input', None)
            given_input = False
        sys.stdin = io.TextIOWrapper(io.BytesIO(stdin), encoding='utf-8', errors='replace')
        report, code = run_request(request, scope)
        save_open_figures()
        for stream in (sys.stdout, sys.stderr, out, err):
            try:
                stream.flush()
            except Exception:  # noqa: BLE001 - a guest's own stream object
                pass
        os.write(2, report_line(request['nonce'], report))
        os.write(ctl, b'done %d %d\n' % (seq, code if 0 <= code < 256 else 1))
