"""How relayed events reach Chronicles: one small interface, two backends.

``http`` posts NDJSON batches to Chronicles' ``POST /entries`` (the embedded
default); ``kafka`` produces to a topic that ``chronicles consume`` reads
(chosen when ``KAFKA_BOOTSTRAP_SERVERS`` is set).

Contract: :meth:`EventTransport.send` delivers every message of the batch or
raises :class:`TransportError`; it may deliver some before failing, so
messages carry a ``sequence_code`` and Chronicles ignores repeats. The relay
marks outbox rows sent only after ``send`` returns.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable


class TransportError(Exception):
    """The batch may not have been delivered; the relay will try again."""


@runtime_checkable
class EventTransport(Protocol):
    name: str

    async def send(self, messages: Sequence[bytes]) -> None:
        """Deliver every message (one JSON entry each) or raise :class:`TransportError`."""
        ...

    async def close(self) -> None:
        """Release connections; the transport is not used afterwards."""
        ...
