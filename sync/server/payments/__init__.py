"""Online top-up on the hub: a payment-provider interface, the Systempay (Lyra form
API) adapter, the test payment page that simulates it, and the service and routes
that tie them to accounts.

The rule: the diner is sent to the provider's hosted payment page; only the provider's
signed server-to-server notification credits the account, once by the provider's
transaction id (a hub movement whose ``ref`` is that id), whatever the order,
repetition or delay of notifications and of the diner's return. Refunds of unused
top-ups are made by an admin through the provider and journalled as hub movements.

Errors::

    PaymentError (a HubError)
    ├── BadNotificationError   422 unsigned, forged or malformed notification
    ├── ProviderError          502 the provider refused or did not answer (refunds)
    └── NotConfiguredError     503 no payment provider set on this hub
"""

from __future__ import annotations

from sync.protocol.messages import ErrorCode
from sync.server.errors import HubError


class PaymentError(HubError):
    status, code = 422, ErrorCode.INVALID


class BadNotificationError(PaymentError):
    code = ErrorCode.BAD_SIGNATURE


class ProviderError(PaymentError):
    status, code = 502, ErrorCode.INTERNAL


class NotConfiguredError(PaymentError):
    status, code = 503, ErrorCode.INTERNAL
