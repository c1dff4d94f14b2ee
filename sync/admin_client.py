"""A small client of the hub's admin API, as a back office (or the demo) uses it.

httpx errors and refusals are translated into ``AdminError`` with the hub's reason
(``status`` is the HTTP status, 0 when the hub could not be reached). ``kiosk admin``
is a thin layer over these methods.
"""

from __future__ import annotations

import ssl
import time
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

import httpx
from pydantic import TypeAdapter

from sync.protocol import admin as adm
from sync.protocol.admin import MAX_IMPORT
from sync.protocol.archives import ArchiveInfo
from sync.protocol.incidents import Incident
from sync.protocol.orders import OrderDoc, OrdersOfDay
from sync.protocol.rows import AccountRow, CredentialKind, CredentialStatus, SiteSettings

_IMPORT_ROWS = TypeAdapter(list[adm.ImportRow])
RATE_RETRIES = 5
MAX_RETRY_AFTER_S = 30.0


def _retry_after(response: httpx.Response) -> float | None:
    """Seconds to wait before trying again after a 429, or None (not one, or too long)."""
    if response.status_code != 429:
        return None
    try:
        wait = float(response.headers.get("Retry-After", "1"))
    except ValueError:
        return None
    return wait if 0 <= wait <= MAX_RETRY_AFTER_S else None


class AdminError(Exception):
    """The hub refused an admin call or could not be reached."""

    def __init__(self, message: str, status: int = 0, detail: str = "") -> None:
        super().__init__(message)
        self.status, self.detail = status, detail or message


