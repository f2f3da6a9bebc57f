"""A throwaway PostgreSQL server, from the system's packages, for demos and tests.

It lives in a temporary folder with a short path (a Unix socket path must stay under
about 100 characters), listens on loopback only, and is removed by `stop()`. PostgreSQL
refuses to run as root, so as root every server command runs as the `postgres` user
that Debian's package creates. The server has one user, `analyst`, with a password made
up for this server alone, and one database, `penguins`.

Debian installs the server programs in /usr/lib/postgresql/<version>/bin, not on PATH;
they are looked for there after PATH.
"""

import atexit
import glob
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

from dsops.shared.errors import DsopsError

USER, DATABASE = "analyst", "penguins"
TIMEOUT = 60  # seconds for each server command; starting takes about one


def server_bin() -> Path | None:
    """The folder of pg_ctl and initdb: on PATH, else the newest Debian install."""
    on_path = shutil.which("pg_ctl")
    if on_path and shutil.which("initdb"):
        return Path(on_path).resolve().parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=_version)
    return Path(versions[-1]).parent if versions else None


def _version(path: str) -> float:
    try:
        return float(Path(path).parent.parent.name)
    except ValueError:
        return 0.0


def unavailable() -> str:
    """Why a server cannot be started here ("" when it can)."""
    if server_bin() is None:
        return (
            "PostgreSQL's server programs (pg_ctl, initdb) are not installed: run "
            "`make postgresql` (Debian: apt-get install postgresql)"
        )
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        return "running as root needs runuser to start PostgreSQL as the postgres user"
    return ""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class TemporaryPostgres:
    """`with TemporaryPostgres() as server:` a running server; `server.url()` its URL.
    `start()` and `stop()` do the same by hand; a started server is also stopped when
    the Python process ends."""

    def __init__(self) -> None:
        self.password = secrets.token_urlsafe(16)  # made up here, never written in code
        self.folder: Path | None = None
        self.port = 0

    def _run(self, *command: str) -> subprocess.CompletedProcess:
        as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        bin_dir = server_bin()
        if bin_dir is None:
            raise DsopsError(f"cannot start PostgreSQL: {unavailable()}.")
        done = subprocess.run(
            [*as_postgres, str(bin_dir / command[0]), *command[1:]],
            capture_output=True, text=True, timeout=TIMEOUT, cwd="/",
        )  # fmt: skip
        if done.returncode != 0:
            raise DsopsError(f"PostgreSQL's {command[0]} failed: {done.stderr.strip()}")
        return done

    def start(self) -> "TemporaryPostgres":
        reason = unavailable()
        if reason:
            raise DsopsError(f"cannot start PostgreSQL: {reason}.")
        self.folder = Path(tempfile.mkdtemp(prefix="pg", dir="/tmp"))  # a short socket path
        atexit.register(self.stop)  # at the latest when this process ends
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres")
        password_file = self.folder / "password"
        password_file.write_text(self.password + "\n", encoding="utf-8")
        password_file.chmod(0o644)
        data = self.folder / "data"
        self._run(
            "initdb", "-D", str(data), "-U", USER, f"--pwfile={password_file}",
            "--auth-local=trust", "--auth-host=scram-sha-256", "--no-sync", "-E", "UTF8",
        )  # fmt: skip
        password_file.unlink()
        self.port = free_port()
        options = f"-k {self.folder} -h 127.0.0.1 -p {self.port} -F"
        self._run("pg_ctl", "-D", str(data), "-o", options, "-l", str(self.folder / "log"),
                  "-w", "-s", "start")  # fmt: skip
        self._run("createdb", "-h", str(self.folder), "-p", str(self.port), "-U", USER, DATABASE)
        return self

    def url(self, password: str | None = None) -> str:
        """The server's URL for SQLAlchemy over TCP on loopback, with this password (by
        default the right one)."""
        return (
            f"postgresql+psycopg://{USER}:{password or self.password}"
            f"@127.0.0.1:{self.port}/{DATABASE}"
        )

    def stop(self) -> None:
        """Stop the server and remove its folder (also after a failed start)."""
        if self.folder is None:
            return
        try:
            if (self.folder / "data" / "postmaster.pid").exists():
                self._run(
                    "pg_ctl", "-D", str(self.folder / "data"), "-w", "-s", "-m", "fast", "stop"
                )
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None

    def __enter__(self) -> "TemporaryPostgres":
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc_info) -> None:
        self.stop()
