"""A loopback TCP proxy in front of a PostgreSQL server, for fault tests and benchmarks.

    with Proxy("127.0.0.1", 5432, delay_s=0.025) as proxy:   # a 50 ms round trip
        conn = psycopg.connect(proxy.url_for("mydb", "postgres"))
        proxy.reset_counts()
        conn.execute("SELECT 1")
        assert proxy.round_trips == 1
        proxy.cut_all()          # every live connection breaks at once (the client sees RST)
        proxy.refuse(True)       # and new ones are turned away until refuse(False)

    with Proxy("127.0.0.1", 5432, private_network=True) as proxy:
        conn = proxy.network.run(lambda: psycopg.connect(proxy.url_for("mydb")))
        proxy.blackhole()        # the link falls silent: no data, no TCP acknowledgements

Each accepted connection gets its own connection to the target and one thread per
direction (two when delaying), so connections never wait for one another. With
`delay_s`, every chunk read from one side is delivered to the other `delay_s` later, in
order; reading goes on meanwhile, so a delay adds latency without limiting throughput.

A *round trip* is the client waiting for the server: client data sent after the client
has heard back (any data delivered to it since its last trip began, or its first data),
followed by a server reply; counted when the first reply bytes arrive. Data the client
sends before anything reaches it belongs to the trip under way: a pipeline's statements
and its Sync and Flush are one trip, even when the server answers the first part (its
output buffer full) before the rest arrives, which a busy client makes likely. Messages
the server sends on its own (a NOTICE, a broken connection's FATAL) count only after a
request.

A dead network path is silent, not closed: the client's TCP hears nothing more, not even
the acknowledgements a live peer's kernel sends for it. A proxy in this process cannot
withhold those (its own socket acknowledges whatever arrives), so `private_network=True`
puts the proxy's listening side on a loopback of its own (a network namespace, entered by
one thread: root or CAP_SYS_ADMIN and the `ip` command are needed), and `blackhole()`
routes that loopback's address into a blackhole, where the kernel drops every packet.
Clients must connect from inside, through `proxy.network.run(...)`; the proxy reaches the
target from the ordinary network.

The proxy is bounded: it stops by itself after `lifetime_s`, its threads are daemons, and
`stop()` (leaving the `with` block) closes every socket and waits at most a few seconds.
Standard library only.
"""

from __future__ import annotations

import contextlib
import ctypes
import itertools
import logging
import os
import shutil
import socket
import struct
import subprocess
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from types import TracebackType
from typing import TypeVar
from urllib.parse import quote, urlencode

log = logging.getLogger(__name__)

T = TypeVar("T")

CHUNK = 65536
_CLONE_NEWNET = 0x40000000
_LOOPBACK = "127.0.0.1/32"
JOIN_TIMEOUT_S = 5.0
DEFAULT_LIFETIME_S = 900.0


class NetworkUnavailable(RuntimeError):
    """A network namespace of its own cannot be made here (no privilege, no `ip`)."""


class PrivateNetwork:
    """A network namespace with only a loopback, entered by one thread that runs what it
    is given: sockets made there (a listener, a client's connection) live on that loopback
    for good, whichever thread uses them later."""

    def __init__(self) -> None:
        self._ip = shutil.which("ip")
        if self._ip is None:
            raise NetworkUnavailable("the `ip` command (iproute2) is not installed")
        self._thread = ThreadPoolExecutor(1, "private-network", initializer=self._enter)
        try:
            self.run(lambda: None)
        except Exception as exc:  # the initializer's failure breaks the pool
            self._thread.shutdown()
            raise NetworkUnavailable(f"no network namespace of its own: {exc}") from exc

    def _enter(self) -> None:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.unshare(_CLONE_NEWNET) != 0:  # this thread alone moves
            error = ctypes.get_errno()
            raise OSError(error, os.strerror(error))
        self._ip_command("link", "set", "lo", "up")

    def _ip_command(self, *args: str) -> None:
        assert self._ip is not None
        subprocess.run([self._ip, *args], check=True, capture_output=True, timeout=10)

    def run(self, work: Callable[[], T]) -> T:
        """Run `work` inside the namespace and return what it returns."""
        return self._thread.submit(work).result()

    def blackhole(self, dropping: bool) -> None:
        """Drop (or deliver again) every packet to the loopback address, silently."""
        action = ("replace",) if dropping else ("del",)
        self.run(
            lambda: self._ip_command("route", *action, "table", "local", "blackhole", _LOOPBACK)
        )

    def close(self) -> None:
        self._thread.shutdown()


_LINK_NUMBERS = itertools.count(1)


