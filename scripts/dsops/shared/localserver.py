"""Run a server command on this machine for as long as a `with` block lasts: for tests
and benchmarks that need the real server, not an in-process one.

The command listens on loopback and says where on stderr (a line with its
`http://127.0.0.1:<port>` URL, so it can take any free port itself and no two runs
race for one); the block starts once a health URL answers 200. Everything has a
deadline, and the process is always stopped, however the block ends. What the server
writes goes to a file (`log`), never to a pipe nobody reads, which would fill and
stall it.
"""

import re
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from dsops.shared.errors import DsopsError

LOOPBACK_URL = re.compile(r"http://127\.0\.0\.1:\d+")
STOP_TIMEOUT_S = 10.0
NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback is direct


@dataclass(frozen=True)
class RunningServer:
    url: str  # http://127.0.0.1:<port>
    log: Path  # the server's stdout and stderr
    process: subprocess.Popen

    def log_lines(self) -> list[str]:
        return self.log.read_text(encoding="utf-8", errors="replace").splitlines()


@contextmanager
def local_server(
    command: list[str], health_path: str = "/health", timeout_s: float = 60.0
) -> Iterator[RunningServer]:
    """Start `command`, wait (at most `timeout_s`) for its URL and a 200 from its health
    path, yield it, and stop it afterwards."""
    with tempfile.TemporaryDirectory(prefix="dsops-server-") as folder:
        log = Path(folder) / "server.log"
        with open(log, "wb") as output:
            process = subprocess.Popen(
                command, stdout=output, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
            )
        try:
            deadline = time.monotonic() + timeout_s
            url = _announced_url(process, log, deadline)
            _wait_for_health(process, url + health_path, log, deadline)
            yield RunningServer(url, log, process)
        finally:
            stop(process)


def stop(process: subprocess.Popen) -> None:
    """SIGTERM (a graceful shutdown), then SIGKILL if it takes over STOP_TIMEOUT_S."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=STOP_TIMEOUT_S)


def _tail(log: Path) -> str:
    lines = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    return " / ".join(lines[-5:]) or "(nothing)"


def _announced_url(process: subprocess.Popen, log: Path, deadline: float) -> str:
    while time.monotonic() < deadline:
        found = LOOPBACK_URL.search(log.read_text(encoding="utf-8", errors="replace"))
        if found:
            return found.group(0)
        if process.poll() is not None:
            raise DsopsError(
                f"the server ({process.args[0]}) exited with code {process.returncode} "
                f"before it listened; it said: {_tail(log)}"
            )
        time.sleep(0.05)
    raise DsopsError(f"the server named no http://127.0.0.1 URL in time; it said: {_tail(log)}")


def _wait_for_health(process: subprocess.Popen, url: str, log: Path, deadline: float) -> None:
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise DsopsError(
                f"the server exited with code {process.returncode} before {url} answered; "
                f"it said: {_tail(log)}"
            )
        try:
            with NO_PROXY.open(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass  # not listening yet
        time.sleep(0.05)
    raise DsopsError(f"{url} did not answer 200 in time; the server said: {_tail(log)}")
