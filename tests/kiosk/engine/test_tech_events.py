"""The technical events journal: start and stop with the version, configuration and
site settings changes (what changed), clock jumps, sync incidents and refused cashier
PINs, all chained and signed with the sales."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from kiosk import __version__
from kiosk.engine import Engine
from kiosk.engine.cashiers import PinOutcome, add_cashier
from kiosk.engine.tech_events import (
    JournalledPinGuard,
    TechWatch,
    changes,
    describe,
    events,
    flatten,
    note_sync,
    record_start,
    record_stop,
)
from sync.journal import Entry
from sync.money import Money
from sync.protocol.payloads import PayloadError, build_payload

from .conftest import SETTINGS, FakeClock

CONFIG: dict[str, Any] = {
    "terminal": {"mode": "till", "training": False},
    "ui": {"lang": "fr", "width": 1280},
    "hub": {"api_token": "s3cret-token"},
}


def kinds(entries: list[Entry]) -> list[str]:
    return [e.kind for e in entries]


def test_a_start_records_the_version_and_what_changed_in_the_configuration(
    engine: Engine,
) -> None:
    first = record_start(engine, "till", CONFIG)
    assert kinds(first) == ["start", "config_change", "config_change"]
    assert first[0].payload["version"] == __version__
    config, settings = first[1].payload, first[2].payload
    assert config["source"] == "config" and settings["source"] == "site_settings"
    assert {c["key"] for c in config["changes"]} >= {"terminal.mode", "ui.lang"}
    # A secret's value is never written, in the entry nor in what is remembered.
    token = next(c for c in config["changes"] if c["key"] == "hub.api_token")
    assert token == {"key": "hub.api_token", "before": None, "after": "(hidden)"}
    assert "s3cret" not in str(engine.store.meta("tech:config"))
    # The same configuration again: a start, and nothing else.
    assert kinds(record_start(engine, "till", CONFIG)) == ["start"]
    changed = {**CONFIG, "ui": {"lang": "en", "width": 1280}}
    again = record_start(engine, "till", changed)
    assert kinds(again) == ["start", "config_change"]
    assert again[1].payload["changes"] == [{"key": "ui.lang", "before": "fr", "after": "en"}]
    assert record_stop(engine, "till").payload == {
        "business_day": "2026-11-26",
        "mode": "till",
        "version": __version__,
    }
    assert engine.verify().ok


def test_changed_secrets_are_seen_without_their_values() -> None:
    before = flatten({"hub": {"api_token": "one"}, "ui": {"lang": "fr"}})
    after = flatten({"hub": {"api_token": "two"}, "ui": {"lang": "fr"}})
    assert changes(before, after) == [
        {"key": "hub.api_token", "before": "(hidden)", "after": "(hidden)"}
    ]
    many = changes({}, {f"k{i:03}": "v" for i in range(150)})
    assert len(many) == 100 and many[-1] == {"key": "(more)", "after": "51 more"}
    build_payload("config_change", {"business_day": "2026-11-26", "source": "config",
                                    "changes": many})  # fmt: skip


def test_a_clock_set_back_is_journalled_at_start_and_while_running(
    engine: Engine, clock: FakeClock
) -> None:
    record_start(engine, "till")
    clock.advance(hours=-3)  # the clock was put back three hours while the till was off
    started = record_start(engine, "till")
    assert kinds(started) == ["clock_jump", "start"]
    assert started[0].payload["detected"] == "start"
    assert started[0].payload["seconds"] == -3 * 3600
    # Running: the wall clock against the monotonic one.
    ticks = [100.0]
    watch = TechWatch(engine, monotonic=lambda: ticks[0])
    assert watch.check() == []
    ticks[0] += 60
    clock.advance(seconds=60)  # time passing is no jump
    assert watch.check() == []
    ticks[0] += 60
    clock.advance(hours=1, seconds=60)  # an hour more than the time that passed
    [jump] = watch.check()
    assert jump.kind == "clock_jump" and jump.payload["detected"] == "running"
    assert jump.payload["seconds"] == 3600
    assert engine.verify().ok


def test_a_sync_incident_is_journalled_when_it_begins_and_ends(engine: Engine) -> None:
    assert note_sync(engine) is None
    engine.store.record_sync_result(ok=False, error="422 entry_refused: amount_limit",
                                    permanent=True)  # fmt: skip
    began = note_sync(engine)
    assert began is not None and began.kind == "sync"
    assert began.payload["event"] == "refused" and "amount_limit" in began.payload["note"]
    assert note_sync(engine) is None  # the same incident is written once
    engine.store.record_sync_result(ok=True)
    ended = note_sync(engine)
    assert ended is not None and ended.payload["event"] == "resolved"
    assert note_sync(engine) is None
    # While the hub holds entries this journal lost, nothing is written (recover first).
    engine.store.record_sync_result(ok=False, error="refused", permanent=True)
    engine.store.record_hub_ahead(40, None)
    assert note_sync(engine) is None
    assert engine.verify().ok


def test_a_site_settings_change_from_the_hub_is_journalled(engine: Engine) -> None:
    watch = TechWatch(engine)
    assert watch.check() == []  # the settings seen first are remembered, not written
    assert engine.store.last_seq() == 0
    engine.store.apply_snapshot(
        accounts=[],
        credentials=[],
        settings=SETTINGS.model_copy(update={"offline_daily_cap": 2000}),
        applied_seq=0,
        cursor=2,
    )
    [changed] = watch.check()
    assert changed.payload["changes"] == [
        {"key": "offline_daily_cap", "before": "1500", "after": "2000"}
    ]


def test_refused_pins_are_journalled_without_the_pin(engine: Engine, clock: FakeClock) -> None:
    add_cashier(engine.store, "K1", "Karim", "nfc:CA5E0001", "4821")
    guard = JournalledPinGuard(engine, attempts=3)
    assert guard.attempt("K1", "4821", clock()).outcome is PinOutcome.OK
    for _ in range(2):
        assert guard.attempt("K1", "0000", clock()).outcome is PinOutcome.WRONG
    assert guard.attempt("K1", "1111", clock()).outcome is PinOutcome.LOCKED
    assert guard.attempt("K1", "4821", clock()).outcome is PinOutcome.LOCKED  # not checked
    failed = list(events(engine, kinds=frozenset({"pin_failed"})))
    assert [e.payload["locked"] for e in failed] == [False, False, True, True]
    assert all(e.payload["cashier"] == "K1" for e in failed)
    assert not any(pin in str(e.payload) for e in failed for pin in ("0000", "1111", "4821"))
    assert describe(failed[-1]) == "cashier K1, locked out"


def test_events_lists_only_technical_entries_from_a_moment(
    engine: Engine, clock: FakeClock
) -> None:
    record_start(engine, "till")
    engine.sell("nfc:04A1B2C3D4E5F6", Money(450))
    clock.advance(days=1)
    record_stop(engine, "till")
    listed = list(events(engine))
    assert "sale" not in kinds(listed) and kinds(listed)[-1] == "stop"
    later = list(events(engine, since=clock() - timedelta(hours=1)))
    assert kinds(later) == ["stop"]
    assert describe(later[0]) == f"till version {__version__}"


@pytest.mark.parametrize(
    "payload",
    [
        {"source": "config", "changes": []},  # nothing changed: no entry
        {"source": "elsewhere", "changes": [{"key": "a"}]},
        {"source": "config", "changes": [{"key": "a", "after": "x" * 201}]},
    ],
)
def test_config_change_payloads_are_bounded(payload: dict[str, Any]) -> None:
    with pytest.raises(PayloadError):
        build_payload("config_change", {"business_day": "2026-11-26", **payload})
