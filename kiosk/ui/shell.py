"""The UI shell: window, frame loop and the session around the screens of one mode
(till or self-service kiosk); the status bar is drawn by ``kiosk.ui.status_bar``, the
printed receipt by ``kiosk.ui.receipt_view``.

One frame: move device inputs and engine results onto pygame's queue, hand each
event to the shell (language, faults, status) then to the current screen, apply the
requested transition, update, draw. Nothing in a frame waits on the engine: screens
submit jobs to the ``EngineWorker`` and get a ``RESULT`` event later.
"""

from __future__ import annotations

import logging
import queue
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pygame

from kiosk.cardpay import CardDesk
from kiosk.engine import training
from kiosk.engine.cashiers import PinGuard
from kiosk.engine.closure import till_is_open
from kiosk.engine.closures_periodic import catch_up
from kiosk.engine.results import Accepted
from kiosk.engine.tech_events import JournalledPinGuard, TechWatch
from kiosk.service import TillService
from kiosk.ui.events import (
    ACTION,
    INPUT,
    RESULT,
    BadgeLifted,
    BadgeTapped,
    DeviceFaulted,
    DeviceReadied,
    Input,
    ReceiptPrinted,
    pump_inputs,
)
from kiosk.ui.i18n import Lang, Translator
from kiosk.ui.manager import Screen, ScreenId, ScreenManager
from kiosk.ui.model import (
    MemoryReceipts,
    Mode,
    ReceiptSink,
    Session,
    UiConfig,
    catalogue_from_menu,
)
from kiosk.ui.receipt_view import ReceiptView
from kiosk.ui.status_bar import draw_status_bar, status_buttons
from kiosk.ui.theme import Layout, Painter, Theme
from kiosk.ui.training_band import draw_training_band
from kiosk.ui.widgets import Toasts, pointer, press
from kiosk.ui.worker import Done, EngineWorker
from sync.journal import EntryKind
from sync.protocol.catalogue import SiteMenu

log = logging.getLogger(__name__)

STATUS_POLL_S = 2.0
# Frames per second while nothing moves on screen (timers, the clock, status polls):
# inputs and results wake the loop at once, so a low rate costs no latency.
IDLE_FPS = 10
# How often the wait between frames looks at SDL's queue for a touch, click or key.
INPUT_POLL_S = 0.008
WAKING_EVENTS = (
    pygame.FINGERDOWN,
    pygame.MOUSEBUTTONDOWN,
    pygame.KEYDOWN,
    pygame.QUIT,
    pygame.VIDEORESIZE,
)


class WakingQueue(queue.Queue[Input]):
    """The device input queue: each put wakes the frame loop (``Ui.wake``)."""

    def __init__(self, wake: Callable[[], None]) -> None:
        super().__init__()
        self._wake = wake

    def _put(self, item: Input) -> None:
        super()._put(item)
        self._wake()


