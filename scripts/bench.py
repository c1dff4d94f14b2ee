#!/usr/bin/env python3
"""Benchmarks: ``scripts/bench.py NAME [--quick] [--json]``.

Each benchmark lives in ``scripts/bench_NAME.py`` with a ``main(argv) -> int`` and
prints its figures beside a baseline measured in the same run (a ratio), because the
machines are shared and noisy. Speed targets live here, never in timed tests.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
VENV = HERE.parent / ".venv"


def _in_project_venv() -> bool:
    """Run in the project's environment (made by scripts/setup) even when called as
    ``scripts/bench.py`` with the system Python."""
    if Path(sys.prefix).resolve() == VENV.resolve():
        return True
    python = VENV / "bin" / "python"
    if not python.exists():
        print("no .venv here: run scripts/setup --dev first", file=sys.stderr)
        return False
    os.execv(python, [str(python), __file__, *sys.argv[1:]])


def available() -> list[str]:
    return sorted(p.stem.removeprefix("bench_") for p in HERE.glob("bench_*.py"))


def main(argv: list[str]) -> int:
    if not argv or argv[0] in {"-h", "--help"}:
        print(__doc__)
        print("available:", ", ".join(available()) or "none")
        return 0 if argv else 2
    name, rest = argv[0], argv[1:]
    path = HERE / f"bench_{name}.py"
    if not path.exists():
        print(f"unknown benchmark {name!r}; available: {', '.join(available())}", file=sys.stderr)
        return 2
    spec = importlib.util.spec_from_file_location(f"bench_{name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    result: int = module.main(rest)
    return result


if __name__ == "__main__":
    if not _in_project_venv():
        sys.exit(2)
    sys.exit(main(sys.argv[1:]))
