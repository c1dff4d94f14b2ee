"""A small client of the hub's admin API, as a back office (or the demo) uses it.

httpx errors and refusals are translated into ``AdminError`` with the hub's reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import httpx

from sync.protocol.admin import MAX_IMPORT
from sync.protocol.rows import AccountRow, CredentialKind, CredentialStatus, SiteSettings


class AdminError(Exception):
    """The hub refused an admin call or could not be reached."""


class AdminClient:
    def __init__(self, base_url: str, token: str, *, timeout: float = 30.0) -> None:
        self.http = httpx.Client(
            base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=timeout
        )

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> AdminClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _call(self, method: str, path: str, json: object = None) -> Any:
        try:
            response = self.http.request(method, path, json=json)
        except httpx.HTTPError as exc:
            raise AdminError(f"{method} {path}: hub unreachable: {exc}") from exc
        if response.status_code >= 400:
            raise AdminError(f"{method} {path}: {response.status_code} {response.text[:300]}")
        return response.json() if response.content else None

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
