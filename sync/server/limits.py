"""The hub's limits: connections and read deadlines of its HTTP server (enforced by
``sync.server.connections``) and the rates of enrolment and admin writes (enforced by
the service, with their state in the database so that several hub processes share it).
"""

from __future__ import annotations

import resource
from dataclasses import dataclass


@dataclass(frozen=True)
class HubLimits:
    """Limits of the hub's HTTP server (``kiosk hub`` options; defaults for a site).

    ``max_connections`` is lowered to the open-file limit less ``fd_reserve`` (the
    database, its WAL and the worker threads need descriptors too).
    """

    max_connections: int = 2048
    header_timeout_s: float = 10.0
    body_timeout_s: float = 60.0
    send_timeout_s: float = 60.0
    keep_alive_s: float = 5.0
    max_header_bytes: int = 16 * 1024
    fd_reserve: int = 256
    # The listen queue, which bounds the sockets accepted before the first of them
    # reaches the gate (they pile up for a few turns of the loop): an eighth of the
    # reserve, so that a burst never runs the process out of descriptors (accept
    # failing with EMFILE, and asyncio pausing it for a second). A longer burst waits
    # in the clients' TCP retries instead.
    accept_batch: int = 32

    def connection_bound(self) -> int:
        soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
        if soft == resource.RLIM_INFINITY:
            return self.max_connections
        return max(16, min(self.max_connections, soft - self.fd_reserve))


@dataclass(frozen=True)
class Rate:
    """``per_minute`` requests a minute on average, ``burst`` of them at once."""

    per_minute: int
    burst: int

    @property
    def interval_ms(self) -> int:
        return max(1, 60_000 // self.per_minute)


@dataclass(frozen=True)
class RateLimits:
    """Per-key rates the service enforces (429 with ``Retry-After`` beyond them).

    Enrolment is counted per site named (each guess at an enrolment token names a site,
    and presents a new token, so a count per token would stop nothing); admin writes
    (POST, PUT, PATCH, DELETE) per admin token.
    """

    enrol: Rate = Rate(per_minute=10, burst=20)
    admin_writes: Rate = Rate(per_minute=1200, burst=600)


def raise_open_file_limit(target: int = 65536) -> int:
    """Raise this process's soft open-file limit towards ``target`` (never above the
    hard limit); the new soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = target if hard == resource.RLIM_INFINITY else min(target, hard)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
        soft = wanted
    return int(soft)
