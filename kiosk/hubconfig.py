"""``hub.toml``: how ``kiosk hub`` runs as a service (data folder, listen address, TLS).

::

    data = "/var/lib/kiosk-hub"      # hub.db and its signing key (hub.db.key) live here
    listen = "127.0.0.1:8700"        # host:port of the HTTP API
    tls = "proxy"                    # "proxy": a TLS reverse proxy is in front (nginx,
                                     # caddy); "none": plain HTTP on a trusted network
    public_url = "https://hub.example.internal"   # what terminals are given (a hint)
    database = "postgresql://hub@db.internal/hub"  # optional: PostgreSQL instead of
                                     # data/hub.db; the signing key is then data/hub.key
    workers = 4                      # HTTP worker processes (default 1)

Precedence for ``kiosk hub``: its flags (``--db``, ``--database``, ``--key``,
``--host``, ``--port``, ``--workers``), then ``$KIOSK_HUB_DATABASE``, then this file
(``--config``, or ``$KIOSK_HUB_CONFIG``). Errors name the file, key and reason.
"""

from __future__ import annotations

import ipaddress
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from kiosk.configfile import load_toml_model

DEFAULT_PATH = Path("/etc/kiosk-hub/hub.toml")


class TlsMode(StrEnum):
    PROXY = "proxy"
    NONE = "none"


class HubConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    data: Path
    listen: str = Field(default="127.0.0.1:8700", pattern=r"^[^\s:]+:\d{1,5}$")
    tls: TlsMode = TlsMode.PROXY
    public_url: str = Field(default="", pattern=r"^(https?://\S+)?$")
    database: str = Field(default="", pattern=r"^(postgres(ql)?://\S+)?$")
    workers: int = Field(default=1, ge=1, le=64)

    @field_validator("listen")
    @classmethod
    def _port(cls, value: str) -> str:
        port = int(value.rsplit(":", 1)[1])
        if not 1 <= port <= 65535:
            raise ValueError("the port must be between 1 and 65535")
        return value

    @property
    def db(self) -> Path | str:
        """The hub's database: the PostgreSQL URL if given, else data/hub.db."""
        return self.database or self.data / "hub.db"

    @property
    def key(self) -> Path | None:
        """The signing key's file (None: beside the SQLite file, hub.db.key)."""
        return self.data / "hub.key" if self.database else None

    @property
    def host(self) -> str:
        return self.listen.rsplit(":", 1)[0]

    @property
    def port(self) -> int:
        return int(self.listen.rsplit(":", 1)[1])

    def warning(self) -> str | None:
        """What a technician should hear at start-up about TLS, if anything."""
        if self.tls is TlsMode.NONE and not _loopback(self.host):
            return (
                f'hub.toml: tls = "none" and listen = {self.listen!r}: admin tokens and '
                "journals cross the network in clear; put a TLS proxy in front"
            )
        return None


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def load_hub_config(path: Path | str) -> HubConfig:
    """Read hub.toml; a relative ``data`` is taken from the file's folder."""
    config = load_toml_model(path, HubConfig)
    if not config.data.is_absolute():
        config = config.model_copy(update={"data": Path(path).parent / config.data})
    return config
