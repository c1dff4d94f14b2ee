"""Key codes to text for keyboard-wedge scanners: French AZERTY and US QWERTY.

A wedge scanner "types" each code as key presses in the layout it is configured
for; this module undoes that from Linux input events (anything with ``type``,
``code`` and ``value``, such as ``evdev.InputEvent``). Shift and AltGr are tracked;
Enter ends a code. Caps Lock and Alt+keypad codes are not supported: configure the
scanner to send plain keys. The key codes are the stable Linux ones
(``linux/input-event-codes.h``), so this module needs no vendor library.

Most scanners ship set to US QWERTY, while a French site expects AZERTY: the same key
presses then spell another text. ``LAYOUT_TEST_CODE`` (printed by ``kiosk devices
test scanner``) spells differently in each layout, so ``layouts_typing`` tells from
one scan of it which layout the scanner really types in.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple, Protocol

EV_KEY = 1

KEY_CODES: dict[str, int] = {
    "KEY_1": 2, "KEY_2": 3, "KEY_3": 4, "KEY_4": 5, "KEY_5": 6, "KEY_6": 7, "KEY_7": 8,
    "KEY_8": 9, "KEY_9": 10, "KEY_0": 11, "KEY_MINUS": 12, "KEY_EQUAL": 13,
    "KEY_TAB": 15, "KEY_Q": 16, "KEY_W": 17, "KEY_E": 18, "KEY_R": 19, "KEY_T": 20,
    "KEY_Y": 21, "KEY_U": 22, "KEY_I": 23, "KEY_O": 24, "KEY_P": 25, "KEY_LEFTBRACE": 26,
    "KEY_RIGHTBRACE": 27, "KEY_ENTER": 28, "KEY_LEFTCTRL": 29, "KEY_A": 30, "KEY_S": 31,
    "KEY_D": 32, "KEY_F": 33, "KEY_G": 34, "KEY_H": 35, "KEY_J": 36, "KEY_K": 37,
    "KEY_L": 38, "KEY_SEMICOLON": 39, "KEY_APOSTROPHE": 40, "KEY_GRAVE": 41,
    "KEY_LEFTSHIFT": 42, "KEY_BACKSLASH": 43, "KEY_Z": 44, "KEY_X": 45, "KEY_C": 46,
    "KEY_V": 47, "KEY_B": 48, "KEY_N": 49, "KEY_M": 50, "KEY_COMMA": 51, "KEY_DOT": 52,
    "KEY_SLASH": 53, "KEY_RIGHTSHIFT": 54, "KEY_KPASTERISK": 55, "KEY_LEFTALT": 56,
    "KEY_SPACE": 57, "KEY_CAPSLOCK": 58, "KEY_KP7": 71, "KEY_KP8": 72, "KEY_KP9": 73,
    "KEY_KPMINUS": 74, "KEY_KP4": 75, "KEY_KP5": 76, "KEY_KP6": 77, "KEY_KPPLUS": 78,
    "KEY_KP1": 79, "KEY_KP2": 80, "KEY_KP3": 81, "KEY_KP0": 82, "KEY_KPDOT": 83,
    "KEY_102ND": 86, "KEY_KPENTER": 96, "KEY_RIGHTCTRL": 97, "KEY_KPSLASH": 98,
    "KEY_RIGHTALT": 100,
}  # fmt: skip

_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_KEYPAD = {
    "KEY_KP0": "0", "KEY_KP1": "1", "KEY_KP2": "2", "KEY_KP3": "3", "KEY_KP4": "4",
    "KEY_KP5": "5", "KEY_KP6": "6", "KEY_KP7": "7", "KEY_KP8": "8", "KEY_KP9": "9",
    "KEY_KPDOT": ".", "KEY_KPMINUS": "-", "KEY_KPPLUS": "+", "KEY_KPASTERISK": "*",
    "KEY_KPSLASH": "/",
}  # fmt: skip

# key name -> (plain, shifted[, AltGr])
_QWERTY: dict[str, tuple[str, ...]] = {
    **{f"KEY_{c}": (c.lower(), c) for c in _LETTERS},
    "KEY_1": ("1", "!"), "KEY_2": ("2", "@"), "KEY_3": ("3", "#"), "KEY_4": ("4", "$"),
    "KEY_5": ("5", "%"), "KEY_6": ("6", "^"), "KEY_7": ("7", "&"), "KEY_8": ("8", "*"),
    "KEY_9": ("9", "("), "KEY_0": ("0", ")"), "KEY_MINUS": ("-", "_"),
    "KEY_EQUAL": ("=", "+"), "KEY_LEFTBRACE": ("[", "{"), "KEY_RIGHTBRACE": ("]", "}"),
    "KEY_SEMICOLON": (";", ":"), "KEY_APOSTROPHE": ("'", '"'), "KEY_GRAVE": ("`", "~"),
    "KEY_BACKSLASH": ("\\", "|"), "KEY_COMMA": (",", "<"), "KEY_DOT": (".", ">"),
    "KEY_SLASH": ("/", "?"), "KEY_SPACE": (" ", " "), "KEY_TAB": ("\t", "\t"),
    "KEY_102ND": ("\\", "|"),
}  # fmt: skip

_AZERTY_LETTERS = {"KEY_Q": "a", "KEY_W": "z", "KEY_A": "q", "KEY_Z": "w", "KEY_SEMICOLON": "m"}
_AZERTY: dict[str, tuple[str, ...]] = {
    **{f"KEY_{c}": (c.lower(), c) for c in _LETTERS if f"KEY_{c}" not in _AZERTY_LETTERS},
    **{key: (ch, ch.upper()) for key, ch in _AZERTY_LETTERS.items()},
    "KEY_E": ("e", "E", "€"),
    "KEY_GRAVE": ("²", "²"),
    "KEY_1": ("&", "1"), "KEY_2": ("é", "2", "~"), "KEY_3": ('"', "3", "#"),
    "KEY_4": ("'", "4", "{"), "KEY_5": ("(", "5", "["), "KEY_6": ("-", "6", "|"),
    "KEY_7": ("è", "7", "`"), "KEY_8": ("_", "8", "\\"), "KEY_9": ("ç", "9", "^"),
    "KEY_0": ("à", "0", "@"), "KEY_MINUS": (")", "°", "]"), "KEY_EQUAL": ("=", "+", "}"),
    "KEY_LEFTBRACE": ("^", "¨"), "KEY_RIGHTBRACE": ("$", "£", "¤"),
    "KEY_APOSTROPHE": ("ù", "%"), "KEY_BACKSLASH": ("*", "µ"),
    "KEY_102ND": ("<", ">"), "KEY_M": (",", "?"), "KEY_COMMA": (";", "."),
    "KEY_DOT": (":", "/"), "KEY_SLASH": ("!", "§"), "KEY_SPACE": (" ", " "),
    "KEY_TAB": ("\t", "\t"),
}  # fmt: skip

LAYOUTS: dict[str, dict[str, tuple[str, ...]]] = {"qwerty": _QWERTY, "azerty": _AZERTY}

# Dead keys of AZERTY: the accent waits for the next key (a space gives the accent).
_DEAD = {
    ("azerty", "KEY_LEFTBRACE", 0): "\u0302",  # circumflex
    ("azerty", "KEY_LEFTBRACE", 1): "\u0308",  # diaeresis
}
_ENTER = {"KEY_ENTER", "KEY_KPENTER"}
_SHIFT = {"KEY_LEFTSHIFT", "KEY_RIGHTSHIFT"}
_ALTGR = {"KEY_RIGHTALT"}
_CTRL = {"KEY_LEFTCTRL", "KEY_RIGHTCTRL", "KEY_LEFTALT"}
_MODIFIERS = _SHIFT | _ALTGR | _CTRL | {"KEY_CAPSLOCK"}
_KEY_NAMES = {code: name for name, code in KEY_CODES.items()}


class KeyEvent(Protocol):
    @property
    def type(self) -> int: ...
    @property
    def code(self) -> int: ...
    @property
    def value(self) -> int: ...


class Key(NamedTuple):
    """A key event kept for a second reading (``layouts_typing``)."""

    type: int
    code: int
    value: int


# Letters that move between AZERTY and QWERTY (a/q, z/w, m), digits (shifted on
# AZERTY) and punctuation on moved keys: each layout reads the other's scan of it as
# something else.
LAYOUT_TEST_CODE = "KIOSK-TEST:aqzwm/0123456789."


def layouts_typing(keys: Iterable[KeyEvent], text: str) -> list[str]:
    """The layouts in which the key events of one scan (up to Enter) spell ``text``."""
    events = list(keys)
    found = []
    for layout in LAYOUTS:
        decoder = WedgeDecoder(layout)
        results = [done for event in events if (done := decoder.feed(event)) is not None]
        if results[:1] == [(text, 0)]:
            found.append(layout)
    return found


class WedgeDecoder:
    """Feed key events one by one; ``feed`` returns ``(text, unknown_keys)`` on Enter."""

    def __init__(self, layout: str = "azerty", max_length: int = 512) -> None:
        if layout not in LAYOUTS:
            raise ValueError(f"unknown keyboard layout {layout!r} (one of {', '.join(LAYOUTS)})")
        self.layout = layout
        self._map = LAYOUTS[layout]
        self._names = _KEY_NAMES
        self._max = max_length
        self._held: set[str] = set()
        self._text: list[str] = []
        self._unknown = 0
        self._dead: str | None = None

    def feed(self, event: KeyEvent) -> tuple[str, int] | None:
        if event.type != EV_KEY:
            return None
        name = self._names.get(event.code, f"code {event.code}")
        if event.value == 0:
            self._held.discard(name)
            return None
        if name in _MODIFIERS:
            self._held.add(name)
            return None
        if name in _ENTER:
            result = ("".join(self._text), self._unknown)
            self._text, self._unknown, self._dead = [], 0, None
            return result
        self._type(name)
        return None

    def _type(self, name: str) -> None:
        if self._held & _CTRL:
            self._unknown += 1  # Ctrl/Alt combinations are not text
            return
        shift = bool(self._held & _SHIFT)
        altgr = bool(self._held & _ALTGR)
        dead = _DEAD.get((self.layout, name, int(shift)))
        if dead is not None and not altgr:
            self._dead = dead
            return
        if name in _KEYPAD:
            char = _KEYPAD[name]
        else:
            keys = self._map.get(name)
            index = 2 if altgr else int(shift)
            if keys is None or index >= len(keys):
                self._unknown += 1
                return
            char = keys[index]
        if self._dead is not None:
            accent, self._dead = self._dead, None
            char = _compose(char, accent)
        if len(self._text) <= self._max:  # bounded: an endless stream cannot eat memory
            self._text.append(char)


def _compose(char: str, accent: str) -> str:
    import unicodedata

    if char == " ":
        return {"\u0302": "^", "\u0308": "¨"}[accent]
    composed = unicodedata.normalize("NFC", char + accent)
    return composed if len(composed) == 1 else {"\u0302": "^", "\u0308": "¨"}[accent] + char
