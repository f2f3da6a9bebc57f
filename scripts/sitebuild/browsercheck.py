"""Open every page of a folder of HTML in Chromium, as readers will, and report what
breaks: a console error or uncaught exception, a failed request (network error or
HTTP status >= 400), a request to any host other than the local server (blocked, so
it is never fetched, and recorded), a document wider than the window (the reader
scrolls sideways: on a phone, a figure or table that does not fit the column), and
axe-core's accessibility violations.

Each page is opened in three modes: a desktop window in light mode, the same in dark
mode, and a phone (390 x 844, touch) in light mode. Dark mode is the browser's
`prefers-color-scheme` and Quarto's own toggle: Quarto keeps the reader's choice in
localStorage (`quarto-color-scheme`: "default" for the first theme of `theme:`,
"alternate" for the second), so it is set before the page loads, and if the page still
shows the other theme its toggle (`window.quartoToggleColorScheme`) switches it. Pages
are scrolled to the bottom so lazy-loaded images are fetched and checked too.

Playwright for Python drives the system's Chromium (`executable_path`): no browser is
downloaded.
"""

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit

from dsops.shared.errors import DsopsError
from sitebuild import browser
from sitebuild.serve import serve

LOAD_TIMEOUT_MS = 30_000
IDLE_TIMEOUT_MS = 15_000
THEME_SENTINEL = {"light": "default", "dark": "alternate"}  # Quarto: light theme first


@dataclass(frozen=True)
class Mode:
    name: str
    color_scheme: str  # "light" or "dark"
    width: int
    height: int
    phone: bool = False


MODES = (
    Mode("light", "light", 1280, 800),
    Mode("dark", "dark", 1280, 800),
    Mode("phone", "light", 390, 844, phone=True),
)


@dataclass(frozen=True)
class Finding:
    page: str
    mode: str
    problem: str

    def __str__(self) -> str:
        return f"{self.page} [{self.mode}]: {self.problem}"


SCROLL_TO_BOTTOM = """async () => {
  for (let y = 0; y < document.documentElement.scrollHeight; y += window.innerHeight / 2) {
    window.scrollTo(0, y);
    await new Promise((done) => setTimeout(done, 30));
  }
  window.scrollTo(0, 0);
}"""
THEME_STATE = """() => ({
  toggle: typeof window.quartoToggleColorScheme === "function",
  dark: document.body.classList.contains("quarto-dark"),
})"""
# The document's width, and the elements that stick out past the screen's right edge
# without an ancestor that scrolls or clips them (those are what make the page wider).
# The screen's width is passed in: a phone browser zooms out to fit a page too wide,
# which widens window.innerWidth with it.
PAGE_WIDTH = """(width) => {
  const clips = (el) => {
    for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
      if (getComputedStyle(up).overflowX !== "visible") return true;
    }
    return false;
  };
  const name = (el) => el.tagName.toLowerCase() + (el.classList[0] ? "." + el.classList[0] : "");
  const wide = [...document.body.querySelectorAll("*")]
    .filter((el) => el.getBoundingClientRect().right > width + 1 && !clips(el))
    .map((el) => `${name(el)} (${Math.round(el.getBoundingClientRect().right)} px)`);
  return { document: document.documentElement.scrollWidth, wide: wide };
}"""
AXE_RUN = """async () => {
  const result = await axe.run(document, { resultTypes: ["violations"] });
  return result.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    targets: v.nodes.map((node) => node.target.map(String).join(" ")),
  }));
}"""


def _local_path(url: str, base: str) -> str:
    """A local URL as the site-relative path a reader of the report recognises."""
    return "/" + url.removeprefix(base) if url.startswith(base) else url