class AdminClient:
    def __init__(
        self, base_url: str, token: str, *, timeout: float = 30.0, ca_file: str | None = None
    ) -> None:
        """``ca_file`` trusts a private CA (the hub behind an internal TLS proxy)."""
        tls: bool | ssl.SSLContext = True
        if ca_file:
            try:
                tls = ssl.create_default_context(cafile=ca_file)
            except (OSError, ssl.SSLError) as exc:
                raise AdminError(f"{ca_file}: cannot read the CA: {exc}") from exc
        self.http = httpx.Client(
            base_url=base_url,
            headers={"Authorization": f"Bearer {token}"},
            timeout=timeout,
            verify=tls,
        )

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> AdminClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _call(
        self, method: str, path: str, json: object = None, content: bytes | None = None
    ) -> Any:
        for _ in range(RATE_RETRIES):
            try:
                if content is not None:
                    headers = {"Content-Type": "application/json"}
                    response = self.http.request(method, path, content=content, headers=headers)
                else:
                    response = self.http.request(method, path, json=json)
            except httpx.HTTPError as exc:
                raise AdminError(f"{method} {path}: hub unreachable: {exc}") from exc
            wait = _retry_after(response)
            if wait is None:
                break
            # The hub's rate limit refused the call before doing anything: a long
            # import waits its turn rather than failing halfway through its chunks.
            time.sleep(wait)
        if response.status_code >= 400:
            try:
                detail = str(response.json()["detail"])
            except (ValueError, KeyError, TypeError):
                detail = response.text[:300]
            raise AdminError(
                f"{method} {path}: {response.status_code} {response.text[:300]}",
                response.status_code,
                detail,
            )
        return response.json() if response.content else None

    def archives(self, site: str, terminal: str | None = None) -> list[ArchiveInfo]:
        """The archives the hub keeps for the site's terminals."""
        path = f"/v1/admin/sites/{site}/archives" + (f"?terminal={terminal}" if terminal else "")
        return [ArchiveInfo.model_validate(row) for row in self._call("GET", path)]

    def archive_bytes(self, archive_id: int) -> bytes:
        """One archive as the terminal signed it (JSON Lines)."""
        path = f"/v1/admin/archives/{archive_id}"
        try:
            response = self.http.get(path)
        except httpx.HTTPError as exc:
            raise AdminError(f"GET {path}: hub unreachable: {exc}") from exc
        if response.status_code >= 400:
            raise AdminError(
                f"GET {path}: {response.status_code} {response.text[:300]}",
                response.status_code,
                response.text[:300],
            )
        return response.content

    def create_site(self, settings: SiteSettings) -> None:
        self._call("POST", "/v1/admin/sites", settings.model_dump(mode="json"))

    def enrolment_token(self, site: str) -> str:
        return str(self._call("POST", f"/v1/admin/sites/{site}/enrolment-tokens", {})["token"])

    def import_accounts(self, site: str, accounts: Sequence[AccountRow]) -> None:
        rows = [a.model_dump(mode="json") for a in accounts]
        for start in range(0, len(rows), MAX_IMPORT):
            chunk = rows[start : start + MAX_IMPORT]
            self._call("POST", f"/v1/admin/sites/{site}/accounts", {"accounts": chunk})

    def account(self, account_id: str) -> dict[str, Any]:
        result: dict[str, Any] = self._call("GET", f"/v1/admin/accounts/{account_id}")
        return result

    def balance(self, account_id: str) -> int:
        return int(self.account(account_id)["account"]["balance"])

    def accounts(self, site: str, *, flagged: bool = False) -> list[dict[str, Any]]:
        query = "?flagged=true" if flagged else ""
        result = self._call("GET", f"/v1/admin/sites/{site}/accounts{query}")
        return list(result)

    def assign_badge(self, value: str, account_id: str) -> None:
        body = {"value": value, "kind": CredentialKind.NFC.value, "account_id": account_id}
        self._call("POST", "/v1/admin/credentials", body)

    def badge_status(self, value: str, status: CredentialStatus) -> None:
        self._call("POST", f"/v1/admin/credentials/{value}/status", {"status": status.value})

    def register_phone(self, account_id: str) -> str:
        """A phone badge held by the hub (standing in for the app); its credential."""
        result = self._call("POST", f"/v1/admin/accounts/{account_id}/phones", {})
        return str(result["credential"]["value"])

    def phone_code(self, credential: str) -> str:
        return str(self._call("GET", f"/v1/admin/phones/{credential}/code")["code"])

    def put_document(self, site: str, kind: str, doc_id: str, data: dict[str, Any]) -> None:
        self._call("PUT", f"/v1/admin/sites/{site}/documents/{kind}/{doc_id}", data)

    def top_up(self, account_id: str, amount: int, ref: str | None = None) -> None:
        body: dict[str, Any] = {"amount": amount}
        if ref:
            body["ref"] = ref
        self._call("POST", f"/v1/admin/accounts/{account_id}/top-ups", body)

    def declare_visit(
        self,
        site: str,
        *,
        visitor: str,
        company: str,
        day: date,
        guests: int,
        host: str,
        cost_centre: str | None = None,
    ) -> dict[str, Any]:
        body: dict[str, Any] = {
            "visitor": visitor,
            "company": company,
            "day": day.isoformat(),
            "guests": guests,
            "host_account_id": host,
        }
        if cost_centre:
            body.update(billing="cost_centre", cost_centre=cost_centre)
        result: dict[str, Any] = self._call("POST", f"/v1/admin/sites/{site}/visits", body)
        return result

    def decide_visit(self, site: str, visit_id: str, action: str) -> dict[str, Any]:
        result: dict[str, Any] = self._call(
            "POST", f"/v1/admin/sites/{site}/visits/{visit_id}/{action}", {}
        )
        return result

    def terminals(self, site: str) -> list[dict[str, Any]]:
        result = self._call("GET", f"/v1/admin/sites/{site}/terminals")
        return list(result)

    def verify_terminal(self, terminal_id: str) -> dict[str, Any]:
        result: dict[str, Any] = self._call("GET", f"/v1/admin/terminals/{terminal_id}/verify")
        return result

    # Back office -----------------------------------------------------------------------

    def sites(self) -> list[SiteSettings]:
        rows = self._call("GET", "/v1/admin/sites")
        return [SiteSettings.model_validate(r, strict=False) for r in rows]

    def site(self, site: str) -> SiteSettings:
        return SiteSettings.model_validate(
            self._call("GET", f"/v1/admin/sites/{site}"), strict=False
        )

    def put_settings(self, settings: SiteSettings) -> SiteSettings:
        body = self._call(
            "PUT", f"/v1/admin/sites/{settings.site_code}", settings.model_dump(mode="json")
        )
        return SiteSettings.model_validate(body, strict=False)

    def new_enrolment_token(self, site: str, ttl_s: int) -> adm.EnrolmentToken:
        body = self._call("POST", f"/v1/admin/sites/{site}/enrolment-tokens", {"ttl_s": ttl_s})
        return adm.EnrolmentToken.model_validate(body)

    def import_rows(
        self,
        site: str,
        rows: Sequence[adm.ImportRow],
        *,
        dry_run: bool = False,
        progress: Callable[[int], None] | None = None,
    ) -> adm.ImportResult:
        """Stage the rows in chunks, then apply them in one transaction on the hub (or,
        with ``dry_run``, check them and apply nothing). ``progress`` gets rows sent."""
        started = self._call("POST", f"/v1/admin/sites/{site}/imports", {"total": len(rows) + 1})
        import_id = str(started["import_id"])
        base = f"/v1/admin/sites/{site}/imports/{import_id}"
        for start in range(0, len(rows), MAX_IMPORT):
            chunk = rows[start : start + MAX_IMPORT]
            body = b'{"rows":' + _IMPORT_ROWS.dump_json(list(chunk)) + b"}"
            self._call("POST", f"{base}/rows", content=body)
            if progress is not None:
                progress(len(chunk))
        query = "?dry_run=true" if dry_run else ""
        return adm.ImportResult.model_validate(self._call("POST", f"{base}/commit{query}"))

    def export_accounts(self, site: str) -> list[adm.ExportRow]:
        rows = self._call("GET", f"/v1/admin/sites/{site}/accounts/export")
        return [adm.ExportRow.model_validate(r, strict=False) for r in rows]

    def update_account(self, account_id: str, **changes: object) -> dict[str, Any]:
        result: dict[str, Any] = self._call("PATCH", f"/v1/admin/accounts/{account_id}", changes)
        return result

    def adjust(self, account_id: str, amount: int, note: str, ref: str | None = None) -> int:
        body: dict[str, Any] = {"amount": amount, "note": note}
        if ref:
            body["ref"] = ref
        result = self._call("POST", f"/v1/admin/accounts/{account_id}/adjustments", body)
        return int(result["balance"])

    def replace_badge(self, old: str, new: str) -> dict[str, Any]:
        result: dict[str, Any] = self._call(
            "POST", f"/v1/admin/credentials/{old}/replace", {"new_value": new}
        )
        return result

    def cashiers(self, site: str) -> list[adm.CashierView]:
        rows = self._call("GET", f"/v1/admin/sites/{site}/cashiers")
        return [adm.CashierView.model_validate(r, strict=False) for r in rows]

    def add_cashier(self, site: str, cashier: adm.CashierAdd) -> adm.CashierView:
        body = self._call(
            "POST", f"/v1/admin/sites/{site}/cashiers", cashier.model_dump(mode="json")
        )
        return adm.CashierView.model_validate(body, strict=False)

    def cashier_pin(self, site: str, cashier_id: str, pin: str) -> adm.CashierView:
        body = self._call("POST", f"/v1/admin/sites/{site}/cashiers/{cashier_id}/pin", {"pin": pin})
        return adm.CashierView.model_validate(body, strict=False)

    def cashier_active(self, site: str, cashier_id: str, active: bool) -> adm.CashierView:
        action = "enable" if active else "disable"
        body = self._call("POST", f"/v1/admin/sites/{site}/cashiers/{cashier_id}/{action}")
        return adm.CashierView.model_validate(body, strict=False)

    def revoke_terminal(self, terminal_id: str) -> None:
        self._call("POST", f"/v1/admin/terminals/{terminal_id}/revoke")

    def rename_terminal(self, terminal_id: str, name: str) -> None:
        self._call("POST", f"/v1/admin/terminals/{terminal_id}/rename", {"name": name})

    def incidents(
        self,
        site: str,
        *,
        state: str = "open",
        kind: str | None = None,
        account: str | None = None,
    ) -> list[Incident]:
        params = {"state": state, **({"kind": kind} if kind else {})}
        if account:
            params["account"] = account
        query = "&".join(f"{k}={v}" for k, v in params.items())
        rows = self._call("GET", f"/v1/admin/sites/{site}/incidents?{query}")
        return [Incident.model_validate(r, strict=False) for r in rows]

    def incident(self, incident_id: int) -> Incident:
        body = self._call("GET", f"/v1/admin/incidents/{incident_id}")
        return Incident.model_validate(body, strict=False)

    def clear_incident(self, incident_id: int, reason: str) -> Incident:
        body = self._call("POST", f"/v1/admin/incidents/{incident_id}/clear", {"reason": reason})
        return Incident.model_validate(body, strict=False)

    def live_menu(self, site: str) -> dict[str, Any] | None:
        try:
            result: dict[str, Any] = self._call(
                "GET", f"/v1/admin/sites/{site}/documents/catalogue/site"
            )
        except AdminError as exc:
            if exc.status == 404:
                return None
            raise
        return result

    def publish_menu(
        self, site: str, menu: dict[str, Any], *, effective: date | None = None, note: str = ""
    ) -> adm.MenuVersion:
        body: dict[str, Any] = {"menu": menu, "note": note}
        if effective is not None:
            body["effective"] = effective.isoformat()
        return adm.MenuVersion.model_validate(
            self._call("POST", f"/v1/admin/sites/{site}/menu", body)
        )

    def menu_versions(self, site: str) -> list[adm.MenuVersion]:
        rows = self._call("GET", f"/v1/admin/sites/{site}/menu/versions")
        return [adm.MenuVersion.model_validate(r) for r in rows]

    def menu_version(self, site: str, version: int) -> dict[str, Any]:
        result: dict[str, Any] = self._call(
            "GET", f"/v1/admin/sites/{site}/menu/versions/{version}"
        )
        return result

    def rollback_menu(self, site: str, to_version: int | None = None) -> adm.MenuVersion:
        body = {} if to_version is None else {"to_version": to_version}
        return adm.MenuVersion.model_validate(
            self._call("POST", f"/v1/admin/sites/{site}/menu/rollback", body)
        )

    def day_report(self, site: str, day: date | None = None) -> adm.DayReport:
        query = "" if day is None else f"?day={day.isoformat()}"
        body = self._call("GET", f"/v1/admin/sites/{site}/reports/day{query}")
        return adm.DayReport.model_validate(body)

    def entry(self, terminal_id: str, seq: int) -> adm.EntryView:
        body = self._call("GET", f"/v1/admin/terminals/{terminal_id}/entries/{seq}")
        return adm.EntryView.model_validate(body, strict=False)

    def movements(self, account_id: str) -> list[adm.MovementView]:
        rows = self._call("GET", f"/v1/admin/accounts/{account_id}/movements")
        return [adm.MovementView.model_validate(r, strict=False) for r in rows]

    # Orders ------------------------------------------------------------------------------

    def orders_of_day(self, site: str, day: date) -> OrdersOfDay:
        """The orders to collect on ``day`` and the kitchen's quantities."""
        data = self._call("GET", f"/v1/admin/sites/{site}/orders?day={day.isoformat()}")
        return OrdersOfDay.model_validate(data, strict=False)

    def order(self, site: str, code: str) -> OrderDoc:
        data = self._call("GET", f"/v1/admin/sites/{site}/orders/{code}")
        return OrderDoc.model_validate(data, strict=False)

    def order_ready(self, site: str, code: str) -> OrderDoc:
        """Mark the order ready (the diner is mailed if they asked)."""
        data = self._call("POST", f"/v1/admin/sites/{site}/orders/{code}/ready")
        return OrderDoc.model_validate(data, strict=False)

    def order_cancel(self, site: str, code: str, reason: str = "") -> OrderDoc:
        """Cancel the order (a manager may, at any time before it is collected): refunded."""
        data = self._call(
            "POST", f"/v1/admin/sites/{site}/orders/{code}/cancel", {"reason": reason}
        )
        return OrderDoc.model_validate(data, strict=False)
