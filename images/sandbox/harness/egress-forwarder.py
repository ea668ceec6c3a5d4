# sandtier egress forwarder: the container's main process when a sandbox has network egress. The container has
# no interface but loopback; this relays each TCP connection to 127.0.0.1:$SANDTIER_EGRESS_PORT, byte for
# byte, to the host's egress proxy through the bind-mounted Unix socket /run/sandtier-egress/proxy.sock, so
# clients that honour HTTP_PROXY (a host:port) can reach it. It enforces nothing: the host proxy applies the
# network policy to every request, and a guest that kills or bypasses this process gains nothing.
#
# Python rather than node: one thread and ~9 MiB resident, where node would take ~40 MiB and ~11 threads out
# of the sandbox's memory and pids limits. Single-threaded on selectors, with bounded buffers (backpressure)
# and half-close passed through.
import os
import selectors
import signal
import socket
import sys

PORT = int(os.environ.get('SANDTIER_EGRESS_PORT', '3128'))
SOCKET_PATH = os.environ.get('SANDTIER_EGRESS_SOCKET', '/run/sandtier-egress/proxy.sock')
MAX_BUFFER = 256 * 1024
CHUNK = 64 * 1024

selector = selectors.DefaultSelector()


class Direction:
    """Bytes read from `src`, waiting to be written to `dst`."""

    def __init__(self, src, dst):
        self.src, self.dst = src, dst
        self.buffer = bytearray()
        self.eof = False
        self.done = False


class Pair:
    def __init__(self, client, upstream):
        self.sockets = (client, upstream)
        self.directions = (Direction(client, upstream), Direction(upstream, client))
        self.closed = False

    def reading_from(self, sock):
        return self.directions[0] if sock is self.sockets[0] else self.directions[1]

    def writing_to(self, sock):
        return self.directions[1] if sock is self.sockets[0] else self.directions[0]

    def close(self):
        if self.closed:
            return
        self.closed = True
        for sock in self.sockets:
            try:
                selector.unregister(sock)
            except (KeyError, ValueError):
                pass
            sock.close()

    def update(self):
        if all(d.done for d in self.directions):
            return self.close()
        for sock in self.sockets:
            out, inc = self.reading_from(sock), self.writing_to(sock)
            events = 0
            if not out.eof and len(out.buffer) < MAX_BUFFER:
                events |= selectors.EVENT_READ
            if inc.buffer:
                events |= selectors.EVENT_WRITE
            registered = selector.get_map().get(sock.fileno())
            if registered is None and events:
                selector.register(sock, events, self)
            elif registered is not None and not events:
                selector.unregister(sock)
            elif registered is not None and registered.events != events:
                selector.modify(sock, events, self)


def finish_if_flushed(direction):
    if direction.eof and not direction.buffer and not direction.done:
        direction.done = True
        try:
            direction.dst.shutdown(socket.SHUT_WR)
        except OSError:
            pass


def on_ready(pair, sock, events):
    try:
        if events & selectors.EVENT_READ:
            out = pair.reading_from(sock)
            data = sock.recv(CHUNK)
            if data:
                out.buffer += data
            else:
                out.eof = True
            finish_if_flushed(out)
        if events & selectors.EVENT_WRITE:
            inc = pair.writing_to(sock)
            sent = sock.send(inc.buffer)
            del inc.buffer[:sent]
            finish_if_flushed(inc)
    except (BlockingIOError, InterruptedError):
        pass
    except OSError:
        return pair.close()
    pair.update()


def accept(listener):
    try:
        client, _ = listener.accept()
    except OSError:
        return
    upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        upstream.connect(SOCKET_PATH)
    except OSError:
        # No proxy (yet): the client sees its connection closed, as with no network at all.
        upstream.close()
        client.close()
        return
    client.setblocking(False)
    upstream.setblocking(False)
    Pair(client, upstream).update()


def main():
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(('127.0.0.1', PORT))
    listener.listen(128)
    listener.setblocking(False)
    selector.register(listener, selectors.EVENT_READ, None)
    while True:
        for key, events in selector.select():
            if key.data is None:
                accept(key.fileobj)
            else:
                on_ready(key.data, key.fileobj, events)


main()
