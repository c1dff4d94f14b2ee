"""The badge reader interface: one ``BadgePresented`` per card until it is removed.

Backends call ``_card_present(uid, data)`` whenever they see a card and
``_card_absent()`` when the field is empty; the base class turns that into exactly
one ``BadgePresented`` (credential normalised by ``drivers.events.badge_credential``)
and one ``BadgeRemoved`` (naming the same credential) per stay on the reader, whatever
the polling rate: the till needs both to charge a card once per presentation.
"""

from __future__ import annotations

import logging

from drivers.base import Device
from drivers.events import BadgePresented, BadgeRemoved, DeviceKind, badge_credential

log = logging.getLogger(__name__)


class BadgeReader(Device):
    kind = DeviceKind.READER
    scheme = "nfc"

    _present_uid: bytes | None = None

    def _card_present(self, uid: bytes, data: bytes | None = None) -> None:
        if self._present_uid == uid:
            return
        if self._present_uid is not None:  # a different card without a gap between them
            self._card_absent()
        self._present_uid = uid
        credential = badge_credential(uid, self.scheme)
        log.info("%s: badge %s presented", self.source, credential)
        self._emit(BadgePresented(self.source, credential, data))

    def _card_absent(self) -> None:
        if self._present_uid is None:
            return
        credential = badge_credential(self._present_uid, self.scheme)
        self._present_uid = None
        log.info("%s: badge %s removed", self.source, credential)
        self._emit(BadgeRemoved(self.source, credential))

    def _detach(self) -> None:
        # A card cannot stay "presented" across a disconnection: the next attach
        # reports it afresh, and the application sees the gap.
        self._card_absent()
