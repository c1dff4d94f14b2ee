"""Low-balance notifications: one e-mail when a synced sale takes the hub balance
below the diner's threshold, once per crossing, through the configured SMTP server;
a server that is down delays the e-mail, never the till's sync, and loses nothing."""

from __future__ import annotations

import html
import time
from email.message import Message

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sync.server.portal.notifications import crossings
from sync.server.portal.notifications_store import NotificationStore
from sync.server.storage import SqliteStorage
from tests.sync.conftest import EnrolFn
from tests.sync.live import Admin, JournalWriter, LiveHub
from tests.sync.portal.conftest import Browser, Mailbox


def wait_for_mail(mailbox: Mailbox, count: int, timeout: float = 10.0) -> list[Message]:
    deadline = time.monotonic() + timeout
    with mailbox.arrived:
        while len(mailbox.messages) < count:
            left = deadline - time.monotonic()
            assert left > 0, f"{len(mailbox.messages)} mails, expected {count}"
            mailbox.arrived.wait(left)
    return mailbox.messages


def alerts(mailbox: Mailbox) -> list[Message]:
    return [
        m
        for m in mailbox.messages
        if "solde" in str(m["Subject"]).lower() or "balance" in str(m["Subject"]).lower()
    ]


def outbox(live_hub: LiveHub, account: str) -> list[tuple[str, str | None, str | None]]:
    storage = live_hub.service.storage
    assert isinstance(storage, SqliteStorage)
    return NotificationStore(storage).outbox(account)


def body(message: Message) -> str:
    payload = message.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode()


@pytest.mark.usefixtures("site")
def test_one_email_per_crossing_of_the_threshold(
    live_hub: LiveHub,
    browser: Browser,
    mailbox: Mailbox,
    enrol: EnrolFn,
    admin: Admin,
) -> None:
    browser.activate("S1", "A1", mailbox, "ada@example.org")  # mail 1: the code
    page = browser.submit("/portal/notifications", alert="on", threshold="5,00")
    assert page.status_code == 200 and "Alerte active sous 5,00" in page.text
    till, client = enrol("S1")
    till.sell("A1", 400)  # 10,00 -> 6,00: still above
    client.push(till.entries)
    assert outbox(live_hub, "A1") == []
    till.sell("A1", 200)  # 6,00 -> 4,00: crosses
    client.push(till.entries)
    assert len(outbox(live_hub, "A1")) == 1  # decided with the push, in its transaction
    mail = wait_for_mail(mailbox, 2)[-1]
    assert mail["To"] == "ada@example.org" and mail["Subject"] == "Votre solde est bas"
    assert "4,00\u00a0€" in body(mail) and "5,00\u00a0€" in body(mail)
    # Below already: another sale, and the same push again, send nothing more.
    till.sell("A1", 100)
    client.push(till.entries)
    client.push(till.entries)
    assert len(outbox(live_hub, "A1")) == 1
    # Back above with a top-up, then below again: a new crossing, a new e-mail.
    admin.post("/v1/admin/accounts/A1/top-ups", {"amount": 1000, "ref": "t1"})  # 13,00
    till.sell("A1", 900)  # 4,00
    client.push(till.entries)
    wait_for_mail(mailbox, 3)
    assert len(alerts(mailbox)) == 2
    # The sender marks a mail sent once the SMTP server has taken it: a moment later.
    deadline = time.monotonic() + 10
    while not all(sent is not None for _, sent, _ in outbox(live_hub, "A1")):
        assert time.monotonic() < deadline, outbox(live_hub, "A1")
        time.sleep(0.05)
    # Bob, without an alert, gets nothing from his own sales.
    till.sell("A2", 450)
    client.push(till.entries)
    assert outbox(live_hub, "A2") == []