class _Link:
    """One client connection and its connection to the target."""

    def __init__(self, proxy: Proxy, client: socket.socket, upstream: socket.socket) -> None:
        self.proxy = proxy
        self.number = next(_LINK_NUMBERS)  # names it in the proxy's timeline
        self.client = client
        self.upstream = upstream
        self.lock = threading.Lock()
        self.cut = threading.Event()  # set by abort(): stop moving bytes
        self.request_pending = False  # a trip's client data passed on, no reply seen since
        self.heard = True  # data reached the client since its last trip began
        self.open_directions = 2
        self.closed = threading.Event()
        self.threads: list[threading.Thread] = []
        self._queues_ready: list[threading.Condition] = []  # woken by abort()

    # -- starting ------------------------------------------------------------------------------
    def start(self) -> None:
        self._direction(self.client, self.upstream, to_server=True)
        self._direction(self.upstream, self.client, to_server=False)
        for thread in self.threads:
            thread.start()

    def _direction(self, source: socket.socket, sink: socket.socket, *, to_server: bool) -> None:
        name = "up" if to_server else "down"
        if self.proxy.delay_s <= 0:
            self.threads.append(
                threading.Thread(
                    target=self._pump_direct,
                    args=(source, sink, to_server),
                    name=f"proxy-{name}",
                    daemon=True,
                )
            )
            return
        queue: deque[tuple[float, bytes]] = deque()
        ready = threading.Condition()
        self._queues_ready.append(ready)
        self.threads.append(
            threading.Thread(
                target=self._read_delayed,
                args=(source, queue, ready, to_server),
                name=f"proxy-{name}-read",
                daemon=True,
            )
        )
        self.threads.append(
            threading.Thread(
                target=self._deliver_delayed,
                args=(sink, queue, ready, to_server),
                name=f"proxy-{name}-deliver",
                daemon=True,
            )
        )

    # -- moving bytes --------------------------------------------------------------------------
    def _pump_direct(self, source: socket.socket, sink: socket.socket, to_server: bool) -> None:
        try:
            while True:
                data, starts = self._recv(source, to_server)
                if not data or self.cut.is_set():
                    break
                self._send(sink, data, to_server, starts)
            self._half_close(sink)
        except OSError:
            self.abort(reset_client=False)
        finally:
            self._direction_done()

    def _read_delayed(
        self,
        source: socket.socket,
        queue: deque[tuple[float, bytes, bool]],
        ready: threading.Condition,
        to_server: bool,
    ) -> None:
        try:
            while True:
                data, starts = self._recv(source, to_server)
                if not data:
                    break
                with ready:
                    queue.append((time.monotonic() + self.proxy.delay_s, data, starts))
                    ready.notify()
        except OSError:
            self.abort(reset_client=False)
        finally:
            with ready:
                queue.append((time.monotonic() + self.proxy.delay_s, b"", False))  # the end
                ready.notify()

    def _deliver_delayed(
        self,
        sink: socket.socket,
        queue: deque[tuple[float, bytes, bool]],
        ready: threading.Condition,
        to_server: bool,
    ) -> None:
        try:
            while True:
                with ready:
                    while not queue and not self.cut.is_set():
                        ready.wait()
                    if self.cut.is_set():
                        return
                    due, data, starts = queue.popleft()
                wait = due - time.monotonic()
                if wait > 0 and self.closed.wait(wait):
                    return
                if self.cut.is_set():
                    return
                if not data:
                    self._half_close(sink)
                    return
                self._send(sink, data, to_server, starts)
        except OSError:
            self.abort(reset_client=False)
        finally:
            self._direction_done()

    def _recv(self, source: socket.socket, to_server: bool) -> tuple[bytes, bool]:
        """The next chunk, and whether it begins a round trip (client data sent after the
        client heard back)."""
        data = source.recv(CHUNK)
        starts = False
        if data and to_server:
            with self.lock:
                starts, self.heard = self.heard, False
        elif data:
            with self.lock:
                replied = self.request_pending
                self.request_pending = False
            if replied:
                self.proxy._count_round_trip(self.number)
        return data, starts

    def _send(self, sink: socket.socket, data: bytes, to_server: bool, starts: bool) -> None:
        # Marked before sending: the answer may be read before sendall() returns.
        with self.lock:
            if starts:
                self.request_pending = True
            if not to_server:
                self.heard = True
        sink.sendall(data)
        self.proxy._count_bytes(len(data), to_server, self.number)

    def _half_close(self, sink: socket.socket) -> None:
        if self.cut.is_set():
            return  # a cut connection's client gets its reset, never a FIN
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)

    # -- ending --------------------------------------------------------------------------------
    def abort(self, *, reset_client: bool) -> None:
        """End both sides now; with `reset_client`, the client gets a TCP RST (no FIN)."""
        with self.lock:
            if self.cut.is_set():
                return
            self.cut.set()
        if reset_client:
            with contextlib.suppress(OSError):
                self.client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            # SHUT_RD wakes the thread blocked reading from the client without sending a
            # FIN; closing with a zero linger then sends the RST.
            with contextlib.suppress(OSError):
                self.client.shutdown(socket.SHUT_RD)
        else:
            with contextlib.suppress(OSError):
                self.client.shutdown(socket.SHUT_RDWR)
        with contextlib.suppress(OSError):
            self.upstream.shutdown(socket.SHUT_RDWR)
        self.closed.set()  # wakes deliveries waiting for their time
        for ready in self._queues_ready:  # and those waiting for data
            with ready:
                ready.notify_all()

    def _direction_done(self) -> None:
        with self.lock:
            self.open_directions -= 1
            last = self.open_directions == 0
        if last:
            self._close_sockets()

    def _close_sockets(self) -> None:
        # Only once no thread uses them: a descriptor closed under a running recv() could be
        # reused by the next connection.
        for sock in (self.client, self.upstream):
            with contextlib.suppress(OSError):
                sock.close()
        self.closed.set()
        self.proxy._forget(self)

    def wait_closed(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        for thread in self.threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        return all(not thread.is_alive() for thread in self.threads)


class Proxy:
    """A TCP proxy on 127.0.0.1 (a free port) in front of `target_host:target_port`.

    Use it as a context manager, or call `start()` and `stop()`. Counters (`round_trips`,
    `bytes_to_server`, `bytes_to_client`) run from the start or the last `reset_counts()`.
    """

    def __init__(
        self,
        target_host: str,
        target_port: int,
        delay_s: float = 0.0,
        *,
        lifetime_s: float | None = DEFAULT_LIFETIME_S,
        private_network: bool = False,
    ) -> None:
        self.target = (target_host, target_port)
        self.delay_s = delay_s
        self.lifetime_s = lifetime_s
        # Raises NetworkUnavailable where no namespace can be made: tests skip on it.
        self._network = PrivateNetwork() if private_network else None
        self._blackholed = False
        self._listener = self._listen()
        self.port: int = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._links: set[_Link] = set()
        self._refusing = False
        self._stopping = threading.Event()
        self._accept_thread: threading.Thread | None = None
        self._timer: threading.Timer | None = None
        self._round_trips = 0
        self._bytes_up = 0
        self._bytes_down = 0
        # What passed since the last reset_counts(), for a failing count to show: when
        # (monotonic seconds), the link's number, and bytes passed on ("server", "client")
        # or a round trip counted ("trip", its number).
        self._since = time.monotonic()
        self._events: list[tuple[float, int, str, int]] = []
        self._accepted = 0
        self._refused = 0

    # -- life ----------------------------------------------------------------------------------
    def start(self) -> Proxy:
        """Begin accepting connections (returns self)."""
        if self._accept_thread is None:
            self._accept_thread = threading.Thread(
                target=self._accept_loop, name="proxy-accept", daemon=True
            )
            self._accept_thread.start()
            if self.lifetime_s is not None:
                self._timer = threading.Timer(self.lifetime_s, self._expire)
                self._timer.daemon = True
                self._timer.start()
        return self

    def _listen(self) -> socket.socket:
        if self._network is None:
            return socket.create_server(("127.0.0.1", 0))
        return self._network.run(lambda: socket.create_server(("127.0.0.1", 0)))

    @property
    def network(self) -> PrivateNetwork:
        """Where clients connect from when the proxy has a private network."""
        if self._network is None:
            raise RuntimeError("this proxy listens on the ordinary network: no private_network")
        return self._network

    def stop(self) -> None:
        """Stop accepting, end every connection and wait (boundedly) for the threads."""
        if self._stopping.is_set():
            return
        self._stopping.set()
        if self._blackholed:  # let the goodbyes through, so no socket lingers unanswered
            self.blackhole(False)
        if self._timer is not None:
            self._timer.cancel()
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)  # wakes accept() (Linux)
        with contextlib.suppress(OSError):
            self._listener.close()
        links = self._live()
        for link in links:
            link.abort(reset_client=False)
        for link in links:
            link.wait_closed(JOIN_TIMEOUT_S)
        if self._accept_thread is not None:
            self._accept_thread.join(JOIN_TIMEOUT_S)
        if self._network is not None:
            self._network.close()

    def __enter__(self) -> Proxy:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _expire(self) -> None:
        if not self._stopping.is_set():
            log.warning("proxy on port %s outlived %s s: stopping it", self.port, self.lifetime_s)
            self.stop()

    # -- addresses -----------------------------------------------------------------------------
    def url_for(self, dbname: str, user: str = "postgres", **params: str) -> str:
        """A libpq URL reaching `dbname` through the proxy; `params` become query parameters
        (e.g. sslmode="disable", connect_timeout="5", password=...)."""
        query = f"?{urlencode(params)}" if params else ""
        return f"postgresql://{quote(user, safe='')}@127.0.0.1:{self.port}/{quote(dbname)}{query}"

    # -- faults --------------------------------------------------------------------------------
    def cut_all(self) -> int:
        """Break every live connection at once: the client gets a TCP reset, the server sees
        its connection closed. Returns how many were cut, once their sockets are closed."""
        links = self._live()
        for link in links:
            link.abort(reset_client=True)
        for link in links:
            link.wait_closed(JOIN_TIMEOUT_S)
        return len(links)

    def blackhole(self, dropping: bool = True) -> None:
        """The link falls silent without closing (needs `private_network`): from now on
        every packet between the clients and the proxy is dropped, acknowledgements and
        keepalive answers included, until blackhole(False)."""
        self.network.blackhole(dropping)
        with self._lock:
            self._blackholed = dropping

    def refuse(self, refusing: bool = True) -> None:
        """While True, new connections are reset as soon as they arrive."""
        with self._lock:
            self._refusing = refusing

    # -- counters ------------------------------------------------------------------------------
    @property
    def round_trips(self) -> int:
        with self._lock:
            return self._round_trips

    @property
    def bytes_to_server(self) -> int:
        with self._lock:
            return self._bytes_up

    @property
    def bytes_to_client(self) -> int:
        with self._lock:
            return self._bytes_down

    @property
    def connection_count(self) -> int:
        """Connections open through the proxy right now."""
        with self._lock:
            return len(self._links)

    @property
    def connections_accepted(self) -> int:
        """Connections passed on since the start (refused ones not included)."""
        with self._lock:
            return self._accepted

    @property
    def connections_refused(self) -> int:
        with self._lock:
            return self._refused

    def reset_counts(self) -> None:
        """Start the round-trip and byte counters again from zero."""
        with self._lock:
            self._round_trips = self._bytes_up = self._bytes_down = 0
            self._since, self._events = time.monotonic(), []

    def wait_for_connections(self, count: int, timeout: float = 5.0) -> bool:
        """Wait until `count` connections are open; False on timeout."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.connection_count >= count:
                return True
            time.sleep(0.01)
        return self.connection_count >= count

    # -- internals -----------------------------------------------------------------------------
    def _accept_loop(self) -> None:
        while not self._stopping.is_set():
            try:
                client, _address = self._listener.accept()
            except OSError:
                return  # the listener was closed by stop()
            with self._lock:
                refusing = self._refusing
                if refusing:
                    self._refused += 1
            if refusing or self._stopping.is_set():
                _reset(client)
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=10)
                upstream.settimeout(None)
            except OSError:
                _reset(client)  # as the server itself would refuse
                continue
            for sock in (client, upstream):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            link = _Link(self, client, upstream)
            with self._lock:  # started under the lock: cut_all() never sees it half-made
                self._links.add(link)
                self._accepted += 1
                link.start()

    def _live(self) -> list[_Link]:
        with self._lock:
            return list(self._links)

    def _forget(self, link: _Link) -> None:
        with self._lock:
            self._links.discard(link)

    def timeline(self) -> str:
        """Everything passed on since the last reset_counts(), a line each: when a count
        differs, this says where the extra round trip came from."""
        with self._lock:
            since, events = self._since, list(self._events)
        lines = []
        for at, link, what, n in events:
            said = (
                f"round trip {n} (a reply after a request)"
                if what == "trip"
                else f"{n} bytes to the {what}"
            )
            lines.append(f"{(at - since) * 1000:9.1f} ms  link {link}: {said}")
        return "\n".join(lines)

    def _count_round_trip(self, link: int) -> None:
        with self._lock:
            self._round_trips += 1
            self._events.append((time.monotonic(), link, "trip", self._round_trips))

    def _count_bytes(self, size: int, to_server: bool, link: int) -> None:
        with self._lock:
            if to_server:
                self._bytes_up += size
            else:
                self._bytes_down += size
            self._events.append((time.monotonic(), link, "server" if to_server else "client", size))


def _reset(sock: socket.socket) -> None:
    """Close with a TCP reset rather than an orderly FIN."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()
