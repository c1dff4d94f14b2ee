"""Errors of the engine. Business refusals are results (``Refused``), not exceptions;
these are for faults and misuse::

    EngineError
    ├── StoreError            the database cannot be opened, migrated or written
    │   └── TerminalMismatch  the store belongs to another terminal id
    ├── KeyFileError          the terminal key is missing, unreadable or too open
    │   └── KeyMismatch       the key is not the one the store is bound to
    └── PaymentError          a card payment settled twice, or no such payment
"""

from __future__ import annotations


class EngineError(Exception):
    """Base of every engine error."""


class StoreError(EngineError):
    pass


class TerminalMismatch(StoreError):
    pass


class KeyFileError(EngineError):
    pass


class KeyMismatch(KeyFileError):
    """The key file is not the one the store is bound to."""


class PaymentError(EngineError):
    pass
