"""Why something was refused: one enum shared by the engine, the wire protocol and
the UI's wording (the UI maps each member to a sentence in its message catalogue).

The values are stable strings: they travel over the wire and are stored in the
journal, so a member may be added but never renamed.
"""

from __future__ import annotations

from enum import StrEnum


class RejectReason(StrEnum):
    # Credentials
    UNKNOWN_CREDENTIAL = "unknown_credential"
    MALFORMED_CREDENTIAL = "malformed_credential"
    LOST_BADGE = "lost_badge"
    BLOCKED_BADGE = "blocked_badge"
    # Phone badge (signed QR) and visit codes
    QR_EXPIRED = "qr_expired"
    QR_REPLAYED = "qr_replayed"
    QR_BAD_SIGNATURE = "qr_bad_signature"
    CLOCK_SKEW = "clock_skew"
    VISIT_UNKNOWN = "visit_unknown"
    VISIT_NOT_APPROVED = "visit_not_approved"
    VISIT_OTHER_DAY = "visit_other_day"
    VISIT_CONSUMED = "visit_consumed"
    VISIT_CANCELLED = "visit_cancelled"
    VISIT_NO_MEAL = "visit_no_meal"  # the visit was approved without a meal
    # Accounts and money
    UNKNOWN_ACCOUNT = "unknown_account"
    ACCOUNT_CLOSED = "account_closed"
    INSUFFICIENT_BALANCE = "insufficient_balance"
    OFFLINE_CAP_REACHED = "offline_cap_reached"
    INVALID_AMOUNT = "invalid_amount"
    AMOUNT_TOO_LARGE = "amount_too_large"
    EMPTY_TRAY = "empty_tray"
    UNKNOWN_ITEM = "unknown_item"
    UNKNOWN_PROFILE = "unknown_profile"  # the account's tariff profile is not in the menu
    GUEST_BILLING = "guest_billing"  # a guest meal without a host/cost centre, or vice versa
    # Corrections
    UNKNOWN_ENTRY = "unknown_entry"
    NOT_CANCELLABLE = "not_cancellable"
    ALREADY_CANCELLED = "already_cancelled"
    # Till
    TILL_CLOSED = "till_closed"
    NOT_AUTHORISED = "not_authorised"
    # Card payments (bank-card terminal)
    PAYMENT_UNAVAILABLE = "payment_unavailable"  # no terminal configured, or not answering
    PAYMENT_DECLINED = "payment_declined"  # the bank, the card or the diner said no
    PAYMENT_PENDING = "payment_pending"  # an earlier card payment's outcome is not known yet
    # Journal
    JOURNAL_INCOMPLETE = "journal_incomplete"  # the hub holds entries this till lost
    # Orders (sync.protocol.orders)
    ORDER_CLOSED = "order_closed"  # past the item's cut-off for that pickup day
    ORDER_NOT_OFFERED = "order_not_offered"  # not on that day, or too far ahead
    ORDER_SLOT = "order_slot"  # no pickup slot chosen, or one the items do not offer
    ORDER_SOLD_OUT = "order_sold_out"  # the item's daily quantity is reached
    ORDER_UNKNOWN = "order_unknown"  # no such order on this site
    ORDER_NOT_YOURS = "order_not_yours"  # the order belongs to another diner
    ORDER_COLLECTED = "order_collected"  # already handed over
    ORDER_CANCELLED = "order_cancelled"  # cancelled (and refunded)
    ORDER_NOT_TODAY = "order_not_today"  # to collect on another day
