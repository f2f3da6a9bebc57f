"""A stand-in for a program that takes its time to write a file (an export, a
download): it copies a file into place in pieces, with a pause after each, from a
process of its own, so a file watcher meets a file that is still being written.

    python -m dsops.shared.slow_copy SOURCE TARGET --pieces 6 --pause 0.25 [--wait 0.5]

It prints, on stdout, the time (seconds since the epoch) at which it finished.
"""

import argparse
import subprocess
import sys
import time
from pathlib import Path


def copy_slowly(source: Path, target: Path, pieces: int, pause: float) -> float:
    """Write `source`'s bytes to `target` in `pieces` parts, flushed one at a time with
    `pause` seconds after each but the last; return the time the file was complete."""
    data = Path(source).read_bytes()
    size = -(-len(data) // pieces)  # the pieces' size, rounded up
    with open(target, "wb") as handle:
        for start in range(0, len(data), size):
            handle.write(data[start : start + size])
            handle.flush()
            if start + size < len(data):
                time.sleep(pause)
    return time.time()


def start_copy_slowly(
    source: Path, target: Path, pieces: int, pause: float, wait: float = 0.0
) -> subprocess.Popen:
    """`copy_slowly` in a new process, after `wait` seconds; read its stdout (or call
    `finished_at`) for the time the copy was complete."""
    command = [sys.executable, "-m", "dsops.shared.slow_copy", str(source), str(target)]
    options = ["--pieces", str(pieces), "--pause", str(pause), "--wait", str(wait)]
    return subprocess.Popen([*command, *options], stdout=subprocess.PIPE, text=True)


def finished_at(process: subprocess.Popen, timeout: float = 30) -> float:
    """When a copy started by `start_copy_slowly` was complete (waits for it to end)."""
    out, _ = process.communicate(timeout=timeout)
    if process.returncode != 0:
        raise RuntimeError(f"the slow copy failed with exit code {process.returncode}")
    return float(out)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", type=Path)
    parser.add_argument("target", type=Path)
    parser.add_argument("--pieces", type=int, default=5)
    parser.add_argument("--pause", type=float, default=0.2)
    parser.add_argument("--wait", type=float, default=0.0)
    args = parser.parse_args(argv)
    time.sleep(args.wait)
    print(copy_slowly(args.source, args.target, args.pieces, args.pause))


if __name__ == "__main__":
    main()
