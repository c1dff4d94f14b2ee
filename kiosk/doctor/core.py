"""What every doctor check shares: the statuses, a check's line, the limits, the context."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import timedelta
from enum import StrEnum
from pathlib import Path

from kiosk.config import TerminalConfig
from kiosk.datadir import DataDir
from kiosk.engine import Store
from kiosk.provision import SKEW_REFUSE, SKEW_WARN

GIB = 1024**3
MIB = 1024**2
RESTORE = "stop the kiosk, keep a copy of the data folder for support, restore a backup"


class Status(StrEnum):
    OK = "ok"
    WARN = "warn"
    FAIL = "fail"


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    status: Status
    detail: str
    fix: str = ""

    def to_dict(self) -> dict[str, str]:
        return {k: str(v) for k, v in asdict(self).items()}


@dataclass(frozen=True, slots=True)
class Limits:
    disk_warn: int = GIB
    disk_fail: int = 100 * MIB
    skew_warn: timedelta = SKEW_WARN
    skew_fail: timedelta = SKEW_REFUSE
    lag_fail: timedelta = timedelta(hours=24)  # warn from the site's offline threshold
    hub_timeout_s: float = 5.0
    device_timeout_s: float = 3.0


@dataclass
class _Context:
    """What one check learns for the next (the store, the hub's answer)."""

    data: DataDir
    limits: Limits
    config_path: Path
    store: Store | None = None
    skew: timedelta | None = None
    hub_problem: str | None = None
    config: TerminalConfig | None = None
    checks: list[Check] = field(default_factory=list)
    lost: str | None = None  # what the journal lacks of the hub's copy, found just now
    hub_seq: int | None = None  # the hub's last entry of this terminal, when it answered

    def add(self, name: str, status: Status, detail: str, fix: str = "") -> None:
        self.checks.append(Check(name, status, detail, fix))
