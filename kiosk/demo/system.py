"""The demo's moving parts on one machine: an embedded hub, one enrolled terminal,
its sync daemon in a thread, and virtual devices."""

from __future__ import annotations

import logging
import queue
import shutil
import threading
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from drivers.badge.virtual import VirtualBadgeReader
from drivers.events import Event
from drivers.payment.virtual import VirtualPaymentTerminal
from drivers.printer.virtual import VirtualPrinter
from drivers.scanner.virtual import VirtualScanner
from kiosk.config import dump_toml, load_config
from kiosk.datadir import DataDir
from kiosk.demo.portal import PortalDemo, seed_portal
from kiosk.demo.site import DemoSite, seed_site
from kiosk.engine import Engine, Store
from kiosk.provision import enrol, load_sync_config, sync_daemon
from sync.admin_client import AdminClient
from sync.daemon import DaemonSettings, SyncDaemon
from sync.journal import EntryKind
from sync.keyfile import write_atomic
from sync.server import Hub, open_hub
from sync.server.thread import HubThread

log = logging.getLogger(__name__)


@dataclass
class DemoSystem:
    folder: Path
    hub: Hub
    hub_thread: HubThread
    admin: AdminClient
    site: DemoSite
    data: DataDir
    engine: Engine
    daemon: SyncDaemon
    daemon_store: Store
    events: queue.Queue[Event] = field(default_factory=queue.Queue)
    reader: VirtualBadgeReader | None = None
    scanner: VirtualScanner | None = None
    printer: VirtualPrinter | None = None
    payment: VirtualPaymentTerminal | None = None
    _sync_thread: threading.Thread | None = None
    _stop_recorded: bool = False
    portal: PortalDemo | None = None  # the diner portal's address and a signed-up diner

    @classmethod
    def start(
        cls, folder: Path, *, diners: int = 50, seed: int = 7, sync_interval_s: float = 2.0
    ) -> DemoSystem:
        """A fresh demo in ``folder`` (what was there is replaced)."""
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        hub = open_hub(folder / "hub.db")
        admin_token = hub.create_admin_token("demo")
        thread = HubThread(hub).start()
        admin = AdminClient(thread.url, admin_token)
        (folder / "hub-admin-token").write_text(admin_token + "\n")
        data = DataDir(folder / "terminal")
        data.root.mkdir()
        engine: Engine | None = None
        try:
            today = datetime.now(ZoneInfo("Europe/Paris")).date()  # the demo site's day
            site = seed_site(admin, diners=diners, seed=seed, today=today)
            token = admin.enrolment_token(site.code)
            enrolled = enrol(
                data, hub_url=thread.url, site_code=site.code, token=token, name="démo"
            )
            engine = Engine.open(data.db, data.key, terminal_id=enrolled.terminal_id)
            terminal = {"id": enrolled.terminal_id, "site_code": site.code}
            config = load_config(None, environ={}, overrides={"terminal": terminal})
            write_atomic(data.config, dump_toml(config))  # as `kiosk provision` would
            daemon, daemon_store = sync_daemon(
                data,
                load_sync_config(data),
                DaemonSettings(interval_s=sync_interval_s, backoff_cap_s=5.0),
                timeout=5.0,
            )
            first = daemon.attempt()
            log.info("first sync: %s", first)
        except BaseException:
            if engine is not None:
                engine.close()
            thread.stop()
            hub.storage.close()
            admin.close()
            raise
        system = cls(folder, hub, thread, admin, site, data, engine, daemon, daemon_store)
        system.portal = seed_portal(hub, site, thread.url)
        engine.record_event(EntryKind.START, {"mode": "demo"})
        return system

    def cashier_login(self) -> str:
        """Log the demo's cashier in on the till as a cashier would (badge, then PIN);
        the cashier's id. The cashier came from the hub with the first sync."""
        from kiosk.engine.cashiers import PinGuard, PinOutcome, cashier_for

        cashier = cashier_for(self.engine.store, self.site.cashier_badge)
        if cashier is None:
            raise RuntimeError("the demo's cashier has not reached the till")
        now = datetime.now(ZoneInfo("UTC"))
        attempt = PinGuard(self.engine.store).attempt(cashier.id, self.site.cashier_pin, now)
        if attempt.outcome is not PinOutcome.OK:
            raise RuntimeError("the till refuses the demo cashier's PIN")
        return cashier.id

    def cashier_text(self) -> str:
        site = self.site
        return (
            f"{site.cashier_name} ({site.cashier_id}, responsable), badge {site.cashier_uid}, "
            f"code {site.cashier_pin}"
        )

    def open_devices(self) -> None:
        """Virtual reader, scanner, printer and payment terminal, running like real ones
        (the payment terminal is the demo's: its payments are marked as tests)."""
        self.reader = VirtualBadgeReader(None, self.events)
        self.scanner = VirtualScanner(None, self.events)
        self.printer = VirtualPrinter(None, self.events)
        self.payment = VirtualPaymentTerminal(None, self.events)
        for device in (self.reader, self.scanner, self.printer, self.payment):
            device.start()

    def restart_hub(self) -> None:
        """Serve the hub again on the same port after ``hub_thread.stop()``."""
        self.hub_thread = HubThread(self.hub, port=self.hub_thread.port).start()

    def start_sync_loop(self) -> None:
        self._sync_thread = threading.Thread(target=self.daemon.run, name="sync", daemon=True)
        self._sync_thread.start()

    def stop_sync_loop(self) -> None:
        self.daemon.stop()
        if self._sync_thread is not None:
            self._sync_thread.join(timeout=30)

    def record_stop(self) -> None:
        """The journal's stop entry, once: written before the last push, so that the
        hub has the whole journal and nothing is left waiting once the demo ends."""
        if not self._stop_recorded:
            self._stop_recorded = True
            self.engine.record_event(EntryKind.STOP, {"mode": "demo"})

    def stop(self) -> None:
        for device in (self.reader, self.scanner, self.printer, self.payment):
            if device is not None:
                device.close()
        self.stop_sync_loop()
        if not self._stop_recorded:
            self.record_stop()
            self.daemon.attempt()  # a hub that is gone leaves it waiting for next time
        self.daemon.client.close()
        self.daemon_store.close()
        self.engine.close()
        self.admin.close()
        self.hub_thread.stop()
        self.hub.storage.close()
