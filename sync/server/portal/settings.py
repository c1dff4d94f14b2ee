"""The portal's settings: SMTP server, lifetimes and lock-out thresholds.

Read once when the hub's app is made, from the environment (``KIOSK_PORTAL_*``,
e.g. ``KIOSK_PORTAL_SMTP_HOST``, ``KIOSK_PORTAL_SMTP_PORT``,
``KIOSK_PORTAL_SMTP_SENDER``); every setting has a default fit for a site's hub.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sync.server.portal.errors import PortalConfigError

ENV_PREFIX = "KIOSK_PORTAL_"


class PortalSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    smtp_host: str = Field(default="localhost", min_length=1)
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_sender: str = Field(default="cantine@localhost", min_length=3)
    smtp_starttls: bool = False
    smtp_timeout_s: float = Field(default=10.0, gt=0)
    code_ttl_s: int = Field(default=600, ge=60, le=3600, description="activation code life")
    session_ttl_s: int = Field(default=8 * 3600, ge=300, description="signed-in session life")
    anonymous_ttl_s: int = Field(default=1800, ge=60, description="session before sign-in")
    max_failures: int = Field(default=5, ge=1, description="failures before a lock-out")
    failure_window_s: int = Field(default=900, ge=60)
    lockout_s: int = Field(default=900, ge=1)
    max_codes: int = Field(default=3, ge=1, description="codes sent per window and account")
    # argon2id cost; the defaults are RFC 9106's second recommended profile. A small
    # back-office machine serving many diners at the lunch rush may lower the memory.
    argon2_time_cost: int = Field(default=3, ge=1, le=20)
    argon2_memory_kib: int = Field(default=65536, ge=8192, le=1048576)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> PortalSettings:
        """The settings named by ``KIOSK_PORTAL_<FIELD>`` variables; an unknown
        variable or a bad value is an error naming it."""
        env = os.environ if env is None else env
        values = {
            name[len(ENV_PREFIX) :].lower(): value
            for name, value in env.items()
            if name.startswith(ENV_PREFIX)
        }
        unknown = sorted(set(values) - set(cls.model_fields))
        if unknown:
            raise PortalConfigError(f"unknown setting {ENV_PREFIX}{unknown[0].upper()}")
        try:
            return cls.model_validate(values)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ENV_PREFIX + ".".join(str(p) for p in first["loc"]).upper()
            raise PortalConfigError(f"{where}: {first['msg']}") from exc
