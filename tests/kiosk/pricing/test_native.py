"""The compiled optimiser: built from the source with mypyc, used only when its stamp
matches the source, and pricing exactly as the pure module does."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from types import ModuleType

import pytest

from kiosk.engine.pricing import native
from kiosk.engine.pricing import optimiser as pure


def test_without_a_build_the_pure_module_is_used() -> None:
    chosen = native.choose(None, native.source_digest())
    assert chosen.module is pure
    assert not chosen.native
    assert "scripts/setup" in chosen.reason


def test_a_stale_build_is_never_used() -> None:
    stale = ModuleType(native.NATIVE_NAME)
    stale.SOURCE_SHA256 = "0" * 64  # type: ignore[attr-defined]
    chosen = native.choose(stale, native.source_digest())
    assert chosen.module is pure
    assert "stale" in chosen.reason


def test_a_build_of_this_source_is_used() -> None:
    fresh = ModuleType(native.NATIVE_NAME)
    fresh.SOURCE_SHA256 = native.source_digest()  # type: ignore[attr-defined]
    fresh.__file__ = "/somewhere/kiosk_optimiser_native.so"
    chosen = native.choose(fresh, native.source_digest())
    assert chosen.module is fresh
    assert chosen.native


def test_build_compiles_a_module_that_prices_like_the_pure_one(tmp_path: Path) -> None:
    pytest.importorskip("mypyc")
    if shutil.which("gcc") is None:
        pytest.skip("no C compiler here (scripts/setup installs gcc when run as root)")
    built = native.build(tmp_path)
    assert built is not None and built.suffix == ".so"
    assert native.build(tmp_path) is None  # up to date: nothing to do
    probe = textwrap.dedent(
        """
        import json
        import kiosk_optimiser_native as compiled
        from kiosk.engine.pricing import optimiser as pure

        def run(module):
            classes = [
                module.ItemClass("starter", (450, 200), (0, 0)),
                module.ItemClass("main", (720, 550, 480), (150, 0)),
                module.ItemClass("dessert", (220, 90), (0, 0)),
            ]
            formulas = [
                module.FormulaShape(790, ((frozenset({"starter"}), 1), (frozenset({"main"}), 1),
                                          (frozenset({"dessert"}), 1))),
                module.FormulaShape(600, ((frozenset({"main"}), 1), (frozenset({"dessert"}), 1))),
            ]
            split = module.best_split(classes, formulas)
            taken = [[i.formula, [list(t) for t in i.taken]] for i in split.instances]
            return [split.saving, taken]

        print(json.dumps({
            "file": compiled.__file__,
            "stamp": compiled.SOURCE_SHA256,
            "compiled": type(compiled.best_split).__name__,
            "same": run(compiled) == run(pure),
            "split": run(compiled),
        }))
        """
    )
    root = Path(__file__).resolve().parents[3]
    done = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": f"{tmp_path}:{root}", "PATH": "/usr/bin:/bin"},
    )
    seen = json.loads(done.stdout)
    assert seen["file"] == str(built)
    assert seen["stamp"] == native.source_digest()
    assert seen["compiled"] == "builtin_function_or_method"  # C, not a Python function
    assert seen["same"]
    assert seen["split"][0] > 0
