"""The journal's canonical form, hashing, signatures and chain checks."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from sync.journal import (
    GENESIS_HASH,
    CanonicalError,
    Entry,
    canonical_json,
    entry_problem,
    load_public_key,
    make_entry,
    public_key_text,
    verify_chain,
)

KEY = Ed25519PrivateKey.generate()
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def chain(n: int) -> list[Entry]:
    entries, prev = [], GENESIS_HASH
    for seq in range(1, n + 1):
        entry = make_entry(
            key=KEY,
            terminal_id="T1",
            seq=seq,
            ts=NOW,
            kind="sale",
            account="A1",
            amount=-seq,
            payload={"lines": [{"item": "main", "cents": seq}], "note": "é"},
            prev_hash=prev,
        )
        entries.append(entry)
        prev = entry.hash
    return entries


def test_canonical_json_sorts_keys_and_refuses_floats() -> None:
    assert (
        canonical_json({"b": 1, "a": [True, None, "é"]}) == '{"a":[true,null,"é"],"b":1}'.encode()
    )
    with pytest.raises(CanonicalError, match=r"\$\.x\[0\]: floats"):
        canonical_json({"x": [1.5]})
    with pytest.raises(CanonicalError, match="keys must be strings"):
        canonical_json({1: "a"})


def test_a_good_chain_verifies() -> None:
    report = verify_chain(chain(5), KEY.public_key(), terminal_id="T1")
    assert report.ok and report.checked == 5 and report.last_seq == 5


def test_round_trip_through_dict_keeps_the_signature_valid() -> None:
    entry = chain(1)[0]
    assert entry_problem(Entry.from_dict(entry.to_dict()), KEY.public_key()) is None


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("amount", -999, "hash does not match"),
        ("payload", {"lines": []}, "hash does not match"),
        ("sig", "AAAA", "signature is not valid"),
        ("prev_hash", "1" * 64, "previous hash does not match"),
    ],
)
@pytest.mark.parametrize("workers", [1, 2])
def test_a_changed_entry_is_named(field: str, value: object, problem: str, workers: int) -> None:
    entries = chain(4)
    data = entries[2].to_dict()
    data[field] = value
    entries[2] = Entry.from_dict(data)
    report = verify_chain(entries, KEY.public_key(), workers=workers)
    assert not report.ok and report.bad_seq == 3 and problem in (report.problem or "")
    assert report.checked == 2 and report.last_hash == entries[1].hash


def test_parallel_verify_agrees_on_long_chains() -> None:
    entries = chain(4500)  # more than two signature batches
    serial = verify_chain(entries, KEY.public_key())
    parallel = verify_chain(entries, KEY.public_key(), workers=2)
    assert serial == parallel and serial.ok and serial.checked == 4500
    forged = Entry.from_dict({**entries[4100].to_dict(), "sig": entries[10].sig})
    bad = [*entries[:4100], forged, *entries[4101:]]
    assert verify_chain(bad, KEY.public_key(), workers=2) == verify_chain(bad, KEY.public_key())
    assert verify_chain(bad, KEY.public_key(), workers=2).bad_seq == 4101


def test_a_gap_and_a_foreign_key_are_found() -> None:
    entries = chain(4)
    report = verify_chain([entries[0], entries[2]], KEY.public_key())
    assert report.bad_seq == 2 and "gap" in (report.problem or "")
    other = Ed25519PrivateKey.generate().public_key()
    assert verify_chain(entries, other).bad_seq == 1


def test_public_key_text_round_trip_and_bad_keys() -> None:
    text = public_key_text(KEY.public_key())
    assert entry_problem(chain(1)[0], load_public_key(text)) is None
    with pytest.raises(ValueError, match="32 bytes"):
        load_public_key("AAAA")
    with pytest.raises(ValueError, match="base64"):
        load_public_key("not base64!")
