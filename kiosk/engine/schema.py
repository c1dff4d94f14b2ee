"""The store's named migrations, applied in order and recorded in ``migrations``.

A migration is never edited once released; a change is a new migration.
"""

from __future__ import annotations

MIGRATIONS: list[tuple[str, str]] = [
    (
        "0001_initial",
        """
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

        CREATE TABLE accounts (
            id TEXT PRIMARY KEY,
            display_name TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('prepaid', 'postpaid')),
            status TEXT NOT NULL CHECK (status IN ('active', 'closed')),
            profile TEXT NOT NULL,
            hub_balance INTEGER NOT NULL,
            included_seq INTEGER NOT NULL DEFAULT 0,
            overdraft INTEGER NOT NULL DEFAULT 0 CHECK (overdraft >= 0)
        );

        -- No foreign key to accounts: a snapshot page may bring a credential before
        -- the page that brings its account; an orphan resolves as unknown.
        CREATE TABLE credentials (
            value TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('active', 'lost', 'revoked')),
            account_id TEXT NOT NULL,
            public_key TEXT
        );
        CREATE INDEX credentials_account ON credentials (account_id);

        -- Append-only. `day` and `ref_seq` copy values of the signed payload
        -- (business_day, cancels) for indexed queries; verify checks they agree.
        CREATE TABLE journal (
            seq INTEGER PRIMARY KEY,
            terminal_id TEXT NOT NULL,
            ts TEXT NOT NULL,
            day TEXT NOT NULL,
            kind TEXT NOT NULL,
            account TEXT,
            amount INTEGER NOT NULL,
            ref_seq INTEGER,
            payload TEXT NOT NULL,
            prev_hash TEXT NOT NULL,
            hash TEXT NOT NULL UNIQUE,
            sig TEXT NOT NULL
        );
        CREATE INDEX journal_account ON journal (account, seq);
        CREATE INDEX journal_day ON journal (day, kind);
        CREATE UNIQUE INDEX journal_one_cancel ON journal (ref_seq) WHERE ref_seq IS NOT NULL;
        CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal
            BEGIN SELECT RAISE(ABORT, 'journal is append-only'); END;
        CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal
            BEGIN SELECT RAISE(ABORT, 'journal is append-only'); END;

        CREATE TABLE documents (
            kind TEXT NOT NULL,
            id TEXT NOT NULL,
            data TEXT NOT NULL,
            PRIMARY KEY (kind, id)
        );

        CREATE TABLE site_settings (id INTEGER PRIMARY KEY CHECK (id = 1), data TEXT NOT NULL);

        CREATE TABLE sync_state (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            cursor INTEGER NOT NULL DEFAULT 0,
            hub_applied_seq INTEGER NOT NULL DEFAULT 0,
            last_success TEXT,
            last_attempt TEXT,
            last_error TEXT,
            error_permanent INTEGER NOT NULL DEFAULT 0
        );
        INSERT INTO sync_state (id) VALUES (1);
        """,
    ),
    (
        "0002_phone_badges",
        """
        -- Phone-badge codes already used on this terminal, one row per credential and
        -- 30 s time step; pruned once the step is out of every window.
        CREATE TABLE seen_codes (
            credential TEXT NOT NULL,
            step INTEGER NOT NULL,
            used_at TEXT NOT NULL,
            PRIMARY KEY (credential, step)
        );
        CREATE INDEX seen_codes_step ON seen_codes (step);
        """,
    ),
    (
        "0003_cashiers",
        """
        -- Cashiers of this till. The PIN is never stored: only its scrypt hash and salt.
        CREATE TABLE cashiers (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            credential TEXT NOT NULL UNIQUE,
            pin_salt BLOB NOT NULL,
            pin_hash BLOB NOT NULL,
            active INTEGER NOT NULL DEFAULT 1
        );
        """,
    ),
    (
        "0004_subsidy_marks",
        """
        -- The hub's mark of the diner's last subsidised sale (JSON of SubsidyMark).
        ALTER TABLE accounts ADD COLUMN subsidy TEXT;
        """,
    ),
    (
        "0005_pin_attempts",
        """
        -- Wrong PINs in a row per cashier, and the lock-out they led to (UTC): kept
        -- here so that restarting the kiosk does not give a found badge more tries.
        CREATE TABLE pin_attempts (
            cashier_id TEXT PRIMARY KEY,
            failures INTEGER NOT NULL,
            locked_until TEXT
        );
        """,
    ),
    (
        "0008_incidents",
        """
        -- Loss detection: when the hub holds entries of this terminal that this journal
        -- lacks (a store restored from an older copy, a lost WAL), the hub's head is
        -- kept here and the engine refuses to sell until `kiosk journal recover`.
        ALTER TABLE sync_state ADD COLUMN hub_ahead_seq INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE sync_state ADD COLUMN hub_ahead_hash TEXT;
        -- When the first of the syncs failing since the last success failed (UTC).
        ALTER TABLE sync_state ADD COLUMN failing_since TEXT;
        -- Entries written after a loss under sequence numbers the hub already held for
        -- other entries: moved here by the recovery (kept as evidence) and signed again
        -- after the recovered ones (``resigned_as``), so that no sale is lost.
        CREATE TABLE journal_forked (
            seq INTEGER PRIMARY KEY,
            terminal_id TEXT NOT NULL,
            ts TEXT NOT NULL,
            kind TEXT NOT NULL,
            account TEXT,
            amount INTEGER NOT NULL,
            payload TEXT NOT NULL,
            prev_hash TEXT NOT NULL,
            hash TEXT NOT NULL,
            sig TEXT NOT NULL,
            moved_at TEXT NOT NULL,
            resigned_as INTEGER
        );
        -- The site's open incidents (overdraft, double subsidy) as the hub sends them.
        CREATE TABLE incidents (
            id INTEGER PRIMARY KEY,
            data TEXT NOT NULL
        );
        """,
    ),
    (
        "0010_payments",
        """
        -- Card payments by their reference: an index of the payment_pending,
        -- payment_result and crediting entries, written in their transactions. The
        -- unique columns make a second result or a second credit impossible.
        CREATE TABLE payments (
            ref TEXT PRIMARY KEY,
            purpose TEXT NOT NULL,
            account TEXT,
            amount INTEGER NOT NULL CHECK (amount > 0),
            test INTEGER NOT NULL,
            state TEXT NOT NULL,
            pending_seq INTEGER NOT NULL UNIQUE,
            result_seq INTEGER UNIQUE,
            credit_seq INTEGER UNIQUE,
            created_at TEXT NOT NULL
        );
        CREATE INDEX payments_state ON payments (state);
        """,
    ),
    (
        "0011_orders",
        """
        -- Orders come from the hub as documents ``order``/<code>; this index finds a
        -- diner's, and the next one the orders this terminal cancelled or handed over.
        CREATE INDEX documents_order_account ON documents (json_extract(data, '$.account'))
            WHERE kind = 'order';
        CREATE INDEX journal_order_steps ON journal (json_extract(payload, '$.order'))
            WHERE kind IN ('order_cancel', 'order_collect');
        -- Orders the hub cancelled (quantity reached) that the diner was told of here.
        CREATE TABLE order_notices (
            code TEXT PRIMARY KEY,
            told_at TEXT NOT NULL
        );
        """,
    ),
    (
        "0012_closures",
        """
        -- Closures and the other kinds looked up by kind, latest first.
        CREATE INDEX journal_kind ON journal (kind, seq);
        -- Reprints by ticket: the unique pair makes two duplicates with one number
        -- impossible, written in the transaction of their `duplicate` entry.
        CREATE TABLE duplicates (
            ticket_seq INTEGER NOT NULL,
            number INTEGER NOT NULL,
            seq INTEGER NOT NULL UNIQUE,
            PRIMARY KEY (ticket_seq, number)
        );
        -- Archives written by `kiosk journal archive`, and when the hub took each one.
        CREATE TABLE archives (
            period TEXT PRIMARY KEY,
            path TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            first_seq INTEGER NOT NULL,
            last_seq INTEGER NOT NULL,
            created_at TEXT NOT NULL,
            uploaded_at TEXT
        );
        """,
    ),
]
