"""The wire protocol v1: pydantic models shared by the terminal and the hub.

Pure data: no I/O, no HTTP, no SQL. Submodules:
``reasons`` (the refusal enum), ``messages`` (the sync calls), ``rows`` (what the hub
sends), ``payloads`` (one model per journal entry kind), ``admin``, ``catalogue``,
``ticket`` and ``visits``.
"""

from sync.protocol.reasons import RejectReason

__all__ = ["RejectReason"]
