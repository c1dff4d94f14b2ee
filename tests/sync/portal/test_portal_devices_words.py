"""The words of the device pages: both languages word every key, every refusal, with
the same placeholders; and they join the portal's words without replacing any."""

from __future__ import annotations

import re

import pytest

from sync.server.portal import devices_words, i18n
from sync.server.portal.devices import DeviceRefusal
from sync.server.portal.passkeys import PasskeyRefusal

PLACEHOLDER = re.compile(r"\{(\w+)\}")


def test_both_languages_word_every_key_alike() -> None:
    fr, en = devices_words.WORDS["fr"], devices_words.WORDS["en"]
    assert set(fr) == set(en)
    for key in fr:
        assert set(PLACEHOLDER.findall(fr[key])) == set(PLACEHOLDER.findall(en[key])), key
    for refusal in [*DeviceRefusal, *PasskeyRefusal]:
        key = f"refuse_{refusal.value}"
        assert key in fr or key in i18n.TEXT["fr"], key  # "closed" is the portal's


def test_registering_twice_is_harmless_but_a_clash_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    devices_words.register()
    devices_words.register()
    assert i18n.text("en", "badge") == "My badge"
    clashing = {lang: dict(words) for lang, words in i18n.TEXT.items()}
    clashing["fr"]["badge"] = "Autre chose"
    monkeypatch.setattr(i18n, "TEXT", clashing)
    with pytest.raises(ValueError, match="badge"):
        devices_words.register()
