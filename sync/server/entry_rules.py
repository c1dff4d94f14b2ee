"""What a terminal may push: each fresh entry checked against its terminal's site.

A signed, well-chained entry proves which terminal wrote it, not that it is allowed.
Before anything of a push is stored, every fresh entry must pass, in this order (the
first rule broken refuses the whole push, ``EntryRefusedError`` naming the entry and
the rule):

=====================  ===============================================================
rule                   the entry ...
=====================  ===============================================================
``unknown_kind``       is of a kind of ``sync.protocol.payloads.KINDS``
``kind_not_allowed``   is not a back-office kind (``adjustment``: hub only), and is
                       one that the terminal's mode may write (a terminal enrolled
                       with a ``kiosk`` token: orders, card top-ups, technical
                       entries; see ``KindSpec.modes``)
``bad_timestamp``      has a real date and time (no month 13, no year 0000)
``clock_skew``         is not dated after the hub's clock + ``MAX_SKEW``, nor before
                       the terminal's enrolment - ``MAX_SKEW``
``bad_payload``        has a payload that fits its kind's model
``account``            names an account if its kind moves money, none if technical
``amount_sign``        a debit (sale, order, guest meal) <= 0, a top-up > 0, a
                       technical entry (and a card payment's steps) 0
``amount_limit``       moves at most the site's ``max_amount``
``vat_total``          a sale, order or guest meal's VAT lines (``vat``), when given
                       (always, for a guest meal), add up to its amount
``other_site``         names an account, a badge or a visit of its own site only
``visit_account``      a guest meal of a visit is billed to the visit's account
``cancel_mismatch``    a cancellation names an earlier money entry of the same
                       terminal, of the kind it says, for the same account, with the
                       opposite amount, not cancelled before
``payment_twice``      a card top-up or a visitor's card sale books a card payment
                       (``payment_ref``) no earlier entry of the terminal booked
``balance_overflow``   (checked while applying) keeps the balance within 64 bits
=====================  ===============================================================

An account unknown to the hub is not refused: the meal was served, the entry is kept
and the account flagged ``unknown_account`` for the back office. The site's limit is
the one in force when the push arrives: lowering ``max_amount`` while a till holds
unpushed entries above the new limit blocks that till's journal until it is raised.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sync.journal import Entry, EntryKind, parse_ts
from sync.protocol.payloads import (
    KIOSK,
    CancelPayload,
    Effect,
    GuestMealPayload,
    PayloadError,
    SaleFields,
    SalePayload,
    TopUpPayload,
    kind_spec,
    parse_payload,
)
from sync.protocol.payment_payloads import CardSalePayload
from sync.protocol.rows import SiteSettings, Strict
from sync.protocol.visits import VISIT_KIND, VisitDoc
from sync.server.errors import EntryRefusedError
from sync.server.records import Storage, TerminalRecord

MAX_SKEW = timedelta(minutes=15)


@dataclass(frozen=True, slots=True)
class _Batch:
    terminal: TerminalRecord
    settings: SiteSettings
    now: datetime
    entries: Sequence[Entry]
    account_sites: dict[str, str]
    # a batch names the same few badges many times: each is looked up once
    badge_sites: dict[str, str | None] = field(default_factory=dict)


def check_entries(
    storage: Storage,
    terminal: TerminalRecord,
    settings: SiteSettings,
    entries: Sequence[Entry],
    now: datetime,
) -> None:
    """Raise EntryRefusedError for the first fresh entry that breaks a rule."""
    named = sorted({e.account for e in entries if e.account is not None})
    batch = _Batch(terminal, settings, now, entries, storage.account_sites(named))
    for entry in entries:
        _check(storage, batch, entry)


def _refuse(batch: _Batch, entry: Entry, rule: str, detail: str) -> EntryRefusedError:
    return EntryRefusedError(entry.id, rule, detail, applied_seq=batch.terminal.applied_seq)


def _check(storage: Storage, batch: _Batch, entry: Entry) -> None:
    try:
        spec = kind_spec(entry.kind)
    except PayloadError as exc:
        raise _refuse(batch, entry, "unknown_kind", str(exc)) from None
    if spec.effect is Effect.HUB_ONLY:
        raise _refuse(batch, entry, "kind_not_allowed", f"a terminal cannot write {entry.kind}")
    mode = batch.terminal.mode
    if mode is not None and mode not in spec.modes:
        raise _refuse(batch, entry, "kind_not_allowed", f"a {mode} cannot write {entry.kind}")
    _check_time(batch, entry)
    try:
        payload = parse_payload(spec.model, entry.payload)
    except PayloadError as exc:
        raise _refuse(batch, entry, "bad_payload", str(exc)) from None
    if mode == KIOSK and isinstance(payload, TopUpPayload) and payload.means != "card":
        raise _refuse(batch, entry, "kind_not_allowed", f"a kiosk takes no {payload.means}")
    _check_amount(batch, entry, spec.effect)
    _check_vat(batch, entry, payload)
    _check_site(storage, batch, entry, payload)
    if isinstance(payload, CancelPayload):
        _check_cancel(storage, batch, entry, payload)
    if isinstance(payload, TopUpPayload | CardSalePayload) and payload.payment_ref is not None:
        _check_payment(storage, batch, entry, payload.payment_ref)


def _check_payment(storage: Storage, batch: _Batch, entry: Entry, ref: str) -> None:
    """A card payment is credited (or pays a tray) once: a second booking of the same
    reference is a till's bug or a forgery, never a fact to accept."""
    booking = {EntryKind.TOP_UP, EntryKind.CARD_SALE}
    before = [
        e.seq
        for e in batch.entries
        if e.seq < entry.seq and e.kind in booking and e.payload.get("payment_ref") == ref
    ]
    booked = before[0] if before else storage.payment_booked(entry.terminal_id, ref)
    if booked is not None:
        raise _refuse(
            batch, entry, "payment_twice", f"card payment {ref} was booked by entry {booked}"
        )


