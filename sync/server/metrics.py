"""The hub's Prometheus metrics: ``GET /metrics`` in the text exposition format.

Several hub processes (``kiosk hub --workers N``, or hubs on several machines against
one database) must each tell the truth, so the metrics come in two kinds:

- **What this machine's processes did**, counted as they do it: pushes and entries
  applied, refusals by reason, request and database timings. They live in
  ``prometheus_client``'s registry. When ``PROMETHEUS_MULTIPROC_DIR`` names a folder
  (``kiosk hub --workers`` sets one up), ``prometheus_client``'s multiprocess mode
  keeps each worker's values in its own file there and ``/metrics`` sums them, so any
  worker answers for the whole machine. Prometheus tells machines apart by its
  ``instance`` label; sum over it for the whole service.
- **The state of terminals**, read from the database at each scrape (seconds since each
  terminal's last sync, its applied sequence): every process of every machine gives the
  same values, whatever process served the terminal.

``/metrics`` asks for an admin token (``Authorization: Bearer``), like the admin API:
give Prometheus a token of its own (``kiosk hub token create --label prometheus``) and
keep the path off the public side of the reverse proxy (``docs/hub-deployment.md``).

Names: ``kiosk_hub_pushes_total``, ``kiosk_hub_entries_total{result}``
(applied, duplicate), ``kiosk_hub_refusals_total{reason}`` (the ``ErrorCode`` of each
4xx/5xx), ``kiosk_hub_request_seconds{endpoint}`` (push, changes),
``kiosk_hub_db_seconds{operation}`` (each storage call, by name),
``kiosk_hub_terminal_seconds_since_sync{site,terminal}``,
``kiosk_hub_terminal_applied_seq{site,terminal}``, ``kiosk_hub_terminals``.
"""

from __future__ import annotations

import functools
import inspect
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import Depends, FastAPI, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from sync.journal import parse_ts

if TYPE_CHECKING:
    from sync.server.service import Hub

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

PUSHES = Counter("kiosk_hub_pushes", "Journal pushes accepted (refusals: kiosk_hub_refusals)")
ENTRIES = Counter(
    "kiosk_hub_entries", "Journal entries received, by result (applied, duplicate)", ["result"]
)
REFUSALS = Counter(
    "kiosk_hub_refusals", "Requests refused (4xx/5xx), by the ErrorCode named", ["reason"]
)
REQUEST_SECONDS = Histogram(
    "kiosk_hub_request_seconds",
    "Time to answer a terminal call, by endpoint",
    ["endpoint"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)
DB_SECONDS = Histogram(
    "kiosk_hub_db_seconds",
    "Time of each storage call (its transaction, lock waits included), by operation",
    ["operation"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0),
)


# Counting -----------------------------------------------------------------------------


def refused(reason: str) -> None:
    REFUSALS.labels(reason=reason).inc()


def pushed(applied: int, duplicates: int) -> None:
    PUSHES.inc()
    ENTRIES.labels(result="applied").inc(applied)
    ENTRIES.labels(result="duplicate").inc(duplicates)


@contextmanager
def timed(endpoint: str) -> Iterator[None]:
    start = time.perf_counter()
    try:
        yield
    finally:
        REQUEST_SECONDS.labels(endpoint=endpoint).observe(time.perf_counter() - start)


# Storage timings: every call of the storage interface, by method name --------------

# Calls that hand back a transaction or close the store: their time means nothing.
_UNTIMED = frozenset({"atomic", "reading", "close", "bump"})


def _timed_call(name: str, method: Callable[..., Any]) -> Callable[..., Any]:
    histogram = DB_SECONDS.labels(operation=name)

    @functools.wraps(method)
    def call(self: object, *args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return method(self, *args, **kwargs)
        finally:
            histogram.observe(time.perf_counter() - start)

    return call


_TIMED_CLASSES: dict[type, type] = {}


def timed_class(cls: type) -> type:
    """A subclass of the storage class ``cls`` whose public methods are observed in
    ``DB_SECONDS``: any backend, nothing to add to it, and ``isinstance`` still holds."""
    made = _TIMED_CLASSES.get(cls)
    if made is None:
        methods: dict[str, Any] = {"_timed": True}
        for name in dir(cls):
            attr = inspect.getattr_static(cls, name)
            if name.startswith("_") or name in _UNTIMED or not inspect.isfunction(attr):
                continue
            methods[name] = _timed_call(name, attr)
        made = _TIMED_CLASSES[cls] = type(f"Timed{cls.__name__}", (cls,), methods)
    return made


def time_storage(storage: object) -> None:
    """Observe the calls of this storage object from now on (once)."""
    if not getattr(storage, "_timed", False):
        storage.__class__ = timed_class(type(storage))


# Terminal state, read from the database at each scrape --------------------------------


class TerminalCollector(Collector):
    def __init__(self, hub: Hub) -> None:
        self.hub = hub

    def collect(self) -> Iterator[Metric]:
        since = GaugeMetricFamily(
            "kiosk_hub_terminal_seconds_since_sync",
            "Seconds since the terminal last pushed or pulled (kept to within 10 s)",
            labels=["site", "terminal"],
        )
        applied = GaugeMetricFamily(
            "kiosk_hub_terminal_applied_seq",
            "Highest sequence of the terminal's journal the hub applied",
            labels=["site", "terminal"],
        )
        count = GaugeMetricFamily(
            "kiosk_hub_terminals", "Enrolled terminals not revoked", labels=["site"]
        )
        now = self.hub.clock()
        for site in self.hub.storage.list_sites():
            code, live = site.site_code, 0
            for terminal in self.hub.storage.list_terminals(code):
                if terminal.revoked:
                    continue
                live += 1
                applied.add_metric([code, terminal.id], terminal.applied_seq)
                if terminal.last_seen is not None:
                    age = (now - parse_ts(terminal.last_seen)).total_seconds()
                    since.add_metric([code, terminal.id], max(0.0, age))
            count.add_metric([code], live)
        yield from (since, applied, count)


def exposition(hub: Hub) -> bytes:
    """The metrics text: this machine's counters (every worker's, in multiprocess
    mode) and the terminals' state from the database."""
    counters: CollectorRegistry = REGISTRY
    if os.environ.get(MULTIPROC_ENV):
        counters = CollectorRegistry()
        multiprocess.MultiProcessCollector(counters)  # type: ignore[no-untyped-call]
    terminals = CollectorRegistry(auto_describe=False)
    terminals.register(TerminalCollector(hub))
    return generate_latest(counters) + generate_latest(terminals)


def prepare_workers() -> Path:
    """Before worker processes start: the multiprocess folder, named by
    ``PROMETHEUS_MULTIPROC_DIR`` (made if missing) or a new temporary one (then set in
    the environment the workers inherit), emptied of an earlier run's files, whose
    values would otherwise be summed in."""
    named = os.environ.get(MULTIPROC_ENV)
    folder = Path(named) if named else Path(tempfile.mkdtemp(prefix="kiosk-hub-metrics-"))
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.db"):
        stale.unlink()
    os.environ[MULTIPROC_ENV] = str(folder)
    return folder


def install(app: FastAPI, hub: Hub, admin: Callable[..., None]) -> None:
    """Time the hub's storage calls and serve ``GET /metrics`` (admin token)."""
    time_storage(hub.storage)

    @app.get("/metrics", tags=["admin"], dependencies=[Depends(admin)], include_in_schema=False)
    def metrics() -> Response:
        return Response(content=exposition(hub), media_type=CONTENT_TYPE_LATEST)
