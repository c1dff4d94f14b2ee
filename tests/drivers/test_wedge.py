"""Keyboard-wedge decoding with real ``evdev.InputEvent`` sequences, as a scanner set
to French AZERTY or US QWERTY would send them (no uinput device can be made here)."""

from __future__ import annotations

import pytest

from drivers.config import EvdevScannerConfig
from drivers.events import CodeRejected, CodeScanned
from drivers.scanner.keymaps import (
    KEY_CODES,
    LAYOUT_TEST_CODE,
    LAYOUTS,
    WedgeDecoder,
    layouts_typing,
)
from drivers.scanner.wedge import WedgeScanner

from .conftest import Events

evdev = pytest.importorskip("evdev")
ecodes = evdev.ecodes

SHIFT, ALTGR = "KEY_LEFTSHIFT", "KEY_RIGHTALT"


def press(name: str, *modifiers: str) -> list[object]:
    """Key events for one key stroke with modifiers held, with SYN reports like a keyboard."""
    t = 1_700_000_000
    seq: list[object] = []

    def key(n: str, value: int) -> None:
        seq.append(evdev.InputEvent(t, 0, ecodes.EV_KEY, ecodes.ecodes[n], value))
        seq.append(evdev.InputEvent(t, 0, ecodes.EV_SYN, ecodes.SYN_REPORT, 0))

    for m in modifiers:
        key(m, 1)
    key(name, 1)
    key(name, 0)
    for m in reversed(modifiers):
        key(m, 0)
    return seq


def typed(layout: str, text: str) -> list[object]:
    """What a scanner in ``layout`` sends for ``text`` (inverse lookup of the key map)."""
    table = LAYOUTS[layout]
    seq: list[object] = []
    for char in text:
        for name, chars in table.items():
            if char in chars:
                level = chars.index(char)
                seq += press(name, *[[], [SHIFT], [ALTGR]][level])
                break
        else:
            raise AssertionError(f"{char!r} not typable in {layout}")
    return seq + press("KEY_ENTER")


def decode(layout: str, sequence: list[object]) -> list[tuple[str, int]]:
    decoder = WedgeDecoder(layout)
    return [r for e in sequence if (r := decoder.feed(e)) is not None]  # type: ignore[arg-type]


def test_key_codes_are_the_kernel_ones() -> None:
    for name, code in KEY_CODES.items():
        assert ecodes.ecodes[name] == code, name


def test_azerty_hand_written_sequence() -> None:
    # "Aq1@" on AZERTY: Shift+Q-key, A-key, Shift+"&" key, AltGr+"à" key
    seq = press("KEY_Q", SHIFT) + press("KEY_A") + press("KEY_1", SHIFT) + press("KEY_0", ALTGR)
    assert decode("azerty", seq + press("KEY_ENTER")) == [("Aq1@", 0)]


def test_qwerty_hand_written_sequence() -> None:
    seq = press("KEY_Q", SHIFT) + press("KEY_A") + press("KEY_1", SHIFT) + press("KEY_2", SHIFT)
    assert decode("qwerty", seq + press("KEY_KPENTER")) == [("Qa!@", 0)]


URL = "https://kiosk.example/v?id=AZ-09_x&s=Qm%2F+zé"


@pytest.mark.parametrize("layout", ["azerty", "qwerty"])
def test_round_trip_of_a_phone_badge_url(layout: str) -> None:
    text = URL if layout == "azerty" else URL.replace("é", "e")
    assert decode(layout, typed(layout, text)) == [(text, 0)]


def test_same_keys_differ_by_layout() -> None:
    seq = press("KEY_Q") + press("KEY_W") + press("KEY_M") + press("KEY_1") + press("KEY_ENTER")
    assert decode("azerty", seq) == [("az,&", 0)]
    assert decode("qwerty", seq) == [("qwm1", 0)]


def test_dead_circumflex_and_autorepeat() -> None:
    t = 1_700_000_000
    seq = press("KEY_LEFTBRACE") + press("KEY_E") + press("KEY_LEFTBRACE") + press("KEY_SPACE")
    seq.append(evdev.InputEvent(t, 0, ecodes.EV_KEY, ecodes.KEY_X, 1))
    seq.append(evdev.InputEvent(t, 0, ecodes.EV_KEY, ecodes.KEY_X, 2))  # repeat = one more
    seq.append(evdev.InputEvent(t, 0, ecodes.EV_KEY, ecodes.KEY_X, 0))
    assert decode("azerty", seq + press("KEY_ENTER")) == [("ê^xx", 0)]


def test_unmapped_key_and_scanner_events(events: Events) -> None:
    scanner = WedgeScanner(EvdevScannerConfig(device="/dev/input/none"), events.queue)
    for event in press("KEY_F1" if "KEY_F1" in ecodes.ecodes else "KEY_ESC") + press("KEY_ENTER"):
        scanner.handle_key(event)  # type: ignore[arg-type]
    for event in typed("azerty", "BADGE-42"):
        scanner.handle_key(event)  # type: ignore[arg-type]
    assert events.drain() == [
        CodeRejected(scanner.source, "unknown_key"),
        CodeScanned(scanner.source, "BADGE-42"),
    ]


def scan(scanner: WedgeScanner, sequence: list[object]) -> None:
    for event in sequence:
        scanner.handle_key(event)  # type: ignore[arg-type]


def test_test_code_spells_differently_in_each_layout() -> None:
    for layout in LAYOUTS:
        assert layouts_typing(typed(layout, LAYOUT_TEST_CODE), LAYOUT_TEST_CODE) == [layout]  # type: ignore[arg-type]


def test_a_qwerty_scanner_is_detected_from_the_test_code(events: Events) -> None:
    # Configured AZERTY (the default), the scanner ships in US QWERTY: a phone code
    # reads wrong until the test code is scanned once, then reads right.
    scanner = WedgeScanner(EvdevScannerConfig(device="/dev/input/none"), events.queue)
    phone = "CK1:Qmz0-aw9"
    scan(scanner, typed("qwerty", phone))
    scan(scanner, typed("qwerty", LAYOUT_TEST_CODE))
    scan(scanner, typed("qwerty", phone))
    first, test_code, again = events.drain()
    assert first != CodeScanned(scanner.source, phone)  # misread in AZERTY
    assert test_code == CodeScanned(scanner.source, LAYOUT_TEST_CODE)
    assert again == CodeScanned(scanner.source, phone)
    assert scanner.layout == "qwerty" and scanner.layout_checked


def test_the_right_layout_is_confirmed_and_kept(events: Events) -> None:
    config = EvdevScannerConfig(device="/dev/input/none", layout="qwerty")
    scanner = WedgeScanner(config, events.queue)
    scan(scanner, typed("qwerty", "not the test code"))
    assert not scanner.layout_checked
    scan(scanner, typed("qwerty", LAYOUT_TEST_CODE))
    assert scanner.layout == "qwerty" and scanner.layout_checked
    assert events.drain()[-1] == CodeScanned(scanner.source, LAYOUT_TEST_CODE)


def test_only_the_test_code_switches_the_layout(events: Events) -> None:
    # Any other code typed in QWERTY stays an AZERTY reading: no guessing from it.
    scanner = WedgeScanner(EvdevScannerConfig(device="/dev/input/none"), events.queue)
    scan(scanner, typed("qwerty", "KIOSK-TEST:other"))
    assert scanner.layout == "azerty" and not scanner.layout_checked
