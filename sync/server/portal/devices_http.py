"""Reading the small forms of the device, sign-in code and passkey routes: a body
above the limit is refused whole (413, ``TooLargeError``), never cut and read."""

from __future__ import annotations

from urllib.parse import parse_qsl

from fastapi import Request

from sync.server.errors import TooLargeError

MAX_FORM = 2048


async def small_form(request: Request, limit: int = MAX_FORM) -> dict[str, str]:
    raw = await request.body()
    if len(raw) > limit:
        raise TooLargeError(f"form above {limit} bytes")
    return dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
