"""Wire models of terminals' archives kept by the hub (``sync.archive`` is the file's
form): what the hub answers to an upload and lists to the back office."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from sync.protocol.rows import Strict

MAX_ARCHIVE_BYTES = 64 * 1024 * 1024  # a year of a busy till is a few tens of MB


class ArchiveInfo(Strict):
    """One archive the hub keeps (its bytes are downloaded apart)."""

    id: int = Field(ge=0)
    terminal_id: Annotated[str, Field(max_length=64)]
    site: Annotated[str, Field(max_length=64)]
    period: Annotated[str, Field(max_length=16)]
    first_seq: int = Field(ge=1)
    last_seq: int = Field(ge=1)
    sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
    size: int = Field(ge=0)
    created_at: str
    received_at: str


class ArchiveReceipt(Strict):
    """The hub's answer to an upload: the archive as kept, and whether it was new."""

    archive: ArchiveInfo
    new: bool


class TerminalCertificate(Strict):
    """The hub's signed statement binding a terminal's id and key to its site
    (``sync.archive.issue_certificate``)."""

    terminal_id: str
    site_code: str
    public_key: str
    hub_public_key: str
    issued_at: str
    signature: str
