#!/usr/bin/env python3
"""Pricing benchmark: ``scripts/bench.py pricing [--quick] [--json]``.

p99 time to price a 12-item tray against 10 formulas (target under 1 ms) and a
30-item tray, on the example site's menu with 5 more formulas. Printed beside two
baselines measured in the same run on the same trays: the plain a-la-carte sum (dict
look-ups and a sum: the floor of any pricer) and ``price_tray`` on the same menu
without formulas (everything but the optimiser). Trays are drawn at random (fixed
seed) from the menu, mostly meal items, a new tray for every timed call, so every
run prices the same mix.

The figures are for the optimiser the pricer uses, compiled with mypyc when this
environment has an up-to-date build (``scripts/build-native``); the 12-item figure of the
same module run as plain Python is reported beside it (``p99_ms_12_pure``).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kiosk.engine.pricing import PricedTicket, native, price_tray, pricer  # noqa: E402
from kiosk.engine.pricing import optimiser as pure_optimiser  # noqa: E402
from kiosk.sitefile import load_site_menu  # noqa: E402
from sync.protocol.catalogue import SiteMenu  # noqa: E402

TARGET_MS_12 = 1.0


def _label(text: str) -> dict[str, str]:
    return {"fr": text, "en": text}


EXTRA_FORMULAS: list[dict[str, Any]] = [
    {
        "id": "main-drink",
        "label": _label("Plat + boisson"),
        "price": 600,
        "slots": [{"categories": ["main"]}, {"categories": ["drink"]}],
    },
    {
        "id": "starter-dessert",
        "label": _label("Entrée + dessert"),
        "price": 350,
        "slots": [{"categories": ["starter"]}, {"categories": ["cheese", "dessert"]}],
    },
    {
        "id": "main-side",
        "label": _label("Plat + garniture"),
        "price": 600,
        "slots": [{"categories": ["main"]}, {"categories": ["side"], "count": 2}],
        "supplements": {"steak": 100},
    },
    {
        "id": "sweet-duo",
        "label": _label("Deux desserts"),
        "price": 330,
        "slots": [{"categories": ["dessert"], "count": 2}],
    },
    {
        "id": "lunch-box",
        "label": _label("Formule box"),
        "price": 750,
        "slots": [
            {"categories": ["main"]},
            {"categories": ["dessert"]},
            {"categories": ["drink"]},
            {"categories": ["bread"]},
        ],
        "supplements": {"steak": 150, "fish": 80},
    },
]


def menus() -> tuple[SiteMenu, SiteMenu]:
    """(menu with 10 formulas, the same menu without formulas)."""
    data = load_site_menu(ROOT / "config" / "example-site.toml").model_dump(mode="json")
    data["formulas"] = [*data["formulas"], *EXTRA_FORMULAS]
    with_formulas = SiteMenu.model_validate(data)
    assert len(with_formulas.formulas) == 10
    profiles = [{**p, "formula_prices": {}} for p in data["profiles"]]
    bare = SiteMenu.model_validate({**data, "formulas": [], "profiles": profiles})
    return with_formulas, bare


def trays(menu: SiteMenu, size: int, count: int, seed: int) -> list[list[str]]:
    rnd = random.Random(seed)
    meal = [item.id for item in menu.items if item.meal]
    others = [item.id for item in menu.items if not item.meal]
    # mostly meal items, as on a real tray, with now and then a beer or a coffee card
    return [
        [rnd.choice(others) if rnd.random() < 0.1 else rnd.choice(meal) for _ in range(size)]
        for _ in range(count)
    ]


def timings_ms(
    job: Callable[[list[str]], object], cases: Sequence[list[str]], runs: int
) -> list[float]:
    for tray in cases[:5]:
        job(tray)  # warm the compiled-menu cache
    samples = []
    for k in range(runs):
        tray = cases[k % len(cases)]
        start = time.perf_counter_ns()
        job(tray)
        samples.append((time.perf_counter_ns() - start) / 1e6)
    return samples


def p99(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[98]


def _pure_timings(job: Callable[[list[str]], object], cases: list[list[str]]) -> list[float]:
    """The same timings with the pricer calling the optimiser as plain Python."""
    saved = (pricer.best_split, pricer.ItemClass, pricer.FormulaShape)
    pricer.best_split = pure_optimiser.best_split
    pricer.ItemClass = pure_optimiser.ItemClass  # type: ignore[misc]
    pricer.FormulaShape = pure_optimiser.FormulaShape  # type: ignore[misc]
    pricer._CACHE.clear()  # its formula shapes were built from the other module
    try:
        return timings_ms(job, cases, len(cases))
    finally:
        pricer.best_split, pricer.ItemClass, pricer.FormulaShape = saved  # type: ignore[misc]
        pricer._CACHE.clear()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="bench.py pricing", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs (a few seconds)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    runs_12, runs_30 = (400, 100) if args.quick else (4000, 600)
    full, bare = menus()
    prices = {item.id: item.price for item in full.items}

    def priced(menu: SiteMenu) -> Callable[[list[str]], object]:
        def job(tray: list[str]) -> object:
            ticket = price_tray(menu, "employee", tray, subsidised_today=False)
            assert isinstance(ticket, PricedTicket)
            return ticket

        return job

    def plain_sum(tray: list[str]) -> object:
        return sum(prices[item_id] for item_id in tray)

    chosen = native.implementation()
    figures: dict[str, Any] = {
        "formulas": len(full.formulas),
        "target_p99_ms_12": TARGET_MS_12,
        "optimiser": "mypyc" if chosen.native else "pure",
    }
    for size, runs in ((12, runs_12), (30, runs_30)):
        cases = trays(full, size, runs, seed=size)
        timed = timings_ms(priced(full), cases, runs)
        figures[f"p99_ms_{size}"] = round(p99(timed), 4)
        figures[f"p50_ms_{size}"] = round(statistics.median(timed), 4)
        figures[f"baseline_sum_p99_ms_{size}"] = round(p99(timings_ms(plain_sum, cases, runs)), 4)
        figures[f"baseline_no_formulas_p99_ms_{size}"] = round(
            p99(timings_ms(priced(bare), cases, runs)), 4
        )
        figures[f"runs_{size}"] = runs
    pure = _pure_timings(priced(full), trays(full, 12, runs_12, seed=12))
    figures["p99_ms_12_pure"] = round(p99(pure), 4)
    if args.json:
        print(json.dumps(figures, indent=2, sort_keys=True))
    else:
        print(
            f"pricing against {figures['formulas']} formulas (employee, subsidy on),"
            f" optimiser: {'compiled with mypyc' if chosen.native else 'pure Python'}"
        )
        if not chosen.native:
            print(f"  ({chosen.reason}; scripts/build-native compiles it)")
        for size in (12, 30):
            line = (
                f"  {size:2d}-item tray: p99 {figures[f'p99_ms_{size}']:.3f} ms"
                f" (p50 {figures[f'p50_ms_{size}']:.3f})"
                f" | no formulas p99 {figures[f'baseline_no_formulas_p99_ms_{size}']:.3f} ms"
                f" | plain sum p99 {figures[f'baseline_sum_p99_ms_{size}']:.4f} ms"
            )
            print(line)
        print(f"  12-item tray, optimiser as plain Python: p99 {figures['p99_ms_12_pure']:.3f} ms")
        verdict = "met" if figures["p99_ms_12"] < TARGET_MS_12 else "MISSED"
        print(f"  target p99 12 items < {TARGET_MS_12} ms: {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
