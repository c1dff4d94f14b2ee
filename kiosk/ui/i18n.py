"""The message catalogue: every word a person reads, on screen and from the ``kiosk``
command, in French (default) and English.

No pygame here, so that the CLI shares it. ``Translator.t(key, **values)`` formats a
message; ``Translator.reason`` turns each ``RejectReason`` into what happened and what
to do next; ``fault``, ``subsidy`` and ``label`` word the other codes (device faults,
subsidy outcomes, categories, means of payment, entry kinds), so that no raw code
(``insufficient_balance``) ever reaches a person. Amounts follow the language:
``13,10 €`` in French, ``EUR 13.10`` in English; dates stay day/month/year.

The (French, English) word tables themselves live in ``kiosk.ui.words`` and are
re-exported here.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from kiosk.ui.words import ALLERGENS, CODE_REJECTS, MESSAGES, REASONS, SUBSIDY
from sync.money import Money
from sync.protocol.reasons import RejectReason

__all__ = [
    "ALLERGENS",
    "CODE_REJECTS",
    "MESSAGES",
    "REASONS",
    "SUBSIDY",
    "Lang",
    "Translator",
    "display_money",
    "display_rate",
]


class Lang(StrEnum):
    FR = "fr"
    EN = "en"


def display_money(amount: Money | int, lang: Lang = Lang.FR) -> str:
    """``13,10 €`` (French, plain spaces so that every font has them) or ``EUR 13.10``."""
    money = amount if isinstance(amount, Money) else Money(amount)
    if lang is Lang.EN:
        euros, cents = divmod(abs(money.cents), 100)
        return f"EUR {'-' if money.cents < 0 else ''}{euros:,}.{cents:02d}"
    return money.format().replace("\u202f", " ").replace("\u00a0", " ")


def display_rate(basis_points: str | int, lang: Lang = Lang.FR) -> str:
    """``"550"`` -> ``"5,5 %"`` (``"5.5 %"`` in English); rates are in basis points."""
    whole, frac = divmod(int(basis_points), 100)
    text = f"{whole},{frac:02d}".rstrip("0").rstrip(",")
    return f"{text.replace(',', '.') if lang is Lang.EN else text} %"


class Translator:
    """The current language and the formatting of messages in it."""

    def __init__(self, lang: Lang = Lang.FR, timezone: str = "Europe/Paris") -> None:
        self.lang = lang
        self.zone = ZoneInfo(timezone)

    def toggle(self) -> None:
        self.lang = Lang.EN if self.lang is Lang.FR else Lang.FR

    def t(self, key: str, **values: object) -> str:
        pair = MESSAGES[key]
        text = pair[0] if self.lang is Lang.FR else pair[1]
        shown = {k: self.money(v) if isinstance(v, Money) else v for k, v in values.items()}
        return text.format(**shown) if shown else text

    def pick(self, pair: tuple[str, str]) -> str:
        """The current language's half of a (French, English) pair."""
        return pair[0] if self.lang is Lang.FR else pair[1]

    def money(self, amount: Money | int) -> str:
        return display_money(amount, self.lang)

    def rate(self, basis_points: str | int) -> str:
        return display_rate(basis_points, self.lang)

    def fault(self, kind: str) -> str:
        """A device fault kind in words (``paper_out`` -> "plus de papier")."""
        return self.label("fault", kind, default=self.t("fault.error"))

    def allergen(self, name: str) -> str:
        """One of the 14 regulated allergens in words (``milk`` -> "Lait")."""
        return self.pick(ALLERGENS[name])

    def code_rejected(self, reason: str) -> str:
        """Why a scanner dropped a code, in words (``too_long`` -> "code too long")."""
        pair = CODE_REJECTS.get(reason)
        return self.pick(pair) if pair else self.pick(("code illisible", "unreadable code"))

    def subsidy(self, status: str) -> str:
        """What became of the employer subsidy (``SubsidyStatus``) in words."""
        pair = SUBSIDY.get(status)
        return self.pick(pair) if pair else self.pick(("non précisé", "not given"))

    def label(self, prefix: str, name: str, default: str | None = None) -> str:
        """The words for ``name`` among ``prefix``'s messages (a category, a payment
        means, an entry kind ...); when there are none, ``default``, else ``name``."""
        key = f"{prefix}.{name}"
        if key in MESSAGES:
            return self.t(key)
        return name if default is None else default

    def category(self, name: str) -> str:
        """A catalogue category's name on screen (the id itself when unknown)."""
        return self.label("category", name)

    def reason(self, reason: RejectReason) -> tuple[str, str]:
        """(what happened, what to do next) in the current language."""
        what, then = REASONS[reason]
        index = 0 if self.lang is Lang.FR else 1
        return what[index], then[index]

    def when(self, moment: datetime) -> str:
        """French date and time in the site's zone: ``26/11/2026 12:30``."""
        return moment.astimezone(self.zone).strftime("%d/%m/%Y %H:%M")

    def duration(self, seconds: float) -> str:
        minutes = int(seconds // 60)
        if minutes < 1:
            return f"{int(seconds)} s"
        if minutes < 120:
            return f"{minutes} min"
        return f"{minutes // 60} h {minutes % 60:02d}"
