"""The terminal's configuration: one frozen pydantic model, loaded once at the entry
point and passed down.

Precedence, highest first:

1. command-line flags (the CLI passes them as ``overrides``);
2. environment variables ``KIOSK_<SECTION>__<KEY>`` (e.g. ``KIOSK_HUB__URL``,
   ``KIOSK_UI__LANG=en``); values are read as TOML literals when they parse
   (``30``, ``true``, ``[1, 2]``) and as plain text otherwise;
3. the terminal file (``terminal.toml`` in the data folder, or ``--config``);
4. ``config/default.toml`` shipped with the code (the same values as the defaults
   below, for a technician to read).

An unknown key anywhere is an error that names the file (or variable), the key and
the reason. The hub's address and the terminal's API token are not here: they live in
``sync.toml`` (mode 0600, written at enrolment; see ``kiosk.cli.sync``).
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from kiosk.configfile import ConfigError, validate_model
from kiosk.ui.model import Mode, UiConfig

__all__ = [
    "DevicesSection",
    "Mode",
    "TerminalConfig",
    "TerminalSection",
    "dump_toml",
    "env_layer",
    "load_config",
]

ENV_PREFIX = "KIOSK_"


class Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class TerminalSection(Section):
    # ``mode`` here decides till or kiosk; the UI's own ``[ui] mode`` is ignored.
    id: str | None = Field(default=None, description="given by the hub at enrolment")
    site_code: str | None = None
    data_dir: Path = Path("var/kiosk")
    mode: Mode = Mode.TILL
    training: bool = Field(default=False, description="receipts marked FACTICE")


class DevicesSection(Section):
    # Each device is a table handed to the drivers' registry, which validates it
    # (an unknown option there is an error naming it), e.g.
    # [devices.reader] backend = "nfcpy"  path = "usb:054c:06c3"
    reader: dict[str, Any] | None = None
    scanner: dict[str, Any] | None = None
    printer: dict[str, Any] | None = None
    payment: dict[str, Any] | None = None


class TerminalConfig(Section):
    terminal: TerminalSection = TerminalSection()
    ui: UiConfig = UiConfig()  # the touch UI's own settings (kiosk.ui.model)
    devices: DevicesSection = DevicesSection()


def _literal(text: str) -> Any:
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def _merge(base: dict[str, Any], top: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in top.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def env_layer(environ: Mapping[str, str]) -> dict[str, Any]:
    """``KIOSK_UI__WIDTH=800`` -> ``{"ui": {"width": 800}}``; other KIOSK_ names ignored."""
    layer: dict[str, Any] = {}
    for name, value in environ.items():
        if not name.startswith(ENV_PREFIX) or "__" not in name:
            continue
        path = name[len(ENV_PREFIX) :].lower().split("__")
        node = layer
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = _literal(value)
    return layer


def load_config(
    path: Path | str | None = None,
    *,
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> TerminalConfig:
    """Build the configuration from file, environment and flags (see module doc)."""
    data: dict[str, Any] = {}
    source = "defaults"
    if path is not None and Path(path).exists():
        file = Path(path)
        try:
            data = tomllib.loads(file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(file, "", f"cannot read: {exc}") from exc
        validate_model(file, data, TerminalConfig)  # name the file for its own errors
        source = str(file)
    env = env_layer(os.environ if environ is None else environ)
    if env:
        validate_model("environment (KIOSK_...)", _merge(data, env), TerminalConfig)
        data, source = _merge(data, env), "environment (KIOSK_...)"
    if overrides:
        data, source = _merge(data, overrides), "command-line flags"
    return validate_model(source, data, TerminalConfig)


def dump_toml(config: TerminalConfig) -> str:
    """The config as a terminal.toml (only values that differ from the defaults)."""
    lines: list[str] = []
    defaults = TerminalConfig()
    for section_name in TerminalConfig.model_fields:
        section = getattr(config, section_name)
        default = getattr(defaults, section_name)
        body = []
        for key in type(section).model_fields:
            value = getattr(section, key)
            if value == getattr(default, key) or value is None:
                continue
            body.append(f"{key} = {_toml_value(value)}")
        if body:
            lines += [f"[{section_name}]", *body, ""]
    return "\n".join(lines)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, dict):
        inner = ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items())
        return "{ " + inner + " }"
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'