class Ui:
    """Everything the screens share, over the till service that makes every sale.
    Drive it with ``run()`` (the kiosk) or ``step()`` (tests, screenshots, the bench)."""

    def __init__(
        self,
        config: UiConfig,
        till: TillService,
        *,
        receipts: ReceiptSink | None = None,
        cards: CardDesk | None = None,
        inputs: queue.Queue[Input] | None = None,
        theme: Theme | None = None,
        clock: Callable[[], datetime] | None = None,
        hotkeys: dict[str, Callable[[], None]] | None = None,
    ) -> None:
        menu = till.menu
        if menu is None:
            raise ValueError("no menu on this terminal yet: sync with the hub first")
        self.config = config
        self.till = till  # every sale goes through it, priced by the site's pricer
        self.engine = engine = till.engine
        self.receipts: ReceiptSink = receipts or MemoryReceipts()
        # Card payments: None when no payment terminal is configured (never offered).
        self.cards = cards
        self.card_pending = 0  # card payments whose outcome is unknown (status poll)
        self.inputs: queue.Queue[Input] = inputs or WakingQueue(self.wake)
        self.theme = theme or Theme()
        self.now = clock or (lambda: datetime.now(UTC))
        # Extra keys by pygame key name ("f5", "p" ...): the demo taps badges with them.
        self.hotkeys = dict(hotkeys or {})
        self.tr = Translator(Lang(config.lang), engine.settings().timezone)
        # The menu shown; a newer one synced from the hub is shown between two diners.
        self.menu = menu
        self.catalogue = catalogue_from_menu(menu, config.lang)
        self.pending_menu: SiteMenu | None = None
        self.session = Session()
        self.toasts = Toasts()
        self.faults: dict[str, DeviceFaulted] = {}
        self.devices: set[str] = set()  # the device kinds heard from (ready or faulted)
        self.pin_guard: PinGuard = JournalledPinGuard(engine)  # a refused PIN is journalled
        self.tech_watch = TechWatch(engine)  # clock jumps, sync incidents, settings
        # The last printed receipt, shown over the screen for a while (demo tills).
        self.receipt_view = ReceiptView()
        self.offline_since: datetime | None = None
        self.never_synced = False
        self.offline_cap: int | None = None  # per diner and day, while offline
        self.incidents = 0  # the site's open incidents (overdrafts, double subsidies)
        self.journal_behind = False  # the hub holds entries this store lost: no sales
        self.till_open: bool | None = None
        self.training = False  # training mode, chosen by a manager (kiosk.engine.training)
        self.worker = EngineWorker()
        self.manager = ScreenManager()
        self.running = True
        self.handled = 0  # events handled by the last frame (settle() waits for 0)
        self._status_age = STATUS_POLL_S
        self._sound: Any = None
        self._jobs = 0
        # tag -> (then, on_error) of the jobs not back yet
        self._then: dict[str, tuple[Callable[[Done], None], Callable[[Done], None] | None]] = {}
        self._frame_at = time.perf_counter()
        self.screen_age = 0.0  # seconds the current screen has been shown
        self.toast_spot: pygame.Rect | None = None  # where the toast was drawn
        # The last sale made here: its receipt can be asked for until the next sale.
        self.last_sale: Accepted | None = None
        self._last_sale_printed = False
        pygame.init()
        flags = pygame.FULLSCREEN if config.fullscreen else 0
        self.surface = pygame.display.set_mode((config.width, config.height), flags)
        pygame.display.set_caption("Canteen kiosk")
        self.resize(config.width, config.height)
        self._install_screens()
        self._init_sound()
        self.refresh_till_state()

    # Set-up ------------------------------------------------------------------------

    def resize(self, width: int, height: int) -> None:
        self.layout = Layout(width, height)
        self.painter = Painter(self.layout, self.theme)

    def _install_screens(self) -> None:
        from kiosk.ui import (
            screens_cashier,
            screens_common,
            screens_incidents,
            screens_kiosk,
            screens_orders,
            screens_payments,
            screens_till,
        )

        kinds: list[type[Screen]] = [*screens_common.SCREENS]
        if self.config.mode is Mode.TILL:
            kinds += [*screens_till.SCREENS, *screens_cashier.SCREENS, *screens_payments.SCREENS]
            kinds += screens_incidents.SCREENS
            kinds += screens_orders.TILL_SCREENS
            start = ScreenId.TILL
        else:
            kinds += screens_kiosk.SCREENS
            kinds += screens_orders.KIOSK_SCREENS
            start = ScreenId.IDLE
        for kind in kinds:
            self.manager.add(kind(self))
        self.manager.request(start)
        self.manager.apply()

    def _init_sound(self) -> None:
        """A short beep for an accepted sale; silently none without audio."""
        if not self.config.sound:
            return
        try:
            pygame.mixer.init(22050, -16, 1, 256)
            rate = 22050
            samples = bytearray()
            for i in range(rate // 8):
                value = 6000 if (i * 880 * 2 // rate) % 2 else -6000
                samples += int(value).to_bytes(2, "little", signed=True)
            self._sound = pygame.mixer.Sound(buffer=bytes(samples))
        except pygame.error as exc:
            log.info("no sound: %s", exc)
            self._sound = None

    def beep(self) -> None:
        if self._sound is not None:
            self._sound.play()

    def close(self) -> None:
        """Stop the worker and close the window. pygame's font module stays up: a font
        freed after ``pygame.font.quit`` crashes SDL_ttf (the process exit frees it)."""
        self.worker.close()
        self.painter.forget()
        self._sound = None
        pygame.display.quit()

    # Engine jobs ---------------------------------------------------------------------

    def submit(
        self,
        tag: str,
        job: Callable[[], Any],
        then: Callable[[Done], None] | None = None,
        on_error: Callable[[Done], None] | None = None,
    ) -> None:
        """Run ``job`` on the engine worker; ``then(done)`` is called on a later frame
        (whatever the current screen), else the current screen's ``on_result``. When the
        job raised, ``then`` is not called: the error is shown as a toast, and
        ``on_error(done)`` called, for the callers that must move on."""
        if then is not None:
            self._jobs += 1
            tag = f"{tag}#{self._jobs}"
            self._then[tag] = (then, on_error)
        self.worker.submit(tag, job)

    def pending(self, tag: str) -> bool:
        """Whether a job submitted as ``tag`` with a ``then`` has not come back yet."""
        return any(key.startswith(f"{tag}#") for key in self._then)

    def refresh_till_state(self) -> None:
        self.submit("till_state", lambda: till_is_open(self.engine))

    def _poll_status(self) -> dict[str, Any]:
        self.tech_watch.check()
        status = self.engine.store.sync_status()
        menu = self.till.menu
        return {
            "offline": self.engine.is_offline(),
            "last_success": status.last_success,
            "menu": menu,
            "cap": self.engine.settings().offline_daily_cap,
            "incidents": len(self.engine.store.incidents()),
            "journal_behind": status.hub_ahead_seq > 0,
            "card_pending": len(self.cards.pending()) if self.cards is not None else 0,
            # the business day's end: its closure is written if nobody closed
            "closed": len(catch_up(self.engine)),
            "training": training.is_on(self.engine),
        }

    # The menu ------------------------------------------------------------------------

    def show_menu(self, menu: SiteMenu) -> None:
        """Show ``menu``'s items and prices in the current language (the till service
        prices every sale with the menu synced last). The tray and the cart keep their
        items (by id) when the menu still has them."""
        self.menu = menu
        lang = self.tr.lang.value
        self.catalogue = catalogue_from_menu(menu, lang)
        session = self.session
        session.tray = [i for item in session.tray if (i := self.catalogue.get(item.id))]
        session.cart = [i for item in session.cart if (i := self.catalogue.get(item.id))]

    def between_diners(self) -> bool:
        """Nobody is being served: no tray, no cart, no diner, no sale under way."""
        session = self.session
        return not (session.tray or session.cart or session.diner or self._then)

    def _take_new_menu(self) -> None:
        menu = self.pending_menu
        if menu is None or not self.between_diners():
            return
        self.pending_menu = None
        self.show_menu(menu)
        log.info("menu updated from the hub: %d items", len(menu.items))
        if self.config.mode is Mode.TILL:
            self.toasts.show(self.tr.t("menu.updated"), "primary")

    def switch_language(self) -> None:
        self.tr.toggle()
        self.show_menu(self.menu)  # the items' names too

    def sold(self, result: Accepted) -> None:
        """A sale was made here: its receipt can be printed until the next one."""
        self.last_sale, self._last_sale_printed = result, False

    def print_last_sale(self) -> None:
        """Print the last sale's receipt: the original once, then duplicates."""
        sale = self.last_sale
        if sale is None:
            self.toasts.show(self.tr.t("common.nothing_to_print"), "danger")
            return
        duplicate, self._last_sale_printed = self._last_sale_printed, True
        entry = sale.entry
        self.submit("printed", lambda: self.receipts.print_receipt(entry, duplicate=duplicate))
        self.toasts.show(self.tr.t("common.printed"), "ok")

    def record_fault(self, fault: DeviceFaulted) -> None:
        self.submit(
            "fault_logged",
            lambda: self.engine.record_event(
                EntryKind.DEVICE_FAULT,
                {"source": fault.source, "fault": fault.kind, "message": fault.message},
            ),
        )

    # The frame -------------------------------------------------------------------------

    def step(self, dt: float = 1 / 30) -> None:
        """One frame: events, transition, update, draw, flip."""
        pump_inputs(self.inputs)
        while True:
            try:
                done = self.worker.results.get_nowait()
            except queue.Empty:
                break
            pygame.event.post(pygame.event.Event(RESULT, done=done))
        events = pygame.event.get()
        self.handled = len(events)
        for event in events:
            self.handle_event(event)
            self._apply()
        self.update(dt)
        self._apply()
        self.draw()
        pygame.display.flip()

    def _apply(self) -> None:
        if self.manager.apply():
            self.screen_age = 0.0

    def handle_event(self, event: pygame.event.Event) -> None:
        screen = self.manager.current
        assert screen is not None
        if event.type == pygame.QUIT:
            self.running = False
            return
        if event.type == pygame.VIDEORESIZE:
            self.resize(event.w, event.h)
            return
        if event.type in (pygame.MOUSEBUTTONDOWN, pygame.FINGERDOWN, pygame.KEYDOWN, INPUT):
            self.session.idle_s = 0.0
        if event.type == INPUT and isinstance(event.payload, BadgeLifted):
            self.till.lifted(event.payload.credential, source=event.payload.source)
            return
        if (
            event.type == INPUT
            and isinstance(event.payload, BadgeTapped)
            and not getattr(event, "again", False)
        ):
            # The till counts presentations in the order they happen, whatever the
            # screen; a badge handed on to the next screen (``again``) is not a new one.
            tapped = event.payload
            scanned = tapped.source == "scanner"
            self.till.presented(tapped.credential, source=tapped.source, scanned=scanned)
        if press(status_buttons(self), event, self.surface.get_size()):
            return
        at = pointer(event, self.surface.get_size())  # a touch or a click: where
        if at is not None and self.screen_age < self.config.press_guard_s:
            return  # meant for the screen that has just gone (the status bar stays)
        if event.type == pygame.KEYDOWN and event.key == pygame.K_F2:
            self.switch_language()
            return
        if event.type == pygame.KEYDOWN and pygame.key.name(event.key) in self.hotkeys:
            self.hotkeys[pygame.key.name(event.key)]()
            return
        if event.type == ACTION and event.action == "lang":
            self.switch_language()
            return
        if event.type == INPUT and isinstance(event.payload, DeviceFaulted):
            self.devices.add(event.payload.source)
            self.faults[event.payload.source] = event.payload
            self.record_fault(event.payload)
            return
        if event.type == INPUT and isinstance(event.payload, ReceiptPrinted):
            self.receipt_view.show(event.payload.png, self.surface)
            return
        if self.receipt_view.image is not None and at is not None:
            spot = self.receipt_view.spot
            self.receipt_view.hide()  # a touch puts the receipt away ...
            if spot is not None and spot.collidepoint(at):
                return  # ... and one on the receipt does nothing else
        if event.type == INPUT and isinstance(event.payload, DeviceReadied):
            self.devices.add(event.payload.source)
            self.faults.pop(event.payload.source, None)
            return
        if event.type == RESULT and self._shell_result(event.done):
            return
        if event.type == RESULT:
            screen.on_result(event.done)
            return
        if press(screen.buttons(), event, self.surface.get_size()):
            return  # it comes back as an ACTION event
        screen.handle_event(event)

    def _shell_result(self, done: Done) -> bool:
        callbacks = self._then.pop(done.tag, None)
        if callbacks is not None:
            then, on_error = callbacks
            if done.error is None:
                then(done)
                return True
            self.toasts.show(str(done.error), "danger")
            if on_error is not None:
                on_error(done)
            return True
        if done.tag == "status" and done.error is None:
            self.offline_since = done.value["last_success"] if done.value["offline"] else None
            self.never_synced = done.value["offline"] and done.value["last_success"] is None
            self.offline_cap = done.value["cap"] if done.value["offline"] else None
            self.incidents = done.value["incidents"]
            self.journal_behind = done.value["journal_behind"]
            self.card_pending = done.value["card_pending"]
            self.training = done.value["training"]
            if done.value["closed"]:
                self.refresh_till_state()
            menu = done.value["menu"]
            if menu is not None and menu is not self.menu and menu != self.menu:
                self.pending_menu = menu
            return True
        if done.tag == "till_state" and done.error is None:
            self.till_open = bool(done.value)
            return True
        return done.tag in ("status", "till_state", "fault_logged", "printed")

    def update(self, dt: float) -> None:
        self.session.idle_s += dt
        self.screen_age += dt
        self.receipt_view.update(dt)
        self.toasts.update(dt)
        self._take_new_menu()
        self._status_age += dt
        if self._status_age >= STATUS_POLL_S and not self.worker.busy:
            self._status_age = 0.0
            self.submit("status", self._poll_status)
        screen = self.manager.current
        assert screen is not None
        screen.update(dt)

    # Drawing -------------------------------------------------------------------------

    def draw(self) -> None:
        surface, layout, theme, painter = self.surface, self.layout, self.theme, self.painter
        surface.fill(theme.background)
        screen = self.manager.current
        assert screen is not None
        screen.draw(surface)
        for button in screen.buttons():
            button.draw(surface, painter)
        draw_status_bar(self, surface)
        self.receipt_view.draw(surface, layout, theme)
        if self.training:
            draw_training_band(surface, painter, self.tr.t("training.band"))

    # Running ---------------------------------------------------------------------------

    def run(self) -> None:
        """The kiosk's loop until the window closes."""
        while self.running:
            self.step(self.next_frame())

    def wake(self) -> None:
        """Start the next frame now: a device input or an engine result is waiting.
        Safe from any thread (the device bridge, the engine worker, a test)."""
        self.worker.ready.set()

    def quiet(self) -> bool:
        """Nothing on screen moves: no event last frame, no job out, no toast, no
        receipt shown. The loop then draws at ``IDLE_FPS``; any input still wakes it."""
        showing = self.receipt_view.image is not None
        return not (self.handled or self._then or self.toasts.items or showing)

    def next_frame(self) -> float:
        """Wait until the next frame is due, or less: an input on the device queue, an
        engine result (``wake``) or a touch, click or key in SDL's queue starts it at
        once, so a tap is drawn in the frame it arrives in instead of up to a frame
        later; the seconds since the last frame."""
        fps = min(IDLE_FPS, self.config.fps) if self.quiet() else self.config.fps
        due = self._frame_at + 1 / fps
        ready = self.worker.ready
        while not ready.is_set() and self.inputs.empty():
            left = due - time.perf_counter()
            if left <= 0 or ready.wait(min(left, INPUT_POLL_S)):
                break
            if pygame.event.peek(WAKING_EVENTS):
                break
        ready.clear()  # results already queued are taken by this frame
        now = time.perf_counter()
        dt, self._frame_at = now - self._frame_at, now
        return dt

    def settle(self, frames: int = 2) -> None:
        """Tests and tools: run frames until every event and job has been handled."""
        for _ in range(100):
            self.step(0.0)
            self.worker.wait_idle()
            quiet = self.worker.results.empty() and self.inputs.empty()
            if quiet and self.handled == 0:
                break
        for _ in range(frames):
            self.step(0.0)

    def tap(self, credential: str) -> None:
        """A badge brought to the reader and taken away (tests and tools)."""
        self.inputs.put(BadgeTapped(credential))
        self.inputs.put(BadgeLifted(credential))

    @property
    def screen(self) -> ScreenId | None:
        return self.manager.current_id
