"""Reading response bodies within bounds: decompression streamed into the size cap, and a
byte budget shared by every fetch of a cycle.

httpx's own decoders inflate each network chunk whole: a 64 KiB chunk of a gzip bomb
became ~66 MB before our cap could count it, and 32 bombs in one cycle peaked at 1.3-2 GB.
Here a chunk is inflated at most (cap - size + 1) bytes at a time. And a cap per feed
does not bound a cycle: 40 valid feeds just under the 10 MiB cap took 1 GB, so fetches
also share a budget of body bytes held at once.
"""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import AsyncIterator, Mapping

# What we ask for, so that what we get is what we can stream-decode.
ACCEPT_ENCODING = "gzip, deflate"


class BodyError(Exception):
    """A body we will not keep; the message is the feed's error."""


class BodyTooLarge(BodyError):
    pass


class Inflater:
    """Incremental gzip/deflate decoding that never returns much more than asked for."""

    def __init__(self, encoding: str) -> None:
        self.encoding = encoding
        # gzip: a header and trailer (wbits | 16); deflate: zlib-wrapped, or raw from
        # servers that misread the spec (tried on the first error, as browsers do).
        self._wbits = zlib.MAX_WBITS | 16 if encoding != "deflate" else zlib.MAX_WBITS
        self._engine = zlib.decompressobj(self._wbits)
        self._started = False

    def decode(self, data: bytes, room: int) -> bytes:
        """Inflate `data`, returning at most room + 1 bytes: more than `room` means the
        body is past the cap, and nothing beyond that was ever inflated."""
        out = bytearray()
        pending = data
        while pending and len(out) <= room:
            try:
                out += self._engine.decompress(pending, room + 1 - len(out))
            except zlib.error as exc:
                if self.encoding == "deflate" and not self._started:
                    self._engine = zlib.decompressobj(-zlib.MAX_WBITS)
                    self._started = True
                    continue
                raise BodyError(f"cannot decode the {self.encoding} body: {exc}") from None
            self._started = True
            pending = self._engine.unconsumed_tail
            if self._engine.eof and self._engine.unused_data:
                # gzip allows several members back to back.
                pending = self._engine.unused_data
                self._engine = zlib.decompressobj(self._wbits)
        return bytes(out)


def inflater_for(headers: Mapping[str, str]) -> Inflater | None:
    """The decoder the Content-Encoding needs; None for identity."""
    codings = [
        c.strip().lower()
        for c in headers.get("content-encoding", "").split(",")
        if c.strip().lower() not in ("", "identity")
    ]
    if not codings:
        return None
    if len(codings) == 1 and codings[0] in ("gzip", "x-gzip", "deflate"):
        return Inflater("deflate" if codings[0] == "deflate" else "gzip")
    raise BodyError(f"unsupported Content-Encoding: {', '.join(codings)}")


async def read_capped(raw: AsyncIterator[bytes], inflater: Inflater | None, cap: int) -> bytes:
    """The decoded body from raw (still encoded) chunks; BodyTooLarge as soon as it
    passes `cap` bytes after decoding."""
    parts: list[bytes] = []
    size = 0
    async for chunk in raw:
        piece = chunk if inflater is None else inflater.decode(chunk, cap - size)
        size += len(piece)
        if size > cap:
            raise BodyTooLarge(f"body too large: more than {cap} bytes after decompression")
        parts.append(piece)
    return b"".join(parts)


def expected_size(headers: Mapping[str, str], cap: int) -> int:
    """What a body may need: its declared length if not compressed, else the cap."""
    declared = headers.get("content-length", "")
    if declared.isdigit() and not headers.get("content-encoding"):
        return min(int(declared), cap)
    return cap


class ByteBudget:
    """Bytes of feed bodies held at once, shared by the fetches of a cycle.

    A fetch reserves what its body may need once its headers arrive, shrinks the
    reservation to the body's real size once read, and releases it once its articles
    are stored. A fetch reserves once and never grows, so holders never wait on each
    other (no deadlock); one reservation larger than the budget waits until it is alone.
    """

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.used = 0
        self._waiters: list[asyncio.Future[None]] = []

    async def reserve(self, size: int) -> int:
        while self.used and self.used + size > self.capacity:
            waiter = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            try:
                await waiter
            finally:
                if waiter in self._waiters:
                    self._waiters.remove(waiter)
        self.used += size
        return size

    def release(self, size: int) -> None:
        self.used -= size
        # Wake everyone; each checks again whether its reservation fits now.
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_result(None)
        self._waiters.clear()
