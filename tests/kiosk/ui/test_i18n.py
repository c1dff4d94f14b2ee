"""The message catalogue covers every refusal and formats money the French way."""

from __future__ import annotations

import string

from kiosk.ui.i18n import MESSAGES, REASONS, Lang, Translator, display_rate
from sync.money import Money
from sync.protocol.reasons import RejectReason


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


def test_money_and_rates_in_french_format() -> None:
    tr = Translator(Lang.EN)
    assert tr.t("kiosk.balance", amount=Money(123456)) == "Balance: 1 234,56 €"
    assert display_rate("550") == "5,5 %" and display_rate("1000") == "10 %"