def _check_time(batch: _Batch, entry: Entry) -> None:
    try:
        moment = parse_ts(entry.ts)
    except ValueError as exc:
        raise _refuse(batch, entry, "bad_timestamp", str(exc)) from None
    if moment > batch.now + MAX_SKEW:
        raise _refuse(
            batch, entry, "clock_skew", f"dated {entry.ts}, after the hub's clock + {MAX_SKEW}"
        )
    try:
        enrolled = parse_ts(batch.terminal.enrolled_at)
    except ValueError:
        return
    if moment < enrolled - MAX_SKEW:
        raise _refuse(
            batch, entry, "clock_skew", f"dated {entry.ts}, before the terminal was enrolled"
        )


def _check_amount(batch: _Batch, entry: Entry, effect: Effect) -> None:
    if effect is Effect.NONE:
        if entry.account is not None:
            raise _refuse(batch, entry, "account", f"a {entry.kind} entry names no account")
        if entry.amount != 0:
            raise _refuse(batch, entry, "amount_sign", f"a {entry.kind} entry moves no money")
        return
    if entry.account is None:
        raise _refuse(batch, entry, "account", f"a {entry.kind} entry needs an account")
    if effect is Effect.DEBIT and entry.amount > 0:
        raise _refuse(batch, entry, "amount_sign", f"a {entry.kind} cannot credit the account")
    if effect is Effect.CREDIT and entry.amount <= 0:
        raise _refuse(batch, entry, "amount_sign", f"a {entry.kind} must credit the account")
    limit = batch.settings.max_amount
    if abs(entry.amount) > limit:
        raise _refuse(
            batch,
            entry,
            "amount_limit",
            f"{abs(entry.amount)} cents is above the site's largest amount ({limit} cents)",
        )


def _check_vat(batch: _Batch, entry: Entry, payload: Strict) -> None:
    """Closures total sales by VAT rate from these lines: lines that do not add up to
    the amount would make the totals by rate disagree with the sales."""
    vat = getattr(payload, "vat", None)
    if not isinstance(payload, SaleFields) or vat is None:
        return
    if sum(vat.values()) != -entry.amount:
        raise _refuse(
            batch,
            entry,
            "vat_total",
            f"VAT lines add up to {sum(vat.values())} cents, the entry to {-entry.amount}",
        )


def _check_site(storage: Storage, batch: _Batch, entry: Entry, payload: Strict) -> None:
    site = batch.terminal.site
    if entry.account is not None:
        account_site = batch.account_sites.get(entry.account)
        if account_site is not None and account_site != site:
            raise _refuse(batch, entry, "other_site", f"account {entry.account} is not of {site}")
    credential = getattr(payload, "credential_id", None)
    if isinstance(payload, SalePayload | GuestMealPayload) and credential is not None:
        if credential not in batch.badge_sites:
            batch.badge_sites[credential] = storage.credential_site(credential)
        its_site = batch.badge_sites[credential]
        if its_site is not None and its_site != site:
            raise _refuse(batch, entry, "other_site", f"badge {credential} is not of {site}")
    if isinstance(payload, GuestMealPayload) and payload.visit_id is not None:
        if not storage.has_document(site, VISIT_KIND, payload.visit_id):
            raise _refuse(batch, entry, "other_site", f"no visit {payload.visit_id} on {site}")
        data = storage.document(site, VISIT_KIND, payload.visit_id)
        if data is not None:
            bill_to = VisitDoc.from_document(data).bill_to
            if bill_to != entry.account:
                raise _refuse(
                    batch, entry, "visit_account", f"visit {payload.visit_id} bills {bill_to}"
                )


def _check_cancel(storage: Storage, batch: _Batch, entry: Entry, payload: CancelPayload) -> None:
    target = payload.cancels
    original: Entry | None = None
    if target < entry.seq:
        earlier = [e for e in batch.entries if e.seq == target]
        original = (
            earlier[0]
            if earlier
            else next(iter(storage.entries_of_terminal(entry.terminal_id, target - 1, 1)), None)
        )
    if original is None or original.seq != target:
        raise _refuse(batch, entry, "cancel_mismatch", f"no earlier entry {target} to cancel")
    if (
        original.kind != payload.cancelled_kind
        or kind_spec(original.kind).effect not in {Effect.DEBIT, Effect.CREDIT}
        or original.account != entry.account
        or original.amount != -entry.amount
    ):
        raise _refuse(
            batch,
            entry,
            "cancel_mismatch",
            f"entry {target} is a {original.kind} of {original.amount} cents on "
            f"{original.account}: this is not its reversal",
        )
    before = [
        e
        for e in batch.entries
        if e.kind == EntryKind.CANCEL and e.seq < entry.seq and e.payload.get("cancels") == target
    ]
    if before or storage.cancelling_entry(entry.terminal_id, target) is not None:
        raise _refuse(batch, entry, "cancel_mismatch", f"entry {target} was already cancelled")
