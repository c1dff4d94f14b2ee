"""One charge per presentation: the rule that keeps a re-read badge from paying twice.

A reader reports a card when it enters the field (``placed``) and when it leaves
(``removed``); a field that flickers, or a card lifted and put back, is reported
again, often just after the cashier started the next diner's tray. A QR code read by
a scanner is a presentation with no stay on the reader (``scanned``).

The rule, for a credential whose last charge was at time ``C``: a new presentation is
charged only when

- the hold-off has passed since ``C`` (``holdoff_s``, a site setting), and
- the credential left the reader after ``C`` and a new tray was started while it was
  away, in the absence just before this presentation (a card lying on the reader whose
  field flickers after the next tray began is not a new diner).

Otherwise the verdict is ``Repeat`` with the previous charge's reference, and
nothing is charged unless the cashier confirms a second sale. A charge whose sale is
still being committed blocks every other charge of that credential. A charge protects
until the first presentation found new: when that one's sale is refused (``released``)
the diner may top up and tap again for the same tray.

``ChargeGuard`` is pure: no clock, no I/O, no threads. Every call takes the time
(monotonic seconds) from its caller, in the order the events happened; the till
service feeds it and holds the lock.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace


@dataclass(frozen=True, slots=True)
class Charge:
    """Go ahead: charge this presentation, then report ``accepted`` or ``released``.
    ``confirmed``: admitted only because the cashier confirmed a second sale."""

    key: str
    token: int
    confirmed: bool = False


@dataclass(frozen=True, slots=True)
class Repeat:
    """This presentation repeats a charge made ``since_s`` seconds ago.

    ``ref`` is what the previous charge recorded (the entry's sequence number), or
    None while that sale is still being committed."""

    key: str
    ref: int | None
    since_s: float


Verdict = Charge | Repeat


@dataclass(frozen=True, slots=True)
class _Record:
    """The last charge of one credential and what happened to it since."""

    token: int
    charged_at: float
    ref: int | None  # None while the sale is being committed
    left: bool = False  # it left the reader after the charge (the latest absence is known)
    tray_while_away: bool = False  # a tray was started during the latest absence
    new_presentation: bool = False  # the current presentation followed such an absence
    previous: _Record | None = None  # restored when this charge is released


class ChargeGuard:
    """Decides, for each presentation of a credential, whether it may be charged."""

    def __init__(self, holdoff_s: float) -> None:
        if holdoff_s < 0:
            raise ValueError(f"the hold-off cannot be negative, got {holdoff_s}")
        self.holdoff_s = holdoff_s
        self._on_reader: set[str] = set()
        self._charges: dict[str, _Record] = {}
        self._tokens = itertools.count(1)

    # Events --------------------------------------------------------------------------

    def placed(self, key: str, at: float) -> None:
        """The credential came into the reader's field (or was read again)."""
        del at  # the order of events is what counts; the time matters only for charges
        if key in self._on_reader:
            return  # a second read of the same stay: the same presentation
        self._on_reader.add(key)
        record = self._charges.get(key)
        if record is not None:
            self._charges[key] = replace(
                record, new_presentation=record.left and record.tray_while_away
            )

    def removed(self, key: str, at: float) -> None:
        """The credential left the reader (a driver's removal, or a reader detached)."""
        del at
        if key not in self._on_reader:
            return
        self._on_reader.discard(key)
        record = self._charges.get(key)
        if record is not None:  # a new absence begins: only trays from now on count
            self._charges[key] = replace(record, left=True, tray_while_away=False)

    def scanned(self, key: str, at: float) -> None:
        """A code read by a scanner: presented and gone at once."""
        self.placed(key, at)
        self.removed(key, at)

    def tray_started(self, at: float) -> None:
        """The cashier started a new tray (the first item on an empty tray)."""
        for key, record in list(self._charges.items()):
            if key in self._on_reader:
                continue  # a tray started under a card lying on the reader is not its own
            if record.ref is not None and at - record.charged_at >= self.holdoff_s:
                # any later presentation will be charged: nothing left to remember
                del self._charges[key]
            elif not record.tray_while_away:
                self._charges[key] = replace(record, tray_while_away=True)

    # Charges -------------------------------------------------------------------------

    def admit(self, key: str, at: float, *, confirmed: bool = False) -> Verdict:
        """May the current presentation of ``key`` be charged now?

        ``confirmed``: the cashier asked for a second sale; only a charge still being
        committed is then refused."""
        record = self._charges.get(key)
        forced = False
        if record is not None:
            since = at - record.charged_at
            new = record.new_presentation and since >= self.holdoff_s
            if record.ref is None or not (new or confirmed):
                return Repeat(key, record.ref, max(0.0, since))
            forced = not new
        token = next(self._tokens)
        away = key not in self._on_reader  # a scanned code is gone already
        self._charges[key] = _Record(token, at, None, left=away, previous=record)
        return Charge(key, token, forced)

    def accepted(self, charge: Charge, ref: int) -> None:
        """The charge was committed as entry ``ref``."""
        record = self._charges.get(charge.key)
        if record is not None and record.token == charge.token:
            self._charges[charge.key] = replace(record, ref=ref, previous=None)

    def released(self, charge: Charge) -> None:
        """The charge was refused or failed: nothing was taken.

        A presentation the rule found new ends the protection of the charge before it,
        even when its own sale is refused (the diner tops up and taps again for the same
        tray); one only the cashier forced through leaves that charge as it was."""
        record = self._charges.get(charge.key)
        if record is None or record.token != charge.token:
            return
        previous = record.previous
        if previous is None or not charge.confirmed:
            del self._charges[charge.key]
            return
        if record.left:  # it left after the admission: that absence counts for both
            previous = replace(
                previous,
                left=True,
                tray_while_away=record.tray_while_away,
                new_presentation=record.new_presentation,
            )
        self._charges[charge.key] = previous

    def last_charge(self, key: str) -> int | None:
        """The reference of the last committed charge of ``key`` still remembered."""
        record = self._charges.get(key)
        return None if record is None else record.ref
