"""The status bar shows the offline cap as soon as a sync fails, the site's open
incidents as a badge, and a journal behind the hub; the cashier menu lists the
incidents."""

from __future__ import annotations

from kiosk.engine import Engine
from kiosk.ui.manager import ScreenId
from kiosk.ui.model import Mode
from kiosk.ui.screens_incidents import IncidentsScreen
from kiosk.ui.shell import Ui
from kiosk.ui.status_bar import status_texts
from sync.money import Money
from sync.protocol.incidents import Incident, IncidentKind
from tests.kiosk.engine.conftest import FakeClock
from tests.kiosk.ui.conftest import ALICE, UiFactory
from tests.kiosk.ui.helpers import tap, touch
from tests.kiosk.ui.test_cashier import login


def incident(number: int, kind: IncidentKind, amount: int) -> Incident:
    return Incident(
        id=number,
        site_code="DEMO",
        kind=kind,
        account_id="A1",
        terminals=["T1", "T2"],
        entries=["T1:4", "T2:9"],
        amount=amount,
        created_at="2026-11-26T11:00:00.000000Z",
        updated_at="2026-11-26T11:00:00.000000Z",
    )


def pull(engine: Engine, *incidents: Incident) -> None:
    engine.store.apply_snapshot(
        accounts=[], credentials=[], settings=None, applied_seq=0, cursor=2, incidents=incidents
    )


def refresh(ui: Ui) -> None:
    ui.step(2.5)  # the status bar is polled every 2 s
    ui.settle()


def test_the_offline_cap_shows_from_the_first_failed_sync(
    make_ui: UiFactory, engine: Engine, clock: FakeClock
) -> None:
    ui = make_ui()
    refresh(ui)
    assert status_texts(ui) == []
    engine.store.record_sync_result(ok=False, error="hub unreachable", at=clock())
    refresh(ui)
    texts = status_texts(ui)
    assert ui.tr.t("status.offline_cap", cap=Money(1500)) in texts
    assert any(text.startswith("Hors ligne depuis") for text in texts)


def test_incidents_badge_and_the_cashier_list(make_ui: UiFactory, engine: Engine) -> None:
    ui = make_ui()
    pull(engine, incident(7, IncidentKind.OVERDRAFT, 850))
    refresh(ui)
    assert ui.tr.t("status.incidents", count=1) in status_texts(ui)

    login(ui)
    touch(ui, "incidents")
    assert ui.screen is ScreenId.INCIDENTS
    screen = ui.manager.current
    assert isinstance(screen, IncidentsScreen)
    [line] = screen.lines()
    assert "Alice Martin" in line and "8,50" in line and "T1, T2" in line
    touch(ui, "back")
    assert ui.screen is ScreenId.CASHIER_MENU

    cleared = incident(7, IncidentKind.OVERDRAFT, 850).model_copy(
        update={"cleared_at": "2026-11-26T12:00:00.000000Z", "cleared_reason": "paid"}
    )
    pull(engine, cleared, incident(8, IncidentKind.DOUBLE_SUBSIDY, 300))
    refresh(ui)
    assert ui.tr.t("status.incidents", count=1) in status_texts(ui)
    touch(ui, "incidents")
    screen = ui.manager.current
    assert isinstance(screen, IncidentsScreen)
    assert [line.startswith("Subvention accordée deux fois") for line in screen.lines()] == [True]


def test_a_journal_behind_the_hub_stops_sales_on_screen(make_ui: UiFactory, engine: Engine) -> None:
    ui = make_ui()
    engine.store.record_hub_ahead(12, None)
    refresh(ui)
    assert ui.tr.t("status.journal_behind") in status_texts(ui)
    touch(ui, "category", "starter")
    touch(ui, "add", "salad")
    tap(ui, ALICE)
    assert ui.screen is ScreenId.REFUSED
    assert engine.store.last_seq() == 0


def test_the_incidents_badge_is_for_the_cashier_not_the_diners(
    make_ui: UiFactory, engine: Engine
) -> None:
    ui = make_ui(Mode.KIOSK)
    pull(engine, incident(9, IncidentKind.OVERDRAFT, 100))
    refresh(ui)
    assert not [t for t in status_texts(ui) if t.startswith("Incidents")]
