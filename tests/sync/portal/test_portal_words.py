"""The portal's money and time formats, and that both languages say the same things."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from sync.server.portal.i18n import TEXT, local_time, money
from sync.server.portal.service import Refusal


@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_money_shows_the_exact_cents_in_both_languages(cents: int) -> None:
    for lang in ("fr", "en"):
        shown = money(cents, lang)
        digits = int(re.sub(r"\D", "", shown))
        assert digits == abs(cents)
        assert shown.startswith("-") == (cents < 0)
    assert money(123456, "fr") == "1\u202f234,56\u00a0€"
    assert money(-5, "en") == "-€0.05"


def test_times_are_the_sites_local_time() -> None:
    assert local_time("2026-07-01T10:30:00.000000Z", "Europe/Paris", "fr") == "01/07/2026 à 12:30"
    assert local_time("2026-12-01T10:30:00.000000Z", "Europe/Paris", "en") == "01/12/2026 11:30"


def test_both_languages_word_every_key_and_every_refusal() -> None:
    assert set(TEXT["fr"]) == set(TEXT["en"])
    for refusal in Refusal:
        assert f"refuse_{refusal.value}" in TEXT["fr"]
