"""A throwaway PostgreSQL server for benchmarks: Debian's ``postgresql`` binaries,
``initdb`` in a temporary folder, a Unix socket there, stopped and removed at the end.

Unlike the tests' server (``scripts/test-postgres``: no fsync, for speed), this one
keeps PostgreSQL's durable defaults (``fsync``, ``synchronous_commit``), so that the
figures compare with a SQLite hub that flushes every commit. As root the server runs
as the ``postgres`` user, which PostgreSQL requires.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from types import TracebackType

USER, DATABASE = "kiosk", "bench"


def _bindir() -> Path:
    for found in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (found / "initdb").exists():
            return found
    initdb = shutil.which("initdb")
    if initdb is None:
        raise RuntimeError("PostgreSQL is not installed (Debian's postgresql package)")
    return Path(initdb).parent


class PgServer:
    """``with PgServer() as dsn:`` a durable throwaway server and the DSN of its
    ``bench`` database."""

    def __init__(self, max_connections: int = 300) -> None:
        self.max_connections = max_connections
        self.base = Path(tempfile.mkdtemp(prefix="bench-pg-"))
        self.bin = _bindir()

    def _run(self, *command: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*prefix, *command], check=True, capture_output=True, timeout=120)

    @property
    def dsn(self) -> str:
        return f"postgresql://{USER}@/{DATABASE}?host={self.base}"

    def __enter__(self) -> str:
        self.base.chmod(0o700)
        if os.geteuid() == 0:
            shutil.chown(self.base, "postgres", "postgres")
        data = str(self.base / "data")
        self._run(str(self.bin / "initdb"), "-D", data, "-U", USER, "--auth=trust",
                  "--no-locale", "--encoding=UTF8")  # fmt: skip
        options = (
            f"-c listen_addresses='' -c unix_socket_directories='{self.base}' "
            f"-c max_connections={self.max_connections} -c shared_buffers=128MB"
        )
        log = str(self.base / "server.log")
        self._run(str(self.bin / "pg_ctl"), "-D", data, "-l", log, "-w", "-t", "60",
                  "-o", options, "start")  # fmt: skip
        self._run(str(self.bin / "psql"), "-q", "-h", str(self.base), "-U", USER,
                  "-d", "postgres", "-c", f"CREATE DATABASE {DATABASE}")  # fmt: skip
        return self.dsn

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.base / "data"), "-m", "fast",
                      "-w", "stop")  # fmt: skip
        finally:
            shutil.rmtree(self.base, ignore_errors=True)
