"""One charge per presentation (``kiosk.presence.ChargeGuard``): the rule on its own,
then a property test against generated place / remove / scan / new-tray sequences with
arbitrary timings, checked against the rule written independently over the event log.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.presence import Charge, ChargeGuard, Repeat

HOLDOFF = 3.0
ALICE, BRUNO, PHONE = "nfc:04A1B2C3D4E5F6", "nfc:11223344", "phone:P1"


def charge(guard: ChargeGuard, key: str, at: float, ref: int) -> None:
    verdict = guard.admit(key, at)
    assert isinstance(verdict, Charge), verdict
    guard.accepted(verdict, ref)


def test_a_new_diner_is_charged_and_a_flicker_is_not() -> None:
    guard = ChargeGuard(HOLDOFF)
    guard.placed(ALICE, 0.0)
    charge(guard, ALICE, 0.0, ref=1)
    guard.tray_started(0.5)  # the cashier scans the next diner's first item
    guard.removed(ALICE, 0.8)  # the field flickers
    guard.placed(ALICE, 0.85)
    assert guard.admit(ALICE, 0.85) == Repeat(ALICE, 1, 0.85)
    guard.placed(BRUNO, 1.0)
    assert isinstance(guard.admit(BRUNO, 1.0), Charge)


def test_charged_again_only_after_the_holdoff_and_a_tray_while_away() -> None:
    guard = ChargeGuard(HOLDOFF)
    guard.placed(ALICE, 0.0)
    charge(guard, ALICE, 0.0, ref=1)
    guard.removed(ALICE, 0.3)
    guard.tray_started(0.5)  # while Alice's card is away
    guard.placed(ALICE, 1.0)
    assert isinstance(guard.admit(ALICE, 1.0), Repeat)  # within the hold-off
    guard.removed(ALICE, 1.2)
    guard.placed(ALICE, 4.0)  # the hold-off passed, but no tray since it left
    assert isinstance(guard.admit(ALICE, 4.0), Repeat)
    guard.removed(ALICE, 4.2)
    guard.tray_started(5.0)
    guard.placed(ALICE, 6.0)
    assert isinstance(guard.admit(ALICE, 6.0), Charge)


def test_a_card_lying_on_the_reader_never_pays_the_next_tray() -> None:
    guard = ChargeGuard(HOLDOFF)
    guard.placed(ALICE, 0.0)
    charge(guard, ALICE, 0.0, ref=1)
    guard.tray_started(10.0)  # the next tray, the card still on the reader
    guard.removed(ALICE, 20.0)
    guard.placed(ALICE, 20.05)  # a flicker long after the hold-off
    assert isinstance(guard.admit(ALICE, 20.05), Repeat)


def test_a_phone_code_is_a_presentation_that_leaves_at_once() -> None:
    guard = ChargeGuard(HOLDOFF)
    guard.scanned(PHONE, 0.0)
    charge(guard, PHONE, 0.0, ref=1)
    guard.scanned(PHONE, 0.01)  # two reads in one frame
    assert isinstance(guard.admit(PHONE, 0.01), Repeat)
    guard.tray_started(1.0)
    guard.scanned(PHONE, 5.0)
    assert isinstance(guard.admit(PHONE, 5.0), Charge)


def test_a_sale_being_committed_blocks_even_a_confirmed_one() -> None:
    guard = ChargeGuard(HOLDOFF)
    guard.placed(ALICE, 0.0)
    first = guard.admit(ALICE, 0.0)
    assert isinstance(first, Charge)
    assert guard.admit(ALICE, 0.01, confirmed=True) == Repeat(ALICE, None, 0.01)
    guard.accepted(first, 7)
    assert guard.admit(ALICE, 0.02) == Repeat(ALICE, 7, 0.02)
    assert isinstance(guard.admit(ALICE, 0.03, confirmed=True), Charge)


def test_a_refused_sale_charges_nothing_and_is_forgotten() -> None:
    guard = ChargeGuard(HOLDOFF)
    guard.placed(ALICE, 0.0)
    first = guard.admit(ALICE, 0.0)
    assert isinstance(first, Charge)
    guard.released(first)  # refused: insufficient balance
    assert guard.last_charge(ALICE) is None
    retry = guard.admit(ALICE, 0.5)  # after a cash top-up, the same card
    assert isinstance(retry, Charge)
    guard.accepted(Charge(ALICE, 999), 1)  # not this charge's token: ignored
    assert guard.admit(ALICE, 0.75) == Repeat(ALICE, None, 0.25)  # still being committed
    guard.accepted(retry, 2)
    assert guard.last_charge(ALICE) == 2


def test_a_confirmed_second_sale_refused_leaves_the_first_one_protecting() -> None:
    guard = ChargeGuard(HOLDOFF)
    guard.placed(ALICE, 0.0)
    charge(guard, ALICE, 0.0, ref=1)
    guard.removed(ALICE, 0.5)
    guard.placed(ALICE, 1.0)
    assert isinstance(guard.admit(ALICE, 1.0), Repeat)
    forced = guard.admit(ALICE, 1.1, confirmed=True)
    assert forced == Charge(ALICE, forced.token, confirmed=True)  # type: ignore[union-attr]
    assert isinstance(forced, Charge)
    guard.removed(ALICE, 1.2)  # the card leaves while that sale is refused
    guard.released(forced)
    guard.placed(ALICE, 5.0)  # no tray since it left: the first sale still counts
    assert guard.admit(ALICE, 5.0) == Repeat(ALICE, 1, 5.0)


def test_a_new_presentation_refused_may_be_retried_for_the_same_tray() -> None:
    guard = ChargeGuard(HOLDOFF)
    guard.placed(ALICE, 0.0)
    charge(guard, ALICE, 0.0, ref=1)
    guard.removed(ALICE, 0.5)
    guard.tray_started(1.0)
    guard.placed(ALICE, 5.0)
    again = guard.admit(ALICE, 5.0)
    assert again == Charge(ALICE, again.token, confirmed=False)  # type: ignore[union-attr]
    assert isinstance(again, Charge)
    guard.removed(ALICE, 5.1)
    guard.released(again)  # insufficient balance; a cash top-up, and a new tap
    guard.placed(ALICE, 20.0)
    assert isinstance(guard.admit(ALICE, 20.0), Charge)


def test_negative_holdoff_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        ChargeGuard(-1)


# The property ---------------------------------------------------------------------------

step = st.tuples(
    st.one_of(st.just(0.0), st.floats(0.0, 0.2), st.floats(0.5, 4.0), st.floats(0.0, 30.0)),
    st.one_of(
        st.tuples(st.sampled_from(("place", "remove")), st.sampled_from((ALICE, ALICE, BRUNO))),
        st.tuples(st.just("scan"), st.just(PHONE)),
        st.tuples(st.just("tray"), st.just("")),
    ),
    st.sampled_from(("accepted", "refused", "confirm")),  # a charge's fate
)


@dataclass
class Log:
    """What happened, as the rule speaks of it: presentations, removals, trays."""

    events: list[tuple[int, float, str, str]] = field(default_factory=list)  # i, t, kind, key
    charges: dict[str, tuple[int, float, bool]] = field(default_factory=dict)  # i, t, away
    on_reader: set[str] = field(default_factory=set)
    stay: dict[str, int] = field(default_factory=dict)  # key -> index its stay began
    refused_new: list[tuple[int, str]] = field(default_factory=list)  # found new, refused

    def expected_new(self, key: str, at: float, start: int) -> bool:
        """The rule over the log: may the presentation begun at ``start`` be charged?"""
        last = self.charges.get(key)
        if last is None:
            return True
        index, charged_at, away_at_charge = last
        if any(k == key and i > index for i, k in self.refused_new):
            return True  # a presentation found new ended that charge's protection
        if at - charged_at < HOLDOFF:
            return False
        removals = [i for i, _t, kind, k in self.events if k == key and kind == "left"]
        gone = [i for i in removals if index < i < start]
        if gone:
            away_from = gone[-1]
        elif away_at_charge:
            away_from = index
        else:
            return False  # it never left the reader since it paid
        return any(kind == "tray" and away_from < i < start for i, _t, kind, _k in self.events)


@settings(max_examples=500, deadline=None)
@given(st.lists(step, min_size=1, max_size=40))
def test_one_charge_per_presentation_and_every_new_one_is_charged(
    steps: list[tuple[float, tuple[str, str], str]],
) -> None:
    guard = ChargeGuard(HOLDOFF)
    log = Log()
    now = 0.0
    charged_stays: dict[tuple[str, int], int] = {}  # (key, stay) -> charges not confirmed
    for dt, (kind, key), fate in steps:
        now += dt
        i = len(log.events)
        if kind == "tray":
            guard.tray_started(now)
            log.events.append((i, now, "tray", ""))
            continue
        if kind == "remove":
            guard.removed(key, now)
            if key in log.on_reader:
                log.on_reader.discard(key)
                log.events.append((i, now, "left", key))
            continue
        # A presentation (or a second read of one): the till tries to charge it.
        if kind == "place":
            guard.placed(key, now)
            if key not in log.on_reader:
                log.on_reader.add(key)
                log.stay[key] = i
            log.events.append((i, now, "read", key))
        else:
            guard.scanned(key, now)
            log.stay[key] = i
            log.events.append((i, now, "read", key))
            log.events.append((i + 1, now, "left", key))  # a code leaves at once
        start = log.stay[key]
        expected = log.expected_new(key, now, start)
        verdict = guard.admit(key, now)
        assert isinstance(verdict, Charge) is expected, (kind, key, now, log.events)
        confirmed = False
        if isinstance(verdict, Repeat):
            assert verdict.ref == log.charges[key][0]
            if fate != "confirm":
                continue
            verdict = guard.admit(key, now, confirmed=True)  # the cashier confirms
            assert isinstance(verdict, Charge)
            confirmed = True
        if fate == "refused":
            guard.released(verdict)
            if not confirmed:
                log.refused_new.append((i, key))
            continue
        guard.accepted(verdict, i)
        away = kind == "scan"
        log.charges[key] = (i, now, away)
        if not confirmed:
            charged_stays[(key, start)] = charged_stays.get((key, start), 0) + 1
    assert all(count == 1 for count in charged_stays.values()), charged_stays
