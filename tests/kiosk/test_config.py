"""Terminal configuration: precedence flags > environment > file > defaults."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from kiosk.config import Mode, TerminalConfig, dump_toml, env_layer, load_config
from kiosk.configfile import ConfigError

ROOT = Path(__file__).parents[2]


def test_defaults_match_the_shipped_default_file() -> None:
    shipped = load_config(ROOT / "config" / "default.toml", environ={})
    assert shipped == TerminalConfig()


def test_precedence(tmp_path: Path) -> None:
    file = tmp_path / "terminal.toml"
    file.write_text('[ui]\nlang = "en"\nwidth = 1024\n[terminal]\nmode = "till"\n')
    env = {"KIOSK_UI__WIDTH": "800", "KIOSK_TERMINAL__MODE": "kiosk", "KIOSK_OTHER": "x"}
    config = load_config(file, environ=env, overrides={"terminal": {"mode": "till"}})
    assert config.ui.lang == "en"  # file
    assert config.ui.width == 800  # environment over file
    assert config.terminal.mode is Mode.TILL  # flag over environment


def test_env_values_are_toml_literals() -> None:
    layer = env_layer({"KIOSK_UI__FULLSCREEN": "true", "KIOSK_TERMINAL__MODE": "kiosk"})
    assert layer == {"ui": {"fullscreen": True}, "terminal": {"mode": "kiosk"}}
    assert load_config(None, environ={"KIOSK_TERMINAL__MODE": "kiosk"}).terminal.mode is Mode.KIOSK


@pytest.mark.parametrize(
    ("text", "env", "where", "key"),
    [
        ("[ui]\ncolour = 1\n", {}, "terminal.toml", "ui.colour"),
        ('[ui]\nlang = "de"\n', {}, "terminal.toml", "ui.lang"),
        ("", {"KIOSK_UI__WIDTH": "tiny"}, "environment", "ui.width"),
        ("", {"KIOSK_UI__PROXY": "x"}, "environment", "ui.proxy"),
    ],
)
def test_errors_name_source_and_key(
    tmp_path: Path, text: str, env: dict[str, str], where: str, key: str
) -> None:
    file = tmp_path / "terminal.toml"
    file.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_config(file, environ=env)
    assert where in info.value.path and info.value.key == key


def test_dump_round_trips(tmp_path: Path) -> None:
    config = load_config(
        None,
        environ={},
        overrides={"terminal": {"id": 'T-"9', "mode": "kiosk"}},
    )
    text = dump_toml(config)
    assert tomllib.loads(text)["terminal"] == {"id": 'T-"9', "mode": "kiosk"}
    file = tmp_path / "t.toml"
    file.write_text(text)
    assert load_config(file, environ={}) == config
