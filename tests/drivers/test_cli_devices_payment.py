"""``kiosk devices list/test payment`` against the Caisse-AP simulator."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from click.testing import CliRunner

from kiosk.cli import main

from .conftest import free_port
from .sims.caisse_ap import Behaviour, CaisseApSim


@pytest.fixture
def sim() -> Iterator[CaisseApSim]:
    with CaisseApSim() as simulator:
        yield simulator


def run(*args: str, answer: str = "") -> tuple[int, str]:
    result = CliRunner().invoke(main, ["devices", *args], input=answer)
    return result.exit_code, result.output


def test_list_checks_the_payment_terminals_given(sim: CaisseApSim) -> None:
    dead = free_port()
    code, output = run(
        "list", "--payment", f"127.0.0.1:{sim.port}", "--payment", f"127.0.0.1:{dead}"
    )
    assert code == 0
    assert f"127.0.0.1:{sim.port}  answers" in output
    assert f"127.0.0.1:{dead}  not answering" in output
    assert sim.requests == []  # nothing was sent to the terminal


def test_a_cent_confirmed_then_cancelled(sim: CaisseApSim) -> None:
    code, output = run("test", "payment", "-o", "host=127.0.0.1", "-o", f"port={sim.port}",
                       answer="y\n")  # fmt: skip
    assert code == 0, output
    assert "payment: approved" in output and "authorisation: 184117" in output
    assert "cancellation: approved" in output and "payment terminal OK" in output
    assert [r["CD"] for r in sim.requests] == ["0", "2"]
    assert sim.requests[0]["CB"] == "01"
    assert sim.debited == {}


def test_nothing_is_sent_unless_confirmed(sim: CaisseApSim) -> None:
    code, output = run("test", "payment", "-o", "host=127.0.0.1", "-o", f"port={sim.port}",
                       answer="n\n")  # fmt: skip
    assert code != 0 and "not sent" in output
    assert sim.requests == []


def test_a_declined_test_says_nothing_was_debited(sim: CaisseApSim) -> None:
    sim.then(Behaviour.DECLINE)
    code, output = run("test", "payment", "-o", "host=127.0.0.1", "-o", f"port={sim.port}", "--yes")
    assert code != 0 and "payment: declined (carte refusée)" in output
    assert "nothing was debited" in output


def test_a_lost_answer_is_asked_again_then_cancelled(sim: CaisseApSim) -> None:
    sim.then(Behaviour.LOST_REPLY)
    code, output = run("test", "payment", "-o", "host=127.0.0.1", "-o", f"port={sim.port}",
                       "-o", "timeout=0.5", "--yes")  # fmt: skip
    assert code == 0, output
    assert "payment: unknown" in output
    assert "asked again (last transaction): approved" in output
    assert sim.debited == {}


def test_a_timeout_is_asked_again_and_found_abandoned(sim: CaisseApSim) -> None:
    sim.then(Behaviour.TIMEOUT)
    sim.hold = 0.2
    code, output = run("test", "payment", "-o", "host=127.0.0.1", "-o", f"port={sim.port}",
                       "-o", "timeout=0.1", "--yes")  # fmt: skip
    assert code != 0, output
    assert "payment: unknown" in output
    assert "asked again (last transaction): abandoned" in output
    assert "nothing was debited" in output


def test_no_terminal_at_the_address() -> None:
    code, output = run("test", "payment", "-o", "host=127.0.0.1", "-o", f"port={free_port()}",
                       "--timeout", "1", "--yes")  # fmt: skip
    assert code != 0 and "not_found" in output
