"""Errors of the engine. Business refusals are results (``Refused``), not exceptions;
these are for faults and misuse::

    EngineError
    ├── StoreError            the database cannot be opened, migrated or written
    │   └── TerminalMismatch  the store belongs to another terminal id
    ├── KeyFileError          the terminal key is missing, unreadable or too open
    └── JournalCorrupt        verification found a bad entry (names its sequence)
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


class JournalCorrupt(EngineError):
    def __init__(self, seq: int | None, problem: str) -> None:
        self.seq, self.problem = seq, problem
        super().__init__(f"entry {seq}: {problem}" if seq is not None else problem)
