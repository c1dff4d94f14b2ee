"""The store's SQL for orders (a part of ``Store``, kept apart so that ``store.py``
stays small): the orders the hub sent (documents ``order``/<code>), this terminal's
own order entries and steps (cancel asked, handed over), and the notices shown.

``StoreOrders`` is a base class of ``Store``; its methods run inside the caller's
transaction (``Store.atomic`` or ``Store.reading``) and take its ``Tx``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from kiosk.engine.store_tx import Tx, sql_of
from sync.journal import ROW_COLUMNS, Entry, EntryKind, format_ts
from sync.protocol.orders import ORDER_DOC_KIND, OrderDoc


def _doc(text: str) -> OrderDoc | None:
    try:
        return OrderDoc.model_validate_json(text)
    except ValueError:  # a document of a later version: shown when understood
        return None


class StoreOrders:
    """The orders' half of ``Store``."""

    def order_doc(self, code: str, tx: Tx) -> OrderDoc | None:
        """The order ``code`` as the hub last sent it."""
        row = (
            sql_of(tx)
            .execute("SELECT data FROM documents WHERE kind = ? AND id = ?", (ORDER_DOC_KIND, code))
            .fetchone()
        )
        return None if row is None else _doc(row[0])

    def order_docs_of(self, account_id: str, tx: Tx) -> list[OrderDoc]:
        """The diner's orders as the hub last sent them."""
        rows = (
            sql_of(tx)
            .execute(
                "SELECT data FROM documents WHERE kind = ? AND json_extract(data, '$.account') = ?",
                (ORDER_DOC_KIND, account_id),
            )
            .fetchall()
        )
        return [d for (text,) in rows if (d := _doc(text)) is not None]

    def order_docs_of_day(self, day: str, tx: Tx) -> list[OrderDoc]:
        rows = (
            sql_of(tx)
            .execute(
                "SELECT data FROM documents "
                "WHERE kind = ? AND json_extract(data, '$.pickup_day') = ?",
                (ORDER_DOC_KIND, day),
            )
            .fetchall()
        )
        return [d for (text,) in rows if (d := _doc(text)) is not None]

    def order_entries(
        self, tx: Tx, account_id: str | None = None, since_day: str = ""
    ) -> list[Entry]:
        """This terminal's ``order`` entries (of one account), from ``since_day`` on."""
        where, params = "kind = ? AND day >= ?", [EntryKind.ORDER.value, since_day]
        if account_id is not None:
            where += " AND account = ?"
            params.append(account_id)
        rows = (
            sql_of(tx)
            .execute(f"SELECT {ROW_COLUMNS} FROM journal WHERE {where} ORDER BY seq", params)
            .fetchall()
        )
        return [Entry.from_row(r) for r in rows]

    def order_steps(self, codes: Sequence[str], tx: Tx) -> dict[str, str]:
        """Code -> the step this terminal journalled for it (``order_cancel`` or
        ``order_collect``; a collection wins)."""
        if not codes:
            return {}
        found: dict[str, str] = {}
        for start in range(0, len(codes), 500):
            part = list(codes[start : start + 500])
            marks = ",".join("?" * len(part))
            rows = (
                sql_of(tx)
                .execute(
                    "SELECT json_extract(payload, '$.order'), kind FROM journal "
                    "WHERE kind IN ('order_cancel', 'order_collect') "
                    f"AND json_extract(payload, '$.order') IN ({marks}) ORDER BY seq",
                    part,
                )
                .fetchall()
            )
            for code, kind in rows:
                if found.get(str(code)) != EntryKind.ORDER_COLLECT.value:
                    found[str(code)] = str(kind)
        return found

    def untold(self, codes: Sequence[str], tx: Tx) -> set[str]:
        """The codes among ``codes`` the diner was not yet told of here."""
        if not codes:
            return set()
        marks = ",".join("?" * len(codes))
        rows = (
            sql_of(tx)
            .execute(f"SELECT code FROM order_notices WHERE code IN ({marks})", list(codes))
            .fetchall()
        )
        return set(codes) - {str(r[0]) for r in rows}

    def mark_told(self, codes: Sequence[str], at: datetime, tx: Tx) -> None:
        sql_of(tx).executemany(
            "INSERT INTO order_notices (code, told_at) VALUES (?, ?) ON CONFLICT DO NOTHING",
            [(code, format_ts(at)) for code in codes],
        )
