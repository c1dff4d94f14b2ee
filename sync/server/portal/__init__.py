"""The diner portal: the diner's own web app, served by the hub under ``/portal``.

Modules: ``settings`` (SMTP server, lifetimes, lock-out; from ``KIOSK_PORTAL_*``),
``errors`` (its exceptions), ``store`` (its SQL: sign-ins, sessions, codes, attempts,
the diner's history), ``mail`` (activation codes by SMTP), ``i18n`` (French and
English words, money and time formats), ``service`` (the rules), ``routes`` (the
pages, Jinja2 templates in ``templates/``, the stylesheet in ``static/``); the
account's pages, one family a module over ``kit``: ``tickets`` (a ticket's detail and
receipt, ``receipt_pdf``), ``services_routes``, ``visit_requests`` (with
``pages_store``), ``notifications`` (low-balance e-mails, ``notifications_store``),
``topup_routes``; their words in ``page_words``.

The diner's devices: ``devices`` (phone badges made in the browser, revocation,
sign-in codes shown as a QR code) with ``devices_store`` (their SQL),
``devices_words`` and ``devices_http``; ``passkeys`` and ``passkeys_store``
(WebAuthn); their pages in ``badge_routes``, ``devices_link_routes`` and
``passkeys_routes``; the scripts in ``static/`` (``badge.js``, ``sw.js``,
``scan.js``, ``passkeys.js``) and the vendored libraries in ``static/vendor/``.
"""

from __future__ import annotations

from sync.server.portal.routes import add_portal_routes
from sync.server.portal.settings import PortalSettings

__all__ = ["PortalSettings", "add_portal_routes"]
