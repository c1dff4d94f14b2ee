"""The portal's exceptions::

    HubError (sync.server.errors)
    └── PortalError
        ├── PortalConfigError   a bad KIOSK_PORTAL_* setting
        └── MailError           the SMTP server could not take the message

A diner's mistake (wrong password, expired code ...) is not an exception: the
service answers with a ``Refusal`` that the page words.
"""

from __future__ import annotations

from sync.server.errors import HubError


class PortalError(HubError):
    status = 500


class PortalConfigError(PortalError):
    pass


class MailError(PortalError):
    status = 503
