"""Config files: errors name the file, the key and the reason."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import BaseModel, ConfigDict, Field

from kiosk.configfile import ConfigError, load_toml_model


class Item(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    price: int = Field(gt=0)


class Site(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str
    items: list[Item] = []


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "site.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_valid_file_loads(tmp_path: Path) -> None:
    site = load_toml_model(write(tmp_path, 'name = "A"\n[[items]]\nprice = 3\n'), Site)
    assert site.items[0].price == 3


@pytest.mark.parametrize(
    ("text", "key", "reason"),
    [
        ('name = "A"\ncolour = 1\n', "colour", "unknown key"),
        ('name = "A"\n[[items]]\nprice = 0\n', "items[0].price", "greater than 0"),
        ("name = \n", "", "not valid TOML"),
        ("", "name", "Field required"),
    ],
)
def test_errors_name_file_key_and_reason(tmp_path: Path, text: str, key: str, reason: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_toml_model(path, Site)
    assert info.value.key == key and reason in info.value.reason
    assert str(path) in str(info.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        load_toml_model(tmp_path / "nope.toml", Site)
