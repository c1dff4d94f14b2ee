"""The hub's exception tree: every refusal the HTTP layer turns into an ErrorBody.

::

    HubError                 status, ErrorCode, detail
     ├── InvalidRequestError      422 invalid
     │    └── EntryRefusedError       422 entry_refused: an entry breaks a site rule
     ├── UnauthenticatedError     401 unknown or missing token
     ├── ForbiddenError           403 token valid, not allowed here
     │    └── EnrolmentRefusedError   403 bad site code or enrolment token
     ├── NotFoundError            404
     ├── ConflictError            409 (e.g. a credential of another site)
     ├── SequenceGapError         409 resend from expected_seq
     ├── ChainBrokenError         409 the chain does not continue what the hub holds
     ├── BadSignatureError        422 hash or signature invalid, nothing stored
     ├── TooLargeError            413 request body above the limit
     ├── RateLimitedError         429 too many requests for this token; Retry-After
     └── StorageError        503 the database failed (sqlite3 errors, translated)
"""

from __future__ import annotations

from sync.protocol.messages import MAX_DETAIL, ErrorBody, ErrorCode


class HubError(Exception):
    status = 500
    code = ErrorCode.INTERNAL

    def __init__(
        self, detail: str, *, expected_seq: int | None = None, applied_seq: int | None = None
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.expected_seq = expected_seq
        self.applied_seq = applied_seq

    def body(self) -> ErrorBody:
        return ErrorBody(
            reason=self.code,
            detail=self.detail[:MAX_DETAIL],
            expected_seq=self.expected_seq,
            applied_seq=self.applied_seq,
        )


class InvalidRequestError(HubError):
    status, code = 422, ErrorCode.INVALID


class EntryRefusedError(InvalidRequestError):
    """A pushed entry breaks one of the site's rules (``sync.server.entry_rules``):
    the body names the entry (terminal id:seq) and the rule; nothing was stored."""

    code = ErrorCode.ENTRY_REFUSED

    def __init__(self, entry_id: str, rule: str, detail: str, *, applied_seq: int) -> None:
        super().__init__(f"entry {entry_id}: {rule}: {detail}", applied_seq=applied_seq)
        self.entry_id, self.rule = entry_id, rule

    def body(self) -> ErrorBody:
        return super().body().model_copy(update={"entry": self.entry_id, "rule": self.rule})


class UnauthenticatedError(HubError):
    status, code = 401, ErrorCode.UNAUTHENTICATED


class ForbiddenError(HubError):
    status, code = 403, ErrorCode.FORBIDDEN


class EnrolmentRefusedError(ForbiddenError):
    code = ErrorCode.ENROLMENT_REFUSED


class NotFoundError(HubError):
    status, code = 404, ErrorCode.NOT_FOUND


class ConflictError(HubError):
    status, code = 409, ErrorCode.CONFLICT


class SequenceGapError(HubError):
    status, code = 409, ErrorCode.SEQUENCE_GAP


class ChainBrokenError(HubError):
    status, code = 409, ErrorCode.CHAIN_BROKEN


class BadSignatureError(HubError):
    status, code = 422, ErrorCode.BAD_SIGNATURE


class TooLargeError(HubError):
    status, code = 413, ErrorCode.TOO_LARGE


class StorageError(HubError):
    status, code = 503, ErrorCode.INTERNAL


class RateLimitedError(HubError):
    status, code = 429, ErrorCode.RATE_LIMITED

    def __init__(self, detail: str, *, retry_after_s: int) -> None:
        super().__init__(detail)
        self.retry_after_s = retry_after_s
