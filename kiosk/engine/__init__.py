"""The local transaction engine: store, ledger, journal, credentials and pricing.

Knows nothing of pygame, drivers or HTTP. The public API::

    engine = Engine.open(db_path, key_path, terminal_id="T1")
    engine.present("nfc:04A1B2C3")          -> Identified | Refused
    engine.sell("nfc:04A1B2C3", Money(790)) -> Accepted | Refused
"""

from kiosk.engine.ledger import Engine
from kiosk.engine.results import Accepted, Identified, Refused, Result
from kiosk.engine.store import Store
from kiosk.engine.store_sync import SyncStatus

__all__ = ["Accepted", "Engine", "Identified", "Refused", "Result", "Store", "SyncStatus"]
