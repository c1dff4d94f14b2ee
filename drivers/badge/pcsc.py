"""PC/SC badge reader on pyscard (pcscd): reader and card monitoring with
``SCardGetStatusChange``, the UID read with the ``FF CA 00 00 00`` GET DATA APDU.

The ACR122U and other CCID readers belong here: pcscd claims them (the kernel's
``pn533`` module must be blacklisted, see config/hardware.md). A reader that
disappears (unplugged, pcscd restarted) is a ``DeviceLostError``; supervision reattaches
when it comes back.
"""

from __future__ import annotations

import logging
import queue
from typing import Any

from drivers.badge.base import BadgeReader
from drivers.base import RetryPolicy
from drivers.config import PcscReaderConfig
from drivers.errors import DeviceError, DeviceLostError, DeviceNotFoundError
from drivers.events import Event, FaultKind
from drivers.registry import require

log = logging.getLogger(__name__)

GET_UID = [0xFF, 0xCA, 0x00, 0x00, 0x00]
_WAIT_MS = 250  # bounded wait so that close() is prompt even without SCardCancel


class PcscReader(BadgeReader):
    def __init__(self, config: PcscReaderConfig, events: queue.Queue[Event]) -> None:
        super().__init__(config.source or "pcsc", events, RetryPolicy(config.retry_initial))
        self._config = config
        self.scheme = config.scheme
        self._sc: Any = require("smartcard.scard", "pcsc")
        self._context: Any = None
        self._reader = ""
        self._state = 0
        self._card_seen = False

    def _check(self, hresult: int, what: str) -> None:
        sc = self._sc
        if hresult == sc.SCARD_S_SUCCESS:
            return
        message = (
            f"{what}: {sc.SCardGetErrorMessage(hresult).strip()} (0x{hresult & 0xFFFFFFFF:08X})"
        )
        gone = {
            sc.SCARD_E_NO_SERVICE,
            sc.SCARD_F_COMM_ERROR,
            sc.SCARD_E_SERVICE_STOPPED,
            sc.SCARD_E_UNKNOWN_READER,
            sc.SCARD_E_READER_UNAVAILABLE,
            sc.SCARD_E_NO_READERS_AVAILABLE,
            sc.SCARD_E_INVALID_HANDLE,
        }
        if hresult in gone:
            raise DeviceLostError(message)
        raise DeviceError(message, FaultKind.IO_ERROR)

    def _attach(self) -> None:
        sc = self._sc
        hresult, context = sc.SCardEstablishContext(sc.SCARD_SCOPE_USER)
        if hresult != sc.SCARD_S_SUCCESS:
            raise DeviceNotFoundError(
                f"pcscd not reachable: {sc.SCardGetErrorMessage(hresult).strip()}"
            )
        hresult, readers = sc.SCardListReaders(context, [])
        names = list(readers) if hresult == sc.SCARD_S_SUCCESS else []
        wanted = self._config.reader
        matching = [name for name in names if wanted in name]
        if not matching:
            sc.SCardReleaseContext(context)
            raise DeviceNotFoundError(
                f"no PC/SC reader matching {wanted!r} (readers: {', '.join(names) or 'none'})"
            )
        self._context, self._reader = context, matching[0]
        self._state = sc.SCARD_STATE_UNAWARE
        self._card_seen = False
        log.info("%s: using PC/SC reader %s", self.source, self._reader)

    def _poll(self) -> None:
        sc = self._sc
        hresult, states = sc.SCardGetStatusChange(
            self._context, _WAIT_MS, [(self._reader, self._state)]
        )
        if hresult in (sc.SCARD_E_TIMEOUT, sc.SCARD_E_CANCELLED):
            return
        self._check(hresult, "waiting for a card")
        _, event_state, _atr = states[0]
        self._state = event_state & ~sc.SCARD_STATE_CHANGED
        if event_state & (sc.SCARD_STATE_UNKNOWN | sc.SCARD_STATE_UNAVAILABLE):
            raise DeviceLostError(f"PC/SC reader {self._reader} went away")
        if event_state & sc.SCARD_STATE_PRESENT and not event_state & sc.SCARD_STATE_MUTE:
            if not self._card_seen:
                self._card_seen = True
                uid = self._read_uid()
                if uid:
                    self._card_present(uid)
        elif event_state & sc.SCARD_STATE_EMPTY:
            self._card_seen = False
            self._card_absent()

    def _read_uid(self) -> bytes | None:
        sc = self._sc
        hresult, card, protocol = sc.SCardConnect(
            self._context,
            self._reader,
            sc.SCARD_SHARE_SHARED,
            sc.SCARD_PROTOCOL_T0 | sc.SCARD_PROTOCOL_T1,
        )
        if hresult in (sc.SCARD_W_REMOVED_CARD, sc.SCARD_E_NO_SMARTCARD):
            return None  # gone before we could talk to it
        if hresult in (sc.SCARD_W_UNRESPONSIVE_CARD, sc.SCARD_E_PROTO_MISMATCH):
            log.info("%s: card does not answer", self.source, extra={"card_unread": True})
            return None
        self._check(hresult, "connecting to the card")
        try:
            hresult, response = sc.SCardTransmit(card, protocol, GET_UID)
            if hresult in (sc.SCARD_W_REMOVED_CARD, sc.SCARD_E_NO_SMARTCARD):
                return None
            self._check(hresult, "reading the UID")
        finally:
            sc.SCardDisconnect(card, sc.SCARD_LEAVE_CARD)
        if len(response) < 3 or response[-2:] != [0x90, 0x00]:
            status = bytes(response[-2:]).hex().upper()
            log.info(
                "%s: card refused GET UID (status %s)",
                self.source,
                status,
                extra={"card_unread": True},
            )
            return None
        return bytes(response[:-2])

    def _wake(self) -> None:
        if self._context is not None:
            self._sc.SCardCancel(self._context)

    def _detach(self) -> None:
        super()._detach()
        context, self._context = self._context, None
        if context is not None:
            self._sc.SCardReleaseContext(context)
