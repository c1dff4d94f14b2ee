"""The hub's SQLite schema as named migrations, applied in order and recorded.

Money columns are integer cents. ``changes`` is the change log for delta sync: one
row per (site, kind, key) holding the hub version of that object's latest change, so
a pull from version V reads the objects whose row has ``version > V``. Versions come
from the counter in ``meta`` (incremented inside the writing transaction, so a reader
never sees a version whose rows are not committed).
"""

from __future__ import annotations

MIGRATIONS: list[tuple[str, str]] = [
    (
        "0001_initial",
        """
        CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
        INSERT INTO meta VALUES ('version', 0);
        CREATE TABLE sites (
            code TEXT PRIMARY KEY,
            settings TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE TABLE accounts (
            id TEXT PRIMARY KEY,
            site TEXT NOT NULL REFERENCES sites (code),
            display_name TEXT NOT NULL,
            kind TEXT NOT NULL,
            status TEXT NOT NULL,
            profile TEXT NOT NULL,
            overdraft INTEGER NOT NULL,
            balance INTEGER NOT NULL,
            flagged INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL
        );
        CREATE INDEX accounts_site ON accounts (site);
        -- Movements made on the hub itself: opening balance, online top-ups, adjustments.
        CREATE TABLE hub_ledger (
            id INTEGER PRIMARY KEY,
            account_id TEXT NOT NULL REFERENCES accounts (id),
            kind TEXT NOT NULL,
            amount INTEGER NOT NULL,
            ref TEXT UNIQUE,
            note TEXT NOT NULL DEFAULT '',
            ts TEXT NOT NULL
        );
        CREATE INDEX hub_ledger_account ON hub_ledger (account_id);
        CREATE TABLE credentials (
            value TEXT PRIMARY KEY,
            site TEXT NOT NULL REFERENCES sites (code),
            kind TEXT NOT NULL,
            status TEXT NOT NULL,
            account_id TEXT NOT NULL REFERENCES accounts (id),
            public_key TEXT,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX credentials_account ON credentials (account_id);
        -- Catalogue, tariffs, visits ...: JSON objects by kind and id; body NULL = deleted.
        CREATE TABLE documents (
            site TEXT NOT NULL REFERENCES sites (code),
            kind TEXT NOT NULL,
            id TEXT NOT NULL,
            body TEXT,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (site, kind, id)
        );
        CREATE TABLE terminals (
            id TEXT PRIMARY KEY,
            site TEXT NOT NULL REFERENCES sites (code),
            name TEXT NOT NULL,
            public_key TEXT NOT NULL,
            token_hash TEXT NOT NULL UNIQUE,
            applied_seq INTEGER NOT NULL DEFAULT 0,
            last_hash TEXT NOT NULL,
            enrolled_at TEXT NOT NULL,
            last_seen TEXT,
            last_cursor INTEGER NOT NULL DEFAULT 0,
            revoked INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE enrolment_tokens (
            token_hash TEXT PRIMARY KEY,
            site TEXT NOT NULL REFERENCES sites (code),
            expires_at TEXT NOT NULL,
            used_at TEXT,
            terminal_id TEXT
        );
        CREATE TABLE admin_tokens (
            token_hash TEXT PRIMARY KEY,
            label TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        -- Terminal journal entries, applied once: (terminal_id, seq) is the entry's id.
        CREATE TABLE entries (
            terminal_id TEXT NOT NULL REFERENCES terminals (id),
            seq INTEGER NOT NULL,
            ts TEXT NOT NULL,
            kind TEXT NOT NULL,
            account_id TEXT,
            amount INTEGER NOT NULL,
            payload TEXT NOT NULL,
            prev_hash TEXT NOT NULL,
            hash TEXT NOT NULL,
            sig TEXT NOT NULL,
            received_at TEXT NOT NULL,
            PRIMARY KEY (terminal_id, seq)
        ) WITHOUT ROWID;
        CREATE INDEX entries_account ON entries (account_id);
        CREATE TABLE flags (
            id INTEGER PRIMARY KEY,
            site TEXT NOT NULL,
            account_id TEXT NOT NULL,
            reason TEXT NOT NULL,
            terminal_id TEXT,
            seq INTEGER,
            balance INTEGER NOT NULL,
            created_at TEXT NOT NULL,
            cleared_at TEXT
        );
        CREATE INDEX flags_site ON flags (site, cleared_at);
        CREATE TABLE changes (
            site TEXT NOT NULL,
            kind TEXT NOT NULL,
            key TEXT NOT NULL,
            version INTEGER NOT NULL UNIQUE,
            PRIMARY KEY (site, kind, key)
        ) WITHOUT ROWID;
        CREATE INDEX changes_site_version ON changes (site, version);
        """,
    ),
    (
        "0002_subsidy_marks",
        """
        -- JSON of sync.protocol.rows.SubsidyMark: the last subsidised sale of the diner.
        ALTER TABLE accounts ADD COLUMN subsidy TEXT;
        """,
    ),
    (
        "0003_trust",
        """
        -- SQLite turns an integer sum past 64 bits into REAL: a balance never is one.
        CREATE TRIGGER accounts_balance_insert BEFORE INSERT ON accounts
        WHEN typeof(NEW.balance) != 'integer'
        BEGIN SELECT RAISE(ABORT, 'balance must be integer cents'); END;
        -- The mode (till, kiosk) an enrolment token binds its terminal to; NULL: any.
        ALTER TABLE enrolment_tokens ADD COLUMN mode TEXT;
        ALTER TABLE terminals ADD COLUMN mode TEXT;
        CREATE TRIGGER accounts_balance_update BEFORE UPDATE OF balance ON accounts
        WHEN typeof(NEW.balance) != 'integer'
        BEGIN SELECT RAISE(ABORT, 'balance must be integer cents'); END;
        """,
    ),
    (
        "0004_incidents",
        """
        -- Overdrafts and double subsidies found while applying journals
        -- (sync.server.incidents): one open per account and kind, cleared with a reason.
        -- terminals and entries are JSON lists (terminal ids, entry ids).
        CREATE TABLE incidents (
            id INTEGER PRIMARY KEY,
            site TEXT NOT NULL REFERENCES sites (code),
            kind TEXT NOT NULL,
            account_id TEXT NOT NULL,
            terminals TEXT NOT NULL,
            entries TEXT NOT NULL,
            amount INTEGER NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            cleared_at TEXT,
            cleared_reason TEXT
        );
        CREATE INDEX incidents_open ON incidents (site, account_id, kind, cleared_at);
        """,
    ),
    (
        "0005_admin_tokens",
        """
        -- Admin tokens are listed and revoked by a public id: the start of their hash.
        ALTER TABLE admin_tokens ADD COLUMN id TEXT;
        ALTER TABLE admin_tokens ADD COLUMN revoked_at TEXT;
        UPDATE admin_tokens SET id = substr(token_hash, 1, 12);
        CREATE UNIQUE INDEX admin_tokens_id ON admin_tokens (id);
        -- Rate limits (enrolment per site, admin writes per token), kept here so that
        -- every hub process shares them: per key, the GCRA's theoretical arrival time.
        CREATE TABLE rate_limits (key TEXT PRIMARY KEY, tat_ms INTEGER NOT NULL) WITHOUT ROWID;
        """,
    ),
    (
        "0007_online_topup",
        """
        -- The hub's payment provider (one for the hub): ProviderSettings as JSON.
        CREATE TABLE payment_provider (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            settings TEXT NOT NULL
        );
        -- Online top-ups: one row per order sent to the provider's payment page. The
        -- credit is the hub movement whose ref is 'online:' + provider_tx.
        CREATE TABLE online_topups (
            id TEXT PRIMARY KEY,
            site TEXT NOT NULL REFERENCES sites (code),
            account_id TEXT NOT NULL REFERENCES accounts (id),
            amount INTEGER NOT NULL CHECK (amount > 0),
            provider TEXT NOT NULL,
            trans_day TEXT NOT NULL,
            trans_id TEXT NOT NULL,
            state TEXT NOT NULL,
            provider_tx TEXT UNIQUE,
            refunded INTEGER NOT NULL DEFAULT 0 CHECK (refunded >= 0),
            created_at TEXT NOT NULL,
            settled_at TEXT,
            UNIQUE (trans_day, trans_id)
        );
        CREATE INDEX online_topups_account ON online_topups (account_id, created_at);
        -- Every correctly signed notification, as received (append-only).
        CREATE TABLE payment_notifications (
            id INTEGER PRIMARY KEY,
            topup_id TEXT NOT NULL,
            provider_tx TEXT NOT NULL,
            status TEXT NOT NULL,
            detail TEXT NOT NULL,
            fields TEXT NOT NULL,
            effect TEXT NOT NULL,
            received_at TEXT NOT NULL
        );
        CREATE INDEX payment_notifications_topup ON payment_notifications (topup_id);
        -- A card payment of a till is booked once (entry_rules: payment_twice).
        CREATE INDEX entries_payment_ref
            ON entries (terminal_id, json_extract(payload, '$.payment_ref'))
            WHERE kind IN ('top_up', 'card_sale');
        -- Refunds by an admin; the debit is the hub movement 'online-refund:' + id.
        CREATE TABLE online_refunds (
            id TEXT PRIMARY KEY,
            topup_id TEXT NOT NULL REFERENCES online_topups (id),
            amount INTEGER NOT NULL CHECK (amount > 0),
            admin TEXT NOT NULL,
            note TEXT NOT NULL,
            provider_ref TEXT,
            state TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        """,
    ),
    (
        "0006_backoffice",
        """
        -- Personal details kept out of the synced rows (erasable; never in a journal).
        CREATE TABLE account_details (
            account_id TEXT PRIMARY KEY REFERENCES accounts (id),
            email TEXT NOT NULL DEFAULT '',
            cost_centre TEXT NOT NULL DEFAULT ''
        );
        -- Every published menu; the active one is copied to the catalogue document.
        CREATE TABLE menu_versions (
            site TEXT NOT NULL REFERENCES sites (code),
            version INTEGER NOT NULL,
            effective TEXT NOT NULL,
            published_at TEXT NOT NULL,
            note TEXT NOT NULL DEFAULT '',
            body TEXT NOT NULL,
            activated_at TEXT,
            PRIMARY KEY (site, version)
        );
        -- Account imports staged in chunks, then applied in one transaction.
        CREATE TABLE account_imports (
            id TEXT PRIMARY KEY,
            site TEXT NOT NULL REFERENCES sites (code),
            total INTEGER NOT NULL,
            created_at TEXT NOT NULL,
            committed_at TEXT
        );
        CREATE TABLE account_import_rows (
            import_id TEXT NOT NULL REFERENCES account_imports (id) ON DELETE CASCADE,
            line INTEGER NOT NULL,
            id TEXT NOT NULL,
            name TEXT NOT NULL,
            profile TEXT NOT NULL,
            badges TEXT NOT NULL,  -- space-separated credential values
            email TEXT NOT NULL,
            overdraft INTEGER NOT NULL,
            postpaid INTEGER NOT NULL,
            cost_centre TEXT NOT NULL,
            PRIMARY KEY (import_id, line)
        ) WITHOUT ROWID;
        CREATE INDEX entries_kind ON entries (kind, terminal_id);
        """,
    ),
    (
        "0008_portal",
        """
        -- The diner portal. A diner's sign-in: one per account, made at activation.
        CREATE TABLE portal_logins (
            account_id TEXT PRIMARY KEY REFERENCES accounts (id),
            password_hash TEXT NOT NULL,  -- argon2id, in its PHC string form
            activated_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        -- Server-side sessions; the cookie holds the token, this table its SHA-256.
        -- account_id is NULL until the diner has signed in; pending_account is the
        -- account found during a first connection, before it is activated.
        CREATE TABLE portal_sessions (
            token_hash TEXT PRIMARY KEY,
            csrf TEXT NOT NULL,
            site TEXT,
            pending_account TEXT,
            code_ok INTEGER NOT NULL DEFAULT 0,
            account_id TEXT REFERENCES accounts (id),
            created_at TEXT NOT NULL,
            expires_at TEXT NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX portal_sessions_expiry ON portal_sessions (expires_at);
        CREATE INDEX portal_sessions_account ON portal_sessions (account_id);
        -- One live activation code per account (a new one replaces it): its SHA-256.
        CREATE TABLE portal_codes (
            account_id TEXT PRIMARY KEY REFERENCES accounts (id),
            code_hash TEXT NOT NULL,
            expires_at TEXT NOT NULL,
            used_at TEXT
        );
        -- Failed sign-ins, activation codes and codes sent, per key, so that every hub
        -- process shares the lock-out.
        CREATE TABLE portal_attempts (
            key TEXT PRIMARY KEY,
            failures INTEGER NOT NULL,
            first_at TEXT NOT NULL,
            locked_until TEXT
        ) WITHOUT ROWID;
        CREATE INDEX hub_ledger_account_ts ON hub_ledger (account_id, ts);
        CREATE INDEX entries_account_ts ON entries (account_id, ts);
        """,
    ),
    (
        "0011_orders",
        """
        -- Orders, placed at a kiosk (origin: terminal:seq of the order entry) or in the
        -- portal (portal:<id>). ``doc`` is the OrderDoc (sync.protocol.orders) also sent
        -- to the site's terminals; the other columns index it.
        CREATE TABLE orders (
            site TEXT NOT NULL REFERENCES sites (code),
            origin TEXT NOT NULL,
            code TEXT NOT NULL,
            account_id TEXT NOT NULL,
            pickup_day TEXT NOT NULL,
            slot TEXT,
            state TEXT NOT NULL,
            placed_at TEXT NOT NULL,
            doc TEXT NOT NULL,
            PRIMARY KEY (site, origin)
        );
        CREATE INDEX orders_code ON orders (site, code);
        CREATE INDEX orders_day ON orders (site, pickup_day, slot);
        CREATE INDEX orders_account ON orders (account_id, placed_at);
        -- Quantities ordered by pickup day and item, cancelled orders left out: the
        -- daily limits read one row per item, however many orders the day has.
        CREATE TABLE order_counts (
            site TEXT NOT NULL,
            pickup_day TEXT NOT NULL,
            item TEXT NOT NULL,
            qty INTEGER NOT NULL CHECK (qty >= 0),
            PRIMARY KEY (site, pickup_day, item)
        );
        """,
    ),
    (
        "0012_archives",
        """
        -- Every terminal's signed archives (`kiosk journal archive`), kept whole as
        -- received once they verified against the terminal's enrolled key.
        CREATE TABLE archives (
            id INTEGER PRIMARY KEY,
            terminal_id TEXT NOT NULL REFERENCES terminals (id),
            site TEXT NOT NULL,
            period TEXT NOT NULL,
            first_seq INTEGER NOT NULL,
            last_seq INTEGER NOT NULL,
            sha256 TEXT NOT NULL,
            size INTEGER NOT NULL,
            created_at TEXT NOT NULL,
            received_at TEXT NOT NULL,
            data BLOB NOT NULL,
            UNIQUE (terminal_id, sha256)
        );
        CREATE INDEX archives_site ON archives (site, terminal_id, period);
        """,
    ),
    (
        "0009_portal_devices",
        """
        -- A diner's devices: each holds the private key of one phone badge (made in its
        -- browser, never sent); the credential row carries its public key to the tills.
        -- A revoked device's credential is marked lost, which the deny list carries.
        CREATE TABLE portal_devices (
            credential TEXT PRIMARY KEY REFERENCES credentials (value),
            account_id TEXT NOT NULL REFERENCES accounts (id),
            label TEXT NOT NULL,
            created_at TEXT NOT NULL,
            revoked_at TEXT
        ) WITHOUT ROWID;
        CREATE INDEX portal_devices_account ON portal_devices (account_id);
        -- Sign-in by a QR code shown on another signed-in device: short-lived, used once.
        CREATE TABLE portal_link_tokens (
            token_hash TEXT PRIMARY KEY,
            site TEXT NOT NULL,
            account_id TEXT NOT NULL REFERENCES accounts (id),
            expires_at TEXT NOT NULL,
            used_at TEXT
        ) WITHOUT ROWID;
        -- Passkeys (WebAuthn): the authenticator's public key, as a second way in.
        CREATE TABLE portal_passkeys (
            credential_id TEXT PRIMARY KEY,  -- base64url, as the browser names it
            account_id TEXT NOT NULL REFERENCES accounts (id),
            public_key BLOB NOT NULL,  -- COSE
            sign_count INTEGER NOT NULL,
            label TEXT NOT NULL,
            created_at TEXT NOT NULL,
            last_used_at TEXT
        ) WITHOUT ROWID;
        CREATE INDEX portal_passkeys_account ON portal_passkeys (account_id);
        """,
    ),
    (
        "0010_portal_pages",
        """
        -- The portal's visit requests: how a site's diners may bill their guests' meals
        -- (to their own account, to one of the cost centres listed), and who approves.
        CREATE TABLE portal_visit_rules (
            site TEXT PRIMARY KEY REFERENCES sites (code),
            host_billing INTEGER NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE TABLE portal_cost_centres (
            site TEXT NOT NULL REFERENCES sites (code),
            account_id TEXT NOT NULL REFERENCES accounts (id),
            label TEXT NOT NULL,
            PRIMARY KEY (site, account_id)
        ) WITHOUT ROWID;
        CREATE TABLE portal_approvers (
            account_id TEXT PRIMARY KEY REFERENCES accounts (id),
            granted_at TEXT NOT NULL
        );
        -- Low-balance notifications: the diner's threshold (cents); an e-mail when a
        -- synced entry takes the hub balance from at or above it to below it.
        CREATE TABLE portal_alerts (
            account_id TEXT PRIMARY KEY REFERENCES accounts (id),
            threshold INTEGER NOT NULL CHECK (threshold > 0),
            lang TEXT NOT NULL,  -- the language of the e-mails, as chosen in the portal
            updated_at TEXT NOT NULL
        );
        -- Mails to send, written in the transaction that decides them, sent after it.
        CREATE TABLE portal_outbox (
            id INTEGER PRIMARY KEY,
            account_id TEXT NOT NULL REFERENCES accounts (id),
            kind TEXT NOT NULL,
            body TEXT NOT NULL,  -- JSON: the figures the message words
            created_at TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            last_error TEXT,
            sent_at TEXT
        );
        CREATE INDEX portal_outbox_waiting ON portal_outbox (id) WHERE sent_at IS NULL;
        """,
    ),
]
