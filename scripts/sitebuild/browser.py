"""Where the browser checks find their tools: a Chrome or Chromium from the system (path
in CHROME_PATH, the variable Lighthouse's chrome-launcher reads, else Debian's
/usr/bin/chromium), Node.js, and the npm packages `lighthouse` and `axe-core` that
`make browser-tools` installs into tools/browser with `npm ci`. A missing tool is one
sentence naming it and the command that installs it."""

import os
import shutil
from pathlib import Path

from dsops.shared import paths
from dsops.shared.errors import DsopsError
from sitebuild.sitecheck import site_pages

TOOLS_DIR = paths.PROJ_ROOT / "tools" / "browser"
NODE_MODULES = TOOLS_DIR / "node_modules"
LIGHTHOUSE_CLI = NODE_MODULES / "lighthouse" / "cli" / "index.js"
AXE_SCRIPT = NODE_MODULES / "axe-core" / "axe.min.js"
CHROME_ENV = "CHROME_PATH"
DEFAULT_CHROME = Path("/usr/bin/chromium")
# Headless, and nothing that reaches out by itself: without the background-networking
# flags Chromium's own connections (updates, sync, QUIC probes) are refused on a closed
# network and show as errors that are not the page's.
CHROME_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
INSTALL = "make browser-tools"


def chrome_path(environ: dict[str, str] | None = None) -> Path:
    """The Chrome or Chromium to drive: CHROME_PATH if set, else /usr/bin/chromium."""
    environ = dict(os.environ) if environ is None else environ
    named = environ.get(CHROME_ENV, "").strip()
    if named:
        path = Path(named)
        if not (path.is_file() and os.access(path, os.X_OK)):
            raise DsopsError(
                f"{CHROME_ENV}={named} is not an executable: point it at Chrome or Chromium, "
                f"or unset it to use {DEFAULT_CHROME}."
            )
        return path
    if not (DEFAULT_CHROME.is_file() and os.access(DEFAULT_CHROME, os.X_OK)):
        raise DsopsError(
            f"Chromium is not installed at {DEFAULT_CHROME}: install it with `{INSTALL}` "
            f"(as root on Debian) or `sudo apt-get install chromium`, or set {CHROME_ENV} "
            "to a Chrome or Chromium executable."
        )
    return DEFAULT_CHROME


def node_path() -> Path:
    """The `node` executable on PATH."""
    found = shutil.which("node")
    if found is None:
        raise DsopsError(
            "Node.js is not installed (no `node` on PATH): install Node.js 18.16 or newer "
            "with npm (Debian: `sudo apt-get install nodejs npm`), then run "
            f"`{INSTALL}`."
        )
    return Path(found)


def npm_file(path: Path, package: str) -> Path:
    """A file of an npm package installed in tools/browser."""
    if not path.is_file():
        raise DsopsError(
            f"the npm package {package} is not installed in "
            f"{paths.project_relative(TOOLS_DIR)}: run `{INSTALL}` (npm ci)."
        )
    return path


def lighthouse_cli() -> Path:
    return npm_file(LIGHTHOUSE_CLI, "lighthouse")


def axe_script() -> Path:
    return npm_file(AXE_SCRIPT, "axe-core")


def pages_to_check(folder: Path, pages: list[str] | None) -> list[str]:
    """The pages to open, site-relative: those named, each checked to exist, else every
    page of the folder (its HTML files outside site_libs)."""
    if not folder.is_dir():
        raise DsopsError(
            f"{folder} is not a folder: build the site first (make site) or name a folder of HTML."
        )
    if not pages:
        pages = [page.relative_to(folder).as_posix() for page in site_pages(folder)]
        if not pages:
            raise DsopsError(f"{folder} has no HTML pages: build the site first (make site).")
    for page in pages:
        if not (folder / page).is_file():
            raise DsopsError(f"{folder / page} does not exist: name a page of {folder}.")
    return pages
