"""NFC badge reader on nfcpy: ``usb:`` (PN533, RC-S380 ...), ``tty:`` (PN532) and
``udp:`` (nfcpy's simulated radio, used by the tests).

Each poll step senses once for the configured technologies; a tag found is
activated, its identifier (UID, or IDm for FeliCa) and NDEF message read, and then
its presence checked until it leaves the field.
"""

from __future__ import annotations

import logging
import queue
from typing import Any

from drivers.badge.base import BadgeReader
from drivers.base import RetryPolicy
from drivers.config import NfcReaderConfig
from drivers.errors import DeviceLostError, DeviceNotFoundError
from drivers.events import Event
from drivers.registry import require

log = logging.getLogger(__name__)

_IDLE = 0.05  # pause between sense rounds when the field is empty (real readers return at once)


class NfcReader(BadgeReader):
    def __init__(self, config: NfcReaderConfig, events: queue.Queue[Event]) -> None:
        super().__init__(config.source or "nfc", events, RetryPolicy(config.retry_initial))
        self._config = config
        self._nfc: Any = require("nfc", "nfc")
        require("nfc.clf", "nfc")
        require("nfc.tag", "nfc")
        self._clf: Any = None
        self._tag: Any = None

    def _attach(self) -> None:
        nfc = self._nfc
        path = self._config.path
        clf = nfc.ContactlessFrontend()
        try:
            found = clf.open(path)
        except (OSError, ValueError) as exc:
            raise DeviceNotFoundError(f"cannot open NFC reader {path}: {exc}") from exc
        if not found:
            raise DeviceNotFoundError(f"no NFC reader at {path}")
        self._clf = clf
        log.info("%s: using %s", self.source, clf)

    def _poll(self) -> None:
        nfc = self._nfc
        try:
            if self._tag is None:
                self._sense()
            elif self._tag.is_present:
                self._stop.wait(self._config.presence_interval)
            else:
                self._forget_tag()
        except OSError as exc:  # nfcpy's way of saying the reader is gone
            raise DeviceLostError(f"NFC reader {self._config.path} stopped: {exc}") from exc
        except nfc.clf.CommunicationError as exc:
            # A card leaving in the middle of a read: forget it, sense again.
            log.debug("%s: communication error: %s", self.source, exc)
            self._forget_tag()

    def _forget_tag(self) -> None:
        self._tag = None
        self._card_absent()

    def _sense(self) -> None:
        nfc = self._nfc
        targets = [nfc.clf.RemoteTarget(brty) for brty in self._config.targets]
        target = self._clf.sense(*targets, iterations=1, interval=0.1)
        if target is None or _is_peer_to_peer(target):
            self._card_absent()
            self._stop.wait(_IDLE)
            return
        tag = nfc.tag.activate(self._clf, target)
        if tag is None:
            return
        uid = bytes(tag.identifier)
        data = self._read_ndef(tag) if self._config.read_ndef else None
        self._tag = tag
        self._card_present(uid, data)

    def _read_ndef(self, tag: Any) -> bytes | None:
        nfc = self._nfc
        try:
            ndef = tag.ndef
            if ndef is not None and ndef.length > 0:
                return bytes(ndef.octets)
        except (nfc.tag.TagCommandError, nfc.clf.CommunicationError) as exc:
            log.debug("%s: no NDEF read: %s", self.source, exc)
        return None

    def _detach(self) -> None:
        super()._detach()
        self._tag = None
        clf, self._clf = self._clf, None
        if clf is not None:
            try:
                clf.close()
            except Exception:
                log.debug("%s: error closing the reader", self.source, exc_info=True)


def _is_peer_to_peer(target: Any) -> bool:
    # A phone in P2P (NFC-DEP) mode is not a badge; nfcpy's connect() skips it alike.
    sel_res, sensf_res = target.sel_res, target.sensf_res
    if sel_res and sel_res[0] & 0x40:
        return True
    return bool(sensf_res and bytes(sensf_res[1:3]) == b"\x01\xfe")
