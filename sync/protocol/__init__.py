"""The wire protocol v1: pydantic models shared by the terminal and the hub.

Pure data: no I/O, no HTTP, no SQL. Submodules:
``reasons`` (the refusal enum) and, as they land, the message models.
"""

from sync.protocol.reasons import RejectReason

__all__ = ["RejectReason"]
