"""``kiosk admin`` against a live hub on loopback (Click's runner, real HTTP): login and
its 0600 file, errors that name the line, --dry-run, --json, and help everywhere."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from kiosk.cli import main
from kiosk.cli.admin import admin as admin_group
from kiosk.cli.admin.menu import toml_line
from tests.sync.live import LiveHub

EXAMPLE = Path(__file__).resolve().parents[3] / "config" / "example-site.toml"
CSV = "id,name,profile,badges\nE1,Alice,employee,04A1B2C3\nE2,Bruno,manager,04A1B2C4\n"


@pytest.fixture
def hub(tmp_path: Path, hub_db: Path | str) -> Iterator[LiveHub]:
    db = tmp_path / "hub" / "hub.db" if isinstance(hub_db, Path) else hub_db
    live = LiveHub(db, key=tmp_path / "hub" / "hub.key").start()
    try:
        yield live
    finally:
        live.stop()


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "cfg" / "admin.toml"
    monkeypatch.setenv("KIOSK_ADMIN_CONFIG", str(path))
    for name in ("KIOSK_ADMIN_URL", "KIOSK_ADMIN_TOKEN", "KIOSK_ADMIN_SITE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COLUMNS", "200")
    return path


def kiosk(*args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(main, ["admin", *args], input=stdin, catch_exceptions=False)


@pytest.fixture
def logged_in(hub: LiveHub, env: Path) -> LiveHub:
    token = hub.service.create_admin_token("tests")
    result = kiosk("login", "--url", hub.url, "--site", "ACME", stdin=token + "\n")
    assert result.exit_code == 0, result.output
    assert kiosk("sites", "create", "ACME", "--name", "Acme").exit_code == 0
    return hub


def test_login_keeps_the_token_in_a_private_file(hub: LiveHub, env: Path) -> None:
    token = hub.service.create_admin_token("tests")
    refused = kiosk("login", "--url", hub.url, stdin="adm_wrong\n")
    assert refused.exit_code == 1 and "unknown token" in refused.output
    assert not env.exists()
    result = kiosk("login", "--url", hub.url, "--site", "ACME", stdin=token + "\n")
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(env.stat().st_mode) == 0o600
    assert token in env.read_text() and token not in result.output
    env.chmod(0o644)
    exposed = kiosk("sites", "show")
    assert exposed.exit_code == 1 and "chmod 600" in exposed.output
    env.chmod(0o600)
    assert kiosk("logout").exit_code == 0 and not env.exists()
    assert "kiosk admin login" in kiosk("sites", "show", "--site", "X").output


def test_environment_overrides_the_file(
    logged_in: LiveHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KIOSK_ADMIN_TOKEN", "adm_not_this_one")
    result = kiosk("sites", "show")
    assert result.exit_code == 1 and "refused the admin token" in result.output


def test_settings_are_validated_and_dry_run_changes_nothing(logged_in: LiveHub) -> None:
    bad = kiosk("sites", "settings", "set", "offline_daily_cap=-5")
    assert bad.exit_code == 1 and "offline_daily_cap" in bad.output
    unknown = kiosk("sites", "settings", "set", "colour=blue")
    assert unknown.exit_code == 1 and "colour: unknown setting" in unknown.output
    dry = kiosk("sites", "settings", "set", "offline_daily_cap=2000", "--dry-run", "--json")
    assert json.loads(dry.output)["changed"] == {"offline_daily_cap": [1500, 2000]}
    assert kiosk("sites", "settings", "get", "offline_daily_cap").output.strip().endswith("1500")
    assert kiosk("sites", "settings", "set", "offline_daily_cap=2000").exit_code == 0
    got = json.loads(kiosk("sites", "settings", "get", "--json").output)
    assert got["offline_daily_cap"] == 2000
    listed = json.loads(kiosk("sites", "list", "--json").output)
    assert [(s["site_code"], s["site_name"]) for s in listed] == [("ACME", "Acme")]


def test_menu_publish_names_the_line_and_key_of_a_bad_file(
    logged_in: LiveHub, tmp_path: Path
) -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    bad = tmp_path / "site.toml"
    # The third item's price made negative: the error points at that very line.
    lines = text.splitlines()
    price_lines = [i for i, line in enumerate(lines, 1) if line.startswith("price = ")]
    target = price_lines[2]
    lines[target - 1] = "price = -10"
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = kiosk("menu", "publish", str(bad))
    assert result.exit_code == 1
    assert f"site.toml:{target}: menu.items[2].price:" in result.output
    assert kiosk("menu", "versions", "--json").output.strip() == "[]"

    dry = kiosk("menu", "publish", str(EXAMPLE), "--dry-run")
    assert "+ 29 items" in dry.output and "dry run" in dry.output
    published = json.loads(kiosk("menu", "publish", str(EXAMPLE), "--json").output)
    assert published["version"]["version"] == 1
    cheaper = tmp_path / "cheaper.toml"
    cheaper.write_text(text.replace("price = 180", "price = 170", 1), encoding="utf-8")
    diff = kiosk("menu", "publish", str(cheaper), "--note", "promo")
    assert "~ item salad: price 180 -> 170" in diff.output and "version 2" in diff.output
    back = kiosk("menu", "rollback")
    assert "version 1 is live again as version 3" in back.output


def test_toml_line_finds_keys_in_tables_and_arrays() -> None:
    text = "[site]\nsite_code = 'X'\n\n[[menu.items]]\nid = 'a'\n"
    text += "[[menu.items]]\nid = 'b'\nprice = 3\n"
    assert toml_line(text, "site.site_code") == 2
    assert toml_line(text, "menu.items[1].price") == 8
    assert toml_line(text, "menu.items[1].label") == 6  # missing key: its table


def test_import_with_bad_lines_imports_nothing(logged_in: LiveHub, tmp_path: Path) -> None:
    file = tmp_path / "accounts.csv"
    file.write_text(CSV + "E3,Chloé,employee,nope\nE1,Again,employee,\n", encoding="utf-8")
    result = kiosk("accounts", "import", str(file))
    assert result.exit_code == 1
    assert "line 4: badge 'nope' is not a card UID" in result.output
    assert "nothing imported" in result.output
    file.write_text(CSV + "E1,Again,employee,\n", encoding="utf-8")
    refused = kiosk("accounts", "import", str(file))
    assert refused.exit_code == 1 and "line 4: account E1 is already on line 2" in refused.output
    assert kiosk("accounts", "export").output.count("\n") == 1  # the header alone
    file.write_text(CSV, encoding="utf-8")
    assert "2 created" in kiosk("accounts", "import", str(file)).output
    assert "0 created, 0 updated, 2 unchanged" in kiosk("accounts", "import", str(file)).output
    export = tmp_path / "out.csv"
    assert kiosk("accounts", "export", "-o", str(export)).exit_code == 0
    assert "E2,Bruno,manager,04A1B2C4" in export.read_text(encoding="utf-8")


def test_accounts_badges_and_cashiers(logged_in: LiveHub, tmp_path: Path) -> None:
    file = tmp_path / "accounts.csv"
    file.write_text(CSV, encoding="utf-8")
    kiosk("accounts", "import", str(file))
    adjusted = kiosk("accounts", "adjust", "E1", "-1,50", "--reason", "double meal")
    assert "0,00 € -> -1,50 €" in adjusted.output
    assert "closed" in kiosk("accounts", "close", "E1").output
    shown = json.loads(kiosk("accounts", "show", "E1", "--json").output)
    assert shown["account"]["status"] == "closed" and shown["account"]["balance"] == -150
    assert [(m["kind"], m["amount"], m["note"]) for m in shown["movements"]] == [
        ("adjustment", -150, "double meal")
    ]
    assert "double meal" in kiosk("accounts", "show", "E1").output
    replaced = kiosk("badges", "replace", "04A1B2C3", "04:ff:ee:01")
    assert "nfc:04FFEE01 assigned for account E1" in replaced.output
    dry = kiosk("badges", "unblock", "04A1B2C3", "--dry-run")
    assert "badge nfc:04A1B2C3: active (dry run)" in dry.output
    badges = json.loads(kiosk("accounts", "show", "E1", "--json").output)["credentials"]
    assert {b["value"]: b["status"] for b in badges}["nfc:04A1B2C3"] == "lost"
    assert kiosk("cashiers", "add", "K1", "--name", "Karim", "--badge", "CA5E0001").exit_code == 0
    differ = kiosk("cashiers", "pin", "K1", stdin="1234\n4321\n")
    assert differ.exit_code == 1 and "differ" in differ.output
    short = kiosk("cashiers", "pin", "K1", stdin="12\n12\n")
    assert short.exit_code == 1 and "4 to 8 digits" in short.output
    assert kiosk("cashiers", "pin", "K1", stdin="2468\n2468\n").exit_code == 0
    listed = json.loads(kiosk("cashiers", "list", "--json").output)
    assert listed == [
        {
            "id": "K1",
            "name": "Karim",
            "credential": "nfc:CA5E0001",
            "role": "cashier",
            "active": True,
            "has_pin": True,
        }
    ]
    token = kiosk("terminals", "token", "--ttl", "600")
    assert token.exit_code == 0 and token.stdout.startswith("enr_")


def _commands(group: click.Group, prefix: str) -> Iterator[tuple[str, click.Command]]:
    for name, command in group.commands.items():
        yield f"{prefix} {name}", command
        if isinstance(command, click.Group):
            yield from _commands(command, f"{prefix} {name}")


def test_every_admin_command_has_help_with_an_example(env: Path) -> None:
    writers = 0
    for path, command in _commands(admin_group, "admin"):
        result = CliRunner().invoke(main, [*path.split(), "--help"])
        assert result.exit_code == 0, path
        assert "Example:" in result.output, path
        options = {p.name for p in command.params}
        if not isinstance(command, click.Group):
            assert "as_json" in options or path.endswith(("login", "logout", "export")), path
        writers += "dry_run" in options
    assert writers >= 15
    assert os.environ.get("KIOSK_ADMIN_TOKEN") is None


def _tls_files(folder: Path) -> tuple[Path, Path, Path]:
    """A private CA and a certificate for 127.0.0.1 signed by it (PEM files)."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.UTC)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test canteen CA")])
    ca = (
        x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
        .public_key(ca_key.public_key()).serial_number(1)
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )  # fmt: skip
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name).public_key(key.public_key()).serial_number(2)
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )  # fmt: skip
    paths = folder / "ca.pem", folder / "hub.pem", folder / "hub.key"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return paths