class _PageWatch:
    """What the browser reports while one page loads, less the echoes: a resource that
    failed is reported once, not again as the console's "Failed to load resource"."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.problems: list[str] = []
        self.failed_urls: set[str] = set()
        self.console: list[tuple[str, str]] = []  # (text, url the message is about)
        self.blocked: list[str] = []

    def on_console(self, message) -> None:
        if message.type == "error":
            self.console.append((message.text, message.location.get("url", "")))

    def on_page_error(self, error) -> None:
        self.problems.append(f"uncaught exception: {error}")

    def on_request_failed(self, request) -> None:
        if request.url in self.blocked or request.url in self.failed_urls:
            return  # blocked on purpose, or already reported with its HTTP status
        self.failed_urls.add(request.url)
        where = _local_path(request.url, self.base)
        self.problems.append(f"request failed: {where} ({request.failure})")

    def on_response(self, response) -> None:
        if response.status >= 400:
            self.failed_urls.add(response.url)
            where = _local_path(response.url, self.base)
            self.problems.append(f"HTTP {response.status}: {where}")

    def findings(self) -> list[str]:
        echoes = self.failed_urls | set(self.blocked)
        console = [
            f"console error: {text}"
            for text, url in self.console
            if not (text.startswith("Failed to load resource") and url in echoes)
        ]
        other_hosts = [f"request to another host: {url}" for url in self.blocked]
        return list(dict.fromkeys(console + self.problems + other_hosts))


def _open_page(
    context, blocked: list[str], url: str, base: str, mode: Mode, axe: Path
) -> list[str]:
    from playwright.sync_api import Error as PlaywrightError

    watch = _PageWatch(base)
    blocked.clear()
    watch.blocked = blocked  # the context's route handler records other hosts here
    page = context.new_page()
    page.on("console", watch.on_console)
    page.on("pageerror", watch.on_page_error)
    page.on("requestfailed", watch.on_request_failed)
    page.on("response", watch.on_response)
    try:
        page.goto(url, wait_until="load", timeout=LOAD_TIMEOUT_MS)
        page.evaluate(SCROLL_TO_BOTTOM)
        _settle(page, watch)
        theme = page.evaluate(THEME_STATE)
        if theme["toggle"] and theme["dark"] != (mode.color_scheme == "dark"):
            page.evaluate("() => window.quartoToggleColorScheme()")
            _settle(page, watch)
            if page.evaluate(THEME_STATE)["dark"] != (mode.color_scheme == "dark"):
                watch.problems.append(f"the page does not switch to its {mode.color_scheme} theme")
        width = page.evaluate(PAGE_WIDTH, mode.width)
        if width["document"] > mode.width:
            wide = list(dict.fromkeys(width["wide"]))
            named = f": {', '.join(wide[:3])}" + (" and more" if len(wide) > 3 else "")
            watch.problems.append(
                f"the page is {width['document']} px wide in a {mode.width} px window, so "
                f"the reader scrolls sideways{named if wide else ''}"
            )
        page.add_script_tag(path=str(axe))
        for violation in page.evaluate(AXE_RUN):
            targets = violation["targets"]
            more = f" and {len(targets) - 1} more" if len(targets) > 1 else ""
            watch.problems.append(
                f"axe {violation['id']} ({violation['impact']}): {targets[0]}{more}"
            )
    except PlaywrightError as err:
        watch.problems.append(f"could not be checked: {str(err).splitlines()[0]}")
    finally:
        page.close()
    return watch.findings()


def _settle(page, watch: _PageWatch) -> None:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_load_state("networkidle", timeout=IDLE_TIMEOUT_MS)
    except PlaywrightTimeout:
        watch.problems.append(f"still loading after {IDLE_TIMEOUT_MS // 1000} s")


def check_pages(
    folder: Path, pages: list[str] | None = None, modes: tuple[Mode, ...] = MODES
) -> list[Finding]:
    """Every problem found on the pages (site-relative HTML paths; default: every page
    of the folder) in every mode; an empty list means they all passed."""
    pages = browser.pages_to_check(folder, pages)
    chrome = browser.chrome_path()
    axe = browser.axe_script()
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise DsopsError(
            "Playwright for Python is not installed: run `make setup` (it is a dev dependency)."
        ) from None
    findings: list[Finding] = []
    with serve(folder) as base, sync_playwright() as playwright:
        try:
            chromium = playwright.chromium.launch(
                executable_path=str(chrome), args=list(browser.CHROME_FLAGS)
            )
        except PlaywrightError as err:
            raise DsopsError(
                f"{chrome} did not start: {str(err).splitlines()[0]} (set {browser.CHROME_ENV} "
                "to a working Chrome or Chromium)."
            ) from None
        local = urlsplit(base).netloc
        try:
            for mode in modes:
                blocked: list[str] = []
                context = _new_context(chromium, mode, local, blocked)
                for name in pages:
                    url = base + quote(name)
                    for problem in _open_page(context, blocked, url, base, mode, axe):
                        findings.append(Finding(name, mode.name, problem))
                context.close()
        finally:
            chromium.close()
    order = {mode.name: i for i, mode in enumerate(modes)}
    return sorted(findings, key=lambda f: (pages.index(f.page), order[f.mode]))


def _new_context(chromium, mode: Mode, local_host: str, blocked: list[str]):
    context = chromium.new_context(
        viewport={"width": mode.width, "height": mode.height},
        is_mobile=mode.phone,
        has_touch=mode.phone,
        device_scale_factor=3 if mode.phone else 1,
        color_scheme=mode.color_scheme,
        service_workers="block",
    )
    sentinel = THEME_SENTINEL[mode.color_scheme]
    context.add_init_script(
        f"try {{ localStorage.setItem('quarto-color-scheme', '{sentinel}'); }} catch (e) {{}}"
    )

    def only_the_local_server(route, request) -> None:
        if urlsplit(request.url).netloc == local_host or request.url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            blocked.append(request.url)
            route.abort("blockedbyclient")

    context.route("**/*", only_the_local_server)
    return context
