"""An in-process badge reader for the demo and the UI tests.

``tap(uid_hex)`` presents and removes a card; ``place``/``remove`` hold one on the
reader; ``unplug``/``plug`` simulate a disconnection. Events go through the same
``BadgeReader`` and supervision code as the real backends.
"""

from __future__ import annotations

import queue

from drivers.badge.base import BadgeReader
from drivers.base import RetryPolicy
from drivers.config import VirtualReaderConfig
from drivers.errors import DeviceLostError, DeviceNotFoundError
from drivers.events import Event

_POLL = 0.1


class VirtualBadgeReader(BadgeReader):
    def __init__(self, config: VirtualReaderConfig | None, events: queue.Queue[Event]) -> None:
        config = config or VirtualReaderConfig()
        super().__init__(
            config.source or "virtual-reader", events, RetryPolicy(config.retry_initial)
        )
        self._actions: queue.Queue[tuple[str, bytes, bytes | None]] = queue.Queue()
        self._plugged = True

    def tap(self, uid_hex: str, data: bytes | None = None) -> None:
        """A card brought to the reader and taken away."""
        self.place(uid_hex, data)
        self.remove()

    def place(self, uid_hex: str, data: bytes | None = None) -> None:
        self._actions.put(("place", _uid(uid_hex), data))

    def remove(self) -> None:
        self._actions.put(("remove", b"", None))

    def unplug(self) -> None:
        self._plugged = False
        self._actions.put(("unplug", b"", None))

    def plug(self) -> None:
        self._plugged = True

    def _attach(self) -> None:
        if not self._plugged:
            raise DeviceNotFoundError("virtual reader unplugged")

    def _poll(self) -> None:
        try:
            action, uid, data = self._actions.get(timeout=_POLL)
        except queue.Empty:
            return
        if action == "place":
            self._card_present(uid, data)
        elif action == "remove":
            self._card_absent()
        elif action == "unplug":
            raise DeviceLostError("virtual reader unplugged")

    def _wake(self) -> None:
        self._actions.put(("noop", b"", None))


def _uid(uid_hex: str) -> bytes:
    try:
        uid = bytes.fromhex(uid_hex.replace(":", "").replace(" ", ""))
    except ValueError:
        raise ValueError(f"not a hex UID: {uid_hex!r}") from None
    if len(uid) not in (4, 7, 8, 10):
        raise ValueError(f"a UID has 4, 7, 8 or 10 bytes, got {len(uid)}: {uid_hex!r}")
    return uid