def test_login_to_a_hub_behind_tls_with_a_private_ca(tmp_path: Path, env: Path) -> None:
    import uvicorn

    from sync.server import open_hub
    from sync.server.app import create_app
    from sync.server.loopback import ServerThread

    ca, cert, key = _tls_files(tmp_path)
    hub = open_hub(tmp_path / "hub.db")
    config = uvicorn.Config(
        create_app(hub), log_level="warning", lifespan="off",
        ssl_certfile=str(cert), ssl_keyfile=str(key),
    )  # fmt: skip
    server = ServerThread(uvicorn.Server(config), "127.0.0.1", 0, "the TLS hub").start()
    try:
        url, token = f"https://127.0.0.1:{server.port}", hub.create_admin_token("tls")
        untrusted = kiosk("login", "--url", url, stdin=token + "\n")
        assert untrusted.exit_code == 1 and "CERTIFICATE_VERIFY_FAILED" in untrusted.output
        trusted = kiosk("login", "--url", url, "--ca-file", str(ca), stdin=token + "\n")
        assert trusted.exit_code == 0, trusted.output
        assert f'ca_file = "{ca}"' in env.read_text()
        assert kiosk("sites", "create", "TLS1").exit_code == 0  # the stored CA is used
        assert kiosk("sites", "list", "--json").output.count("TLS1") == 1
    finally:
        server.stop()
        hub.storage.close()
