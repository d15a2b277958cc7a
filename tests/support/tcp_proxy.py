"""A small TCP proxy of our own on loopback, to cut a server off the network and bring it back.

`cut()` closes the listening socket and resets every open connection, so clients see what they would
see if the server process had stopped (connection refused; reset mid-request); `restore()` listens on
the same port again. The server behind keeps its state, which a real restart of an in-process server
such as moto could not.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading

from tests.support.servers import free_port


class TcpProxy:
    def __init__(self, upstream_host: str, upstream_port: int, port: int | None = None) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        self._listener: socket.socket | None = None
        self._stop = threading.Event()

    @property
    def is_open(self) -> bool:
        return self._listener is not None

    def start(self) -> TcpProxy:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(128)
        listener.settimeout(0.1)  # the accept loop notices a cut within 0.1 s
        self._stop.clear()
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), name=f"proxy-{self.port}", daemon=True).start()
        return self

    restore = start

    def cut(self) -> None:
        """Stop listening (new connections are refused) and reset every connection in flight."""
        self._stop.set()
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.close()
        with self._lock:
            doomed = list(self._sockets)
            self._sockets.clear()
        for sock in doomed:
            self._reset(sock)

    stop = cut

    def _accept(self, listener: socket.socket) -> None:
        while not self._stop.is_set():
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return  # closed by cut()
            try:
                upstream = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                self._reset(client)
                continue
            upstream.settimeout(None)
            client.settimeout(None)
            with self._lock:
                if self._stop.is_set():
                    self._reset(client)
                    self._reset(upstream)
                    return
                self._sockets |= {client, upstream}
            ends = [0]  # pumps finished; the second one closes the pair
            for src, dst in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(src, dst, ends), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket, ends: list[int]) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
            dst.shutdown(socket.SHUT_WR)  # pass a half-close on
        except OSError:
            with contextlib.suppress(OSError):
                dst.shutdown(socket.SHUT_RDWR)  # one side broke: the other pump ends too
        with self._lock:
            ends[0] += 1
            last = ends[0] == 2
            if last:
                self._sockets -= {src, dst}
        if last:
            for sock in (src, dst):
                with contextlib.suppress(OSError):
                    sock.close()

    @staticmethod
    def _reset(sock: socket.socket) -> None:
        """Drop a connection (linger 0: RST, no graceful close); shutdown wakes a pump blocked in recv."""
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        with contextlib.suppress(OSError):
            sock.close()
