"""The message catalogue covers every refusal, fault and subsidy outcome in words, and
formats money in the language shown (French or English)."""

from __future__ import annotations

import re
import string

from hypothesis import given
from hypothesis import strategies as st

from drivers.events import CodeRejectReason, FaultKind
from kiosk.ui.i18n import (
    CODE_REJECTS,
    MESSAGES,
    REASONS,
    SUBSIDY,
    Lang,
    Translator,
    display_money,
    display_rate,
)
from sync.money import Money
from sync.protocol.reasons import RejectReason
from sync.protocol.ticket import SubsidyStatus

RAW_CODE = re.compile(r"\b[a-z]+_[a-z_]+\b")  # insufficient_balance, paper_out ...
CODES = {
    str(c) for enum in (FaultKind, SubsidyStatus, RejectReason, CodeRejectReason) for c in enum
}


def test_every_reason_has_words_and_a_next_step_in_both_languages() -> None:
    tr = Translator()
    for reason in RejectReason:
        for lang in Lang:
            tr.lang = lang
            what, then = tr.reason(reason)
            assert what.strip() and then.strip(), (reason, lang)
    assert set(REASONS) == set(RejectReason)


def test_both_languages_use_the_same_placeholders() -> None:
    fields = string.Formatter()
    for key, (fr, en) in MESSAGES.items():
        assert {f for _, f, _, _ in fields.parse(fr) if f} == {
            f for _, f, _, _ in fields.parse(en) if f
        }, key


def test_money_and_rates_in_the_language_shown() -> None:
    tr = Translator(Lang.FR)
    assert tr.t("kiosk.balance", amount=Money(123456)) == "Solde : 1 234,56 €"
    assert tr.t("refused.shortfall", amount=Money(1310)) == "Il manque 13,10 €"
    assert display_rate("550") == "5,5 %" and display_rate("1000") == "10 %"
    tr.toggle()
    assert tr.t("kiosk.balance", amount=Money(123456)) == "Balance: EUR 1,234.56"
    assert tr.t("refused.shortfall", amount=Money(1310)) == "EUR 13.10 short"
    assert tr.money(-250) == "EUR -2.50" and tr.rate(550) == "5.5 %"


def test_no_code_reaches_a_person_raw() -> None:
    tr = Translator()
    for lang in Lang:
        tr.lang = lang
        words = [tr.fault(kind) for kind in FaultKind]
        words += [tr.subsidy(status) for status in SubsidyStatus]
        words += [tr.code_rejected(reason) for reason in CodeRejectReason]
        words += [w for reason in RejectReason for w in tr.reason(reason)]
        words += [tr.pick(pair) for pair in MESSAGES.values()]
        for text in words:
            assert not RAW_CODE.search(text), (lang, text)
            # an English code such as "offline" is also the English word
            assert lang is Lang.EN or text not in CODES, text
    assert set(SUBSIDY) == {str(status) for status in SubsidyStatus}
    assert set(CODE_REJECTS) == {str(reason) for reason in CodeRejectReason}
    # every fault kind a driver can report has its own words, not the generic ones
    generic = tr.t("fault.error")
    assert all(tr.fault(kind) != generic for kind in FaultKind)
    assert tr.fault("a_new_kind") == generic


def test_status_bar_words_a_driver_fault_in_french() -> None:
    tr = Translator(Lang.FR)
    message = tr.t("fault.reader", message=tr.fault(FaultKind.NOT_FOUND))
    assert message == "Lecteur de badge : introuvable"


@given(st.integers(min_value=-(10**9), max_value=10**9))
def test_english_and_french_amounts_say_the_same_cents(cents: int) -> None:
    english = display_money(cents, Lang.EN)
    match = re.fullmatch(r"EUR (-?)(\d{1,3}(?:,\d{3})*)\.(\d\d)", english)
    assert match, english
    sign, euros, rest = match.groups()
    assert (-1 if sign else 1) * (int(euros.replace(",", "")) * 100 + int(rest)) == cents
    french = display_money(cents, Lang.FR)
    assert Money.parse(french).cents == cents and "€" in french and "EUR" not in french
