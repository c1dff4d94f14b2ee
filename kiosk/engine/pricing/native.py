"""The formula optimiser, compiled to C with mypyc when a build of it matches the source.

``optimiser.py`` is the source of truth and runs as plain Python anywhere. Its search
is tight integer loops, which mypyc (mypy's compiler for type-annotated modules, a
build-time tool only) makes about three times faster, enough to price a busy tray well
under a millisecond. ``scripts/setup`` calls ``build()``: it copies the source into a
standalone module, ``kiosk_optimiser_native``, stamped with the source's SHA-256, and
compiles it into the virtual environment's site-packages.

At import this module picks the implementation once: the compiled one if it imports
and its stamp matches the current ``optimiser.py``, else the pure one (a stale or
missing build is never used; ``implementation()`` says which and why, and
``kiosk doctor`` shows it). Both export the same names; the pricer builds its
``ItemClass`` and ``FormulaShape`` from the chosen one, since the compiled classes are
not the pure ones.

    scripts/build-native [--force]   # compile (no-op when up to date)
    scripts/build-native status      # which implementation runs, and why
"""

from __future__ import annotations

import hashlib
import importlib
import logging
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from kiosk.engine.pricing import optimiser as pure

log = logging.getLogger(__name__)

NATIVE_NAME = "kiosk_optimiser_native"
SOURCE = Path(pure.__file__)


@dataclass(frozen=True, slots=True)
class Implementation:
    module: ModuleType
    native: bool
    reason: str  # why this one, for people


def source_digest() -> str:
    return hashlib.sha256(SOURCE.read_bytes()).hexdigest()


def choose(candidate: ModuleType | None, digest: str) -> Implementation:
    """The compiled module if there is one and it was built from this very source."""
    if candidate is None:
        return Implementation(pure, False, "no compiled build (run scripts/setup)")
    stamp = getattr(candidate, "SOURCE_SHA256", None)
    if stamp != digest:
        return Implementation(
            pure, False, "the compiled build is stale (optimiser.py changed since): rebuild"
        )
    return Implementation(candidate, True, f"compiled with mypyc ({candidate.__file__})")


def _import_native() -> ModuleType | None:
    try:
        return importlib.import_module(NATIVE_NAME)
    except ImportError:
        return None


def implementation() -> Implementation:
    return _CHOSEN


def build(target: Path | None = None, *, force: bool = False) -> Path | None:
    """Compile the optimiser into ``target`` (default: this environment's
    site-packages). Returns the built file, or None when the build there is already up
    to date. Raises ``RuntimeError`` with mypyc's output when compiling fails."""
    target = target or Path(sysconfig.get_paths()["platlib"])
    digest = source_digest()
    existing = sorted(target.glob(f"{NATIVE_NAME}.*.so"))
    if existing and not force and _stamp_of(existing[0]) == digest:
        return None
    with tempfile.TemporaryDirectory(prefix="kiosk-native-") as tmp:
        work = Path(tmp)
        stamped = SOURCE.read_text(encoding="utf-8") + f'\nSOURCE_SHA256 = "{digest}"\n'
        (work / f"{NATIVE_NAME}.py").write_text(stamped, encoding="utf-8")
        done = subprocess.run(
            [sys.executable, "-m", "mypyc", f"{NATIVE_NAME}.py"],
            cwd=work,
            capture_output=True,
            text=True,
            check=False,
        )
        built = sorted(work.glob(f"{NATIVE_NAME}.*.so"))
        if done.returncode != 0 or not built:
            raise RuntimeError(f"mypyc failed ({done.returncode}):\n{done.stdout}{done.stderr}")
        for old in existing:
            old.unlink()
        result = target / built[0].name
        shutil.copyfile(built[0], result)
        (target / f"{NATIVE_NAME}.sha256").write_text(digest + "\n", encoding="utf-8")
    return result


def _stamp_of(built: Path) -> str | None:
    stamp = built.parent / f"{NATIVE_NAME}.sha256"
    return stamp.read_text(encoding="utf-8").strip() if stamp.exists() else None


_CHOSEN = choose(_import_native(), source_digest())
if not _CHOSEN.native:
    log.debug("formula optimiser: pure Python: %s", _CHOSEN.reason)

if TYPE_CHECKING:
    from kiosk.engine.pricing.optimiser import FormulaShape, ItemClass, Split, best_split
else:
    FormulaShape = _CHOSEN.module.FormulaShape
    ItemClass = _CHOSEN.module.ItemClass
    Split = _CHOSEN.module.Split
    best_split = _CHOSEN.module.best_split

__all__ = ["FormulaShape", "Implementation", "ItemClass", "Split", "best_split", "build"]


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "status"
    if command == "build":
        try:
            built = build(force="--force" in argv)
        except (RuntimeError, OSError) as error:
            print(f"formula optimiser: not compiled, pure Python will be used: {error}")
            return 1
        print(f"formula optimiser: compiled {built}" if built else "formula optimiser: up to date")
        return 0
    if command == "status":
        chosen = implementation()
        print(f"formula optimiser: {'native' if chosen.native else 'pure Python'}: {chosen.reason}")
        return 0
    print("usage: scripts/build-native [build [--force] | status]")
    return 2
