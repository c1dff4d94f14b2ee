"""The hub keeps every terminal's archives: an upload is verified whole, as an auditor
would (``sync.archive.verify_archive``), and against what the hub knows of the
terminal (its id, its enrolled key, this hub's certificate), before it is stored.
A refused archive is answered 422 with the first problem, line and place; nothing is
kept. An entry the hub already holds must be that very entry (same hash): an archive
cannot tell another story than the journal the hub applied. Certificates for archives
are issued here too.
"""

from __future__ import annotations

import logging

from sync.archive import (
    certificate_problem,
    entries_of,
    issue_certificate,
    sha256_hex,
    verify_archive,
)
from sync.protocol.archives import (
    MAX_ARCHIVE_BYTES,
    ArchiveInfo,
    ArchiveReceipt,
    TerminalCertificate,
)
from sync.server.errors import InvalidRequestError, TooLargeError
from sync.server.records import TerminalRecord
from sync.server.service import Hub

log = logging.getLogger(__name__)


def certificate_for(hub: Hub, terminal: TerminalRecord) -> TerminalCertificate:
    """This hub's signed statement that the terminal's enrolled key is its own."""
    fields = issue_certificate(
        hub.key,
        terminal_id=terminal.id,
        site_code=terminal.site,
        public_key=terminal.public_key,
        issued_at=hub.clock(),
    )
    return TerminalCertificate.model_validate(fields)


def receive_archive(hub: Hub, terminal: TerminalRecord, data: bytes) -> ArchiveReceipt:
    """Verify and keep an archive the terminal uploads (once per distinct file)."""
    if len(data) > MAX_ARCHIVE_BYTES:
        raise TooLargeError(f"an archive is at most {MAX_ARCHIVE_BYTES} bytes")
    report = verify_archive(data)
    if not report.ok:
        raise InvalidRequestError(f"archive refused: {report.problems[0]}")
    header = report.header
    if header["terminal_id"] != terminal.id or header["public_key"] != terminal.public_key:
        raise InvalidRequestError(
            "archive refused: it is not signed by this terminal's enrolled key"
        )
    held = hub.storage.entry_hashes(terminal.id, header["first_seq"], header["last_seq"])
    for entry in entries_of(data):
        if entry.seq in held and held[entry.seq] != entry.hash:
            raise InvalidRequestError(
                f"archive refused: entry {entry.seq} differs from the one the hub holds"
            )
    certificate = header.get("certificate")
    if certificate is not None:
        problem = certificate_problem(certificate, hub.public_key)
        if problem is not None:
            raise InvalidRequestError(f"archive refused: {problem}")
    info = ArchiveInfo(
        id=0,
        terminal_id=terminal.id,
        site=terminal.site,
        period=header["period"],
        first_seq=header["first_seq"],
        last_seq=header["last_seq"],
        sha256=sha256_hex(data),
        size=len(data),
        created_at=header["created_at"],
        received_at="",
    )
    kept, new = hub.storage.put_archive(info, data, hub.clock())
    if new:
        log.info(
            "archive %s of terminal %s kept (entries %s-%s, %s bytes)",
            info.period,
            terminal.id,
            info.first_seq,
            info.last_seq,
            info.size,
        )
    return ArchiveReceipt(archive=kept, new=new)
