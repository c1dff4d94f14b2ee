"""The terminal's own checks: configuration, store, journal, disk, pricing."""

from __future__ import annotations

import shutil
from pathlib import Path

from kiosk.config import load_config
from kiosk.configfile import ConfigError
from kiosk.doctor.core import GIB, RESTORE, Check, Limits, Status, _Context
from kiosk.engine import Engine, Store
from kiosk.engine.errors import EngineError
from kiosk.engine.keys import load_key
from kiosk.engine.pricing.native import Implementation, implementation
from kiosk.engine.schema import MIGRATIONS
from sync.journal import public_key_text


def _config(ctx: _Context) -> None:
    try:
        ctx.config = load_config(ctx.config_path)
    except ConfigError as exc:
        ctx.add(
            "config", Status.FAIL, str(exc), "correct terminal.toml (see docs/configuration.md)"
        )
        return
    where = ctx.config_path if ctx.config_path.exists() else "defaults (no terminal.toml)"
    if ctx.config.terminal.id is None:
        ctx.add("config", Status.WARN, f"{where}: no terminal id", "run `kiosk provision`")
        return
    ctx.add("config", Status.OK, f"{where}: terminal {ctx.config.terminal.id}")


def _store(ctx: _Context) -> None:
    db = ctx.data.db
    if not db.exists():
        ctx.add("store", Status.FAIL, f"no store at {db}", "provision it: `kiosk provision`")
        return
    try:
        store = Store.open(db, create=False)
    except EngineError as exc:
        ctx.add("store", Status.FAIL, str(exc), RESTORE)
        return
    problems = store.integrity_problems()
    if problems:
        store.close()
        ctx.add("store", Status.FAIL, f"integrity check: {'; '.join(problems[:3])}", RESTORE)
        return
    ctx.store = store
    cannot_write = store.writable()
    if cannot_write is not None:
        ctx.add(
            "store",
            Status.FAIL,
            f"cannot be written, so the kiosk cannot sell: {cannot_write}",
            "check the disk (mounted read-only? full?), the file's owner and mode "
            f"(`chown kiosk {db}`, `chmod 600 {db}`) and attributes (`lsattr {db}`)",
        )
        return
    unknown = sorted(set(store.migrations()) - {name for name, _ in MIGRATIONS})
    if unknown:
        ctx.add(
            "store",
            Status.FAIL,
            f"written by a newer version (migrations {', '.join(unknown)})",
            "install the software version that wrote it",
        )
        return
    bound = store.meta("terminal_id")
    if bound is None:
        ctx.add("store", Status.FAIL, "no terminal bound to the store", "run `kiosk provision`")
        return
    ctx.add("store", Status.OK, f"integrity ok, {len(MIGRATIONS)} migrations, terminal {bound}")


def _journal(ctx: _Context) -> None:
    store, key_path = ctx.store, ctx.data.key
    if store is None or store.meta("terminal_id") is None:
        ctx.add("journal", Status.WARN, "not checked: no usable store")
        return
    if not key_path.exists():
        ctx.add(
            "journal",
            Status.FAIL,
            f"no terminal key at {key_path}: the journal cannot be signed or checked",
            "restore terminal.key from the backup of this terminal",
        )
        return
    try:
        key = load_key(key_path)
    except EngineError as exc:
        ctx.add("journal", Status.FAIL, str(exc), f"`chmod 600 {key_path}`, owned by kiosk")
        return
    expected = store.meta("public_key")
    if expected is not None and expected != public_key_text(key.public_key()):
        ctx.add(
            "journal",
            Status.FAIL,
            f"{key_path} is not the key this store's journal was signed with: "
            "the kiosk cannot sell and the hub would refuse every push",
            "put back this terminal's own terminal.key (from its backup); never "
            "provision a new key over a store that holds a journal",
        )
        return
    report = Engine(store, key, store.terminal_id()).verify()
    if report.ok:
        ctx.add("journal", Status.OK, f"{report.checked} entries verified, last {report.last_seq}")
        return
    ctx.add(
        "journal",
        Status.FAIL,
        f"entry {report.bad_seq}: {report.problem} ({report.checked} entries before it valid)",
        "altered outside the software: stop selling here, keep the data folder as "
        "evidence (`kiosk journal export`) and call support",
    )


def _disk(ctx: _Context) -> None:
    folder = ctx.data.root
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    free = shutil.disk_usage(folder).free
    ctx.checks.append(disk_check(free, folder, ctx.limits))


def disk_check(free: int, folder: Path, limits: Limits) -> Check:
    detail = f"{free / GIB:.2f} GiB free on {folder}"
    fix = "free space: old logs (`journalctl --vacuum-size=100M`), /var/log/kiosk, demo folders"
    if free < limits.disk_fail:
        return Check("disk", Status.FAIL, detail + " (the store may stop accepting sales)", fix)
    if free < limits.disk_warn:
        return Check("disk", Status.WARN, detail, fix)
    return Check("disk", Status.OK, detail)


def _pricing(ctx: _Context) -> None:
    ctx.checks.append(optimiser_check(implementation()))


def optimiser_check(chosen: Implementation) -> Check:
    """The formula optimiser runs compiled, or as plain Python (correct, slower)."""
    if chosen.native:
        return Check("pricing", Status.OK, "formula optimiser compiled with mypyc")
    return Check(
        "pricing",
        Status.WARN,
        f"formula optimiser runs as plain Python, about 3x slower: {chosen.reason}",
        "run scripts/setup (or scripts/build-native) in the install folder, then restart",
    )
