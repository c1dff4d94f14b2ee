"""``hub.toml`` for ``kiosk hub``: defaults, errors naming the key, the TLS hint, and
flags that win over the file."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from kiosk.cli import main
from kiosk.configfile import ConfigError
from kiosk.hubconfig import load_hub_config


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "hub.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_relative_data_is_beside_the_file_and_listen_is_split(tmp_path: Path) -> None:
    config = load_hub_config(write(tmp_path, 'data = "d"\nlisten = "0.0.0.0:9000"\n'))
    assert config.db == tmp_path / "d" / "hub.db"
    assert (config.host, config.port) == ("0.0.0.0", 9000)
    assert config.warning() is None  # tls = "proxy" by default


def test_a_postgresql_database_keeps_the_key_in_the_data_folder(tmp_path: Path) -> None:
    text = 'data = "d"\ndatabase = "postgresql://hub@db/hub"\nworkers = 4\n'
    config = load_hub_config(write(tmp_path, text))
    assert (config.db, config.key, config.workers) == (
        "postgresql://hub@db/hub",
        tmp_path / "d" / "hub.key",
        4,
    )
    sqlite = load_hub_config(write(tmp_path, 'data = "d"\n'))
    assert (sqlite.db, sqlite.key, sqlite.workers) == (tmp_path / "d" / "hub.db", None, 1)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('data = "d"\nlisten = "9000"\n', "listen"),
        ('data = "d"\nlisten = "h:70000"\n', "listen"),
        ('data = "d"\ntls = "maybe"\n', "tls"),
        ('data = "d"\nport = 1\n', "port"),
        ("listen = 'h:1'\n", "data"),
        ('data = "d"\ndatabase = "mysql://h/db"\n', "database"),
        ('data = "d"\nworkers = 0\n', "workers"),
    ],
)
def test_errors_name_the_key(tmp_path: Path, text: str, key: str) -> None:
    with pytest.raises(ConfigError) as refused:
        load_hub_config(write(tmp_path, text))
    assert refused.value.key == key


def test_plain_http_beyond_loopback_is_warned(tmp_path: Path) -> None:
    lan = load_hub_config(write(tmp_path, 'data = "d"\nlisten = "10.0.0.5:8700"\ntls = "none"\n'))
    assert lan.warning() is not None and "TLS proxy" in lan.warning()  # type: ignore[operator]
    local = load_hub_config(write(tmp_path, 'data = "d"\nlisten = "127.0.0.1:1"\ntls = "none"\n'))
    assert local.warning() is None


def test_subcommands_take_the_database_from_the_config(tmp_path: Path) -> None:
    path = write(tmp_path, 'data = "d"\n')
    made = CliRunner().invoke(main, ["hub", "--config", str(path), "admin-token"])
    assert made.exit_code == 0 and made.output.startswith("adm_")
    assert (tmp_path / "d" / "hub.db").exists()
    other = tmp_path / "other.db"
    args = ["hub", "--config", str(path), "admin-token", "--db", str(other)]
    flag = CliRunner().invoke(main, args)
    assert flag.exit_code == 0 and other.exists()
    neither = CliRunner().invoke(main, ["hub", "admin-token"], env={"KIOSK_HUB_CONFIG": ""})
    assert neither.exit_code == 2 and "--config hub.toml" in neither.output
    broken = write(tmp_path, 'data = "d"\ncolour = 1\n')
    bad = CliRunner().invoke(main, ["hub", "--config", str(broken), "admin-token"])
    assert bad.exit_code == 1 and "colour: unknown key" in bad.output
