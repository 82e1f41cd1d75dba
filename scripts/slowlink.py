"""A slow mobile link in front of the portal: a TCP relay that delays and paces every byte.

DevTools throttling (CDP `Network.emulateNetworkConditions`) slows the page's own requests but
not the service worker's (its install precache, its revalidations), so a figure taken with it
alone leaves out part of what a phone on a weak link waits for. This relay sits between the
browser and the server instead, so everything the browser sends or receives crosses it:

- one-way delay: half the round-trip time each way, and one more round trip before the first
  bytes of a new connection go up (the TCP handshake the loopback does not have);
- bandwidth: one link per direction shared by every connection, as a phone's radio is: a
  segment leaves when the link is free and takes `len / rate` seconds on it;
- it counts the bytes and the connections, for reports.

TCP's own slow start is not modelled (the loopback's window opens at once): a real link is a
little slower still on a first visit.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

__all__ = ["OPEN", "SLOW_3G", "TWO_G", "Profile", "SlowLink", "slow_link"]

SEGMENT = 1460
"""Bytes per TCP segment on a typical mobile link (1500 MTU minus headers)."""


@dataclass(frozen=True)
class Profile:
    name: str
    rtt_s: float
    down_bytes_s: float
    up_bytes_s: float

    def describe(self) -> str:
        return (
            f"{self.name}: {self.rtt_s * 1000:.0f} ms round trip, "
            f"{self.down_bytes_s * 8 / 1000:.0f} kbit/s down, "
            f"{self.up_bytes_s * 8 / 1000:.0f} kbit/s up"
        )


SLOW_3G = Profile("slow 3G", 0.4, 400_000 / 8, 400_000 / 8)
"""DESIGN.md and issue 16: 400 ms, 400 kbit/s (Lighthouse's 'slow 4G' is 150 ms, 1.6 Mbit/s)."""
TWO_G = Profile("2G", 0.8, 250_000 / 8, 250_000 / 8)
"""DESIGN.md: 800 ms, 250 kbit/s."""
OPEN = Profile("open", 0.0, 0.0, 0.0)
"""No delay, no pacing (setting up accounts through the relay)."""


@dataclass
class _Direction:
    free_at: float = 0.0
    """Loop time at which the link is free to send the next segment."""
    bytes: int = 0


@dataclass
class SlowLink:
    """The relay: `url` reaches the server at `upstream_port` through the slow link."""

    upstream_port: int
    scheme: str = "http"
    """What the browser speaks through the relay: https when a TLS front is behind it."""
    profile: Profile = OPEN
    port: int = 0
    connections: int = 0
    down: _Direction = field(default_factory=_Direction)
    up: _Direction = field(default_factory=_Direction)

    @property
    def url(self) -> str:
        return f"{self.scheme}://localhost:{self.port}"

    def reset_counts(self) -> tuple[int, int, int]:
        """(bytes down, bytes up, connections) since the last reset, and start again."""
        counts = (self.down.bytes, self.up.bytes, self.connections)
        self.down.bytes = self.up.bytes = self.connections = 0
        return counts

    async def _pipe(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        direction: _Direction,
        rate: float,
        delay: float,
    ) -> None:
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

        async def deliver() -> None:
            while True:
                at, data = await queue.get()
                if not data:
                    break
                wait = at - loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                writer.write(data)
                await writer.drain()

        sender = asyncio.create_task(deliver())
        try:
            while data := await reader.read(64 * 1024):
                direction.bytes += len(data)
                for start in range(0, len(data), SEGMENT):
                    segment = data[start : start + SEGMENT]
                    now = loop.time()
                    leaves = max(now, direction.free_at)
                    direction.free_at = leaves + (len(segment) / rate if rate else 0)
                    queue.put_nowait((direction.free_at + delay, segment))
        except (ConnectionError, OSError):
            pass
        finally:
            queue.put_nowait((0.0, b""))
            with contextlib.suppress(ConnectionError, OSError):
                await sender
            writer.close()

    async def _serve(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        self.connections += 1
        profile = self.profile
        one_way = profile.rtt_s / 2
        try:
            server_r, server_w = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        except OSError:
            client_w.close()
            return
        # The handshake: the browser's first bytes leave one round trip after it connected.
        await asyncio.sleep(profile.rtt_s)
        await asyncio.gather(
            self._pipe(client_r, server_w, self.up, profile.up_bytes_s, one_way),
            self._pipe(server_r, client_w, self.down, profile.down_bytes_s, one_way),
        )


@contextlib.contextmanager
def slow_link(upstream_port: int, scheme: str = "http") -> Iterator[SlowLink]:
    """Run a relay to `upstream_port` in a thread; its `profile` may change between uses."""
    link = SlowLink(upstream_port, scheme)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        link.port = sock.getsockname()[1]
    loop = asyncio.new_event_loop()
    started = threading.Event()
    server: asyncio.Server | None = None

    async def start() -> None:
        nonlocal server
        server = await asyncio.start_server(link._serve, "127.0.0.1", link.port)
        started.set()

    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    asyncio.run_coroutine_threadsafe(start(), loop).result(timeout=10)
    started.wait(10)
    try:
        yield link
    finally:

        async def stop() -> None:
            if server:
                server.close()
                # Connections a browser keeps alive end with the loop.

        asyncio.run_coroutine_threadsafe(stop(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
