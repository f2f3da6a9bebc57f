"""Demonstrations for connecting to data safely: a secret committed to a throwaway git
repository and caught by a secret scanner (detect-secrets, from PyPI), and an injection
that string formatting lets through and a bound parameter stops.

Everything runs in folders and databases the caller creates and removes.
"""

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from dsops.practices.gitdemo import git
from dsops.practices.terminal import plain_env
from dsops.shared.connections import connect
from dsops.shared.errors import DsopsError

SCAN_TIMEOUT = 120  # seconds; a scan of a tiny repository takes about one


def repository_with_secret(folder: Path, url: str) -> Path:
    """A git repository in which an analyst committed a database URL with its password
    in `settings.py`, and keeps a second copy in `.env`, which git ignores."""
    repo = folder / "analysis"
    repo.mkdir(parents=True)
    git(repo, "init", "--quiet")
    (repo / ".gitignore").write_text(".env\n", encoding="utf-8")
    (repo / ".env").write_text(f"DSOPS_DATABASE_URL={url}\n", encoding="utf-8")
    (repo / "settings.py").write_text(
        f'"""Where the analysis reads its data."""\n\nDATABASE_URL = "{url}"\n', encoding="utf-8"
    )
    git(repo, "add", ".gitignore", "settings.py")
    git(repo, "commit", "--quiet", "-m", "Connect the analysis to the database")
    return repo


def scan_for_secrets(repo: Path) -> pd.DataFrame:
    """What detect-secrets finds in the files git tracks: one row per finding (file,
    line, kind of secret). The secrets themselves are never printed: only their hashes
    are in the scanner's report."""
    scanner = Path(sys.executable).with_name("detect-secrets")
    done = subprocess.run(
        [str(scanner), "scan"], cwd=repo, env=plain_env(), capture_output=True, text=True,
        timeout=SCAN_TIMEOUT,
    )  # fmt: skip
    if done.returncode != 0:
        raise DsopsError(f"detect-secrets failed in {repo}: {done.stderr.strip()}")
    results = json.loads(done.stdout)["results"]
    rows = [
        {"file": file, "line": found["line_number"], "kind": found["type"]}
        for file, findings in results.items()
        for found in findings
    ]
    return pd.DataFrame(rows, columns=["file", "line", "kind"])


# --- injection -------------------------------------------------------------------------


def make_throwaway_table(url: str) -> None:
    """A small table `birds` (three rows) to attack, at `url`."""
    rows = pd.DataFrame({"name": ["a", "b", "c"], "island": ["Biscoe", "Dream", "Dream"]})
    with connect(url, writable=True) as con, con.begin():
        con.execute(sa.text("DROP TABLE IF EXISTS birds"))
        rows.to_sql("birds", con, index=False)


def count_formatted(url: str, island: str) -> int | None:
    """DO NOT COPY: the island pasted into the SQL text with string formatting, so the
    text a user types becomes part of the query (None when the last statement the text
    turned into returned no count)."""
    with connect(url, writable=True) as con, con.begin():
        result = con.exec_driver_sql(f"SELECT count(*) FROM birds WHERE island = '{island}'")
        return int(result.scalar()) if result.returns_rows else None


def count_bound(url: str, island: str) -> int:
    """The island sent as a bound parameter: the driver passes it apart from the SQL
    text, as a value, whatever it contains."""
    with connect(url, writable=True) as con, con.begin():
        query = sa.text("SELECT count(*) FROM birds WHERE island = :island")
        return int(con.execute(query, {"island": island}).scalar() or 0)


def table_rows(url: str) -> int | None:
    """How many rows `birds` has, or None if it is gone."""
    with connect(url) as con:
        if not sa.inspect(con).has_table("birds"):
            return None
        return int(con.execute(sa.text("SELECT count(*) FROM birds")).scalar())
