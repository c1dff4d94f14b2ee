"""The demo with its window: the kiosk UI on virtual devices, keys for badges.

F5-F12 tap demo badges (among them a lost badge and a low balance), F4 shows a phone
badge (a fresh code minted by the hub, read by the virtual scanner), F1 taps the
cashier's badge (the cashier was added on the hub with ``kiosk admin``'s library; the
PIN is printed at start-up), F3 opens the cashier screen, F2 switches the language.
Receipts are kept as PNG in ``<folder>/receipts``.
"""

from __future__ import annotations

from pathlib import Path

from kiosk.app import App
from kiosk.config import load_config
from kiosk.demo.system import DemoSystem
from sync.protocol.rows import CredentialStatus

BADGE_KEYS = [f"f{n}" for n in range(5, 13)]


def run_window(folder: Path, *, seed: int = 7, mode: str = "till") -> None:
    system = DemoSystem.start(folder, seed=seed)
    try:
        system.open_devices()
        system.start_sync_loop()
        reader, scanner = system.reader, system.scanner
        assert reader is not None and scanner is not None
        config = load_config(None, overrides={"terminal": {"mode": mode}})
        app = App(
            system.engine,
            config,
            system.site.menu,
            events=system.events,
            receipts_dir=folder / "receipts",
        )
        for kind, device in (
            ("reader", reader),
            ("scanner", scanner),
            ("printer", system.printer),
            ("payment", system.payment),
        ):
            assert device is not None
            app.add_device(kind, device)
        active = [d for d in system.site.diners if d.badge_status is CredentialStatus.ACTIVE]
        lost = [d for d in system.site.diners if d.badge_status is CredentialStatus.LOST]
        chosen = [*active[:7], *lost[:1]]
        for key, diner in zip(BADGE_KEYS, chosen, strict=False):
            app.hotkeys[key] = lambda uid=diner.uid: reader.tap(uid)
        phones = [d for d in active if d.phone]
        if phones:
            credential = phones[0].phone
            assert credential is not None
            app.hotkeys["f4"] = lambda: scanner.scan(system.admin.phone_code(credential))
        app.hotkeys["f1"] = lambda: reader.tap(system.site.cashier_uid)
        print(
            "Démo : F5-F12 badges, F4 badge téléphone, F3 menu caissier, F1 badge caissier, "
            "F2 langue; fermez la fenêtre pour finir"
        )
        print(f"  caissier : {system.cashier_text()}")
        if system.portal is not None:
            print(f"  portail convive : {system.portal.text()}")
        for key, diner in zip(BADGE_KEYS, chosen, strict=False):
            print(f"  {key.upper():>4}  {diner.name} ({diner.badge_status.value})")
        app.run()
    finally:
        system.stop()