def test_a_batch_that_crosses_and_comes_back_up_sends_nothing(
    site: str, live_hub: LiveHub, browser: Browser, mailbox: Mailbox, enrol: EnrolFn
) -> None:
    """The hub figure is what crosses: a till that pushes a sale and a cash top-up in
    one batch never took the hub balance below the threshold."""
    browser.activate("S1", "A1", mailbox, "ada@example.org")
    browser.submit("/portal/notifications", alert="on", threshold="5")
    till, client = enrol("S1")
    till.sell("A1", 800)  # 2,00
    till.add("top_up", "A1", 1000, means="cash", cashier="C1")  # 12,00
    client.push(till.entries)
    assert outbox(live_hub, "A1") == []


def test_the_email_waits_for_the_smtp_server_and_never_slows_the_sync(
    site: str, live_hub: LiveHub, browser: Browser, mailbox: Mailbox, enrol: EnrolFn
) -> None:
    browser.activate("S1", "A1", mailbox, "ada@example.org")
    browser.get("/portal/langue/en?next=/portal/")
    browser.submit("/portal/notifications", alert="on", threshold="9.50")
    mailbox.controller.stop()
    till, client = enrol("S1")
    till.sell("A1", 200)  # 8,00
    started = time.monotonic()
    reply = client.push(till.entries)
    assert reply.applied == 1 and time.monotonic() - started < 2
    deadline = time.monotonic() + 10
    while outbox(live_hub, "A1")[0][2] is None:  # the failed attempt is recorded
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert outbox(live_hub, "A1")[0][1] is None
    mailbox.restart()
    till.sell("A2", 100)  # any later push sends what waits
    client.push(till.entries)
    mail = wait_for_mail(mailbox, 2)[-1]
    assert mail["Subject"] == "Your balance is low" and "€8.00" in body(mail)
    assert "€9.50" in body(mail)


def test_a_threshold_is_an_amount_and_can_be_removed(
    site: str, live_hub: LiveHub, browser: Browser, mailbox: Mailbox, enrol: EnrolFn
) -> None:
    browser.activate("S1", "A1", mailbox, "ada@example.org")
    for typed in ("0", "-3", "abc", "1000,01", "5,001"):
        page = browser.submit("/portal/notifications", alert="on", threshold=typed)
        assert page.status_code == 400, typed
        assert "de 0,01 à 1 000,00" in html.unescape(page.text)
    assert "Aucune alerte" in browser.get("/portal/notifications").text
    browser.submit("/portal/notifications", alert="on", threshold="1 000,00")
    assert "Alerte active sous 1\u202f000,00" in browser.get("/portal/notifications").text
    page = browser.submit("/portal/notifications", threshold="8")  # box unticked: off
    assert "Vous ne recevrez plus" in html.unescape(page.text)
    till, client = enrol("S1")
    till.sell("A1", 900)
    client.push(till.entries)
    assert outbox(live_hub, "A1") == []


@settings(max_examples=300, deadline=None)
@given(
    threshold=st.integers(min_value=1, max_value=5_000),
    opening=st.integers(min_value=-5_000, max_value=10_000),
    pushes=st.lists(
        st.lists(st.integers(min_value=-3_000, max_value=3_000), min_size=1, max_size=4),
        max_size=12,
    ),
)
def test_one_alert_per_push_that_takes_the_hub_balance_below_the_threshold(
    threshold: int, opening: int, pushes: list[list[int]]
) -> None:
    """Fed the balance each push leaves (as the push's transaction sees it), the rule
    alerts exactly on the pushes after which the balance is below the threshold while
    it was not before: never twice while it stays below, again after it came back."""
    writer = JournalWriter("T1")
    balance, alerts, expected = opening, 0, 0
    for amounts in pushes:
        entries = [writer.add("sale", "A1", amount) for amount in amounts]
        before, balance = balance, balance + sum(amounts)
        found = crossings({"A1": (threshold, "fr", balance)}, entries)
        alerts += len(found)
        expected += before >= threshold > balance
        if found:
            assert found[0][:3] == ("A1", balance, threshold) and found[0][4] == entries[-1].id
    assert alerts == expected
    assert crossings({"A2": (threshold, "fr", balance)}, writer.entries) == []  # not A2's
