"""Checks of a rendered site, for what would break or embarrass once it is published:
every page present and described; nothing loaded from another host (scripts, styles,
images, stylesheet imports such as web fonts); no error output, traceback or unresolved
cross-reference, except in cells marked `error: true`; every internal link, image,
`srcset`, `<source>`, `<iframe>`, `<video>` and `<link>` resolving to a file inside the
site (a link that climbs out of `site/` works on the build machine and 404s when
published); root-relative links under the path of `site-url`; anchors that exist;
figure images with alt text, a width, a height and `loading="lazy"`
(`sitebuild.postrender` sets them); no link without a name for screen readers; the dark
theme's stylesheets not loaded for every reader; prose that prints no Python repr
(`np.int64(16)`, `datetime.date(…)`: see `sitebuild.prose`) and no inline expression
left as code; and every declared resource copied into the site.
"""

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from bs4 import BeautifulSoup, Tag

from sitebuild.prose import LEFT_AS_CODE, python_reprs

ERROR_CLASSES = ("cell-output-error", "cell-output-stderr")
TRACEBACK = "Traceback (most recent call last)"
LIBRARY_DIRS = {"site_libs"}
# Quarto writes an unresolved cross-reference as "?@fig-x" and carries on.
UNRESOLVED_XREF = re.compile(r"\?@((?:fig|tbl|sec|eq|lst)-[\w-]+)")
# Every attribute that makes the browser fetch or link a file.
URL_ATTRIBUTES = (
    ("a", "href"),
    ("img", "src"),
    ("link", "href"),
    ("script", "src"),
    ("source", "src"),
    ("iframe", "src"),
    ("video", "src"),
    ("video", "poster"),
    ("audio", "src"),
    ("track", "src"),
    ("embed", "src"),
)
SRCSET_TAGS = ("img", "source")
# Code (blocks, printed output, `code` in a sentence), where a repr or a call may be
# what the reader is meant to see; an inline expression's value is never set as code.
NOT_PROSE = {"pre", "code", "script", "style", "textarea", "template"}


@dataclass(frozen=True)
class Problem:
    page: str
    message: str

    def __str__(self) -> str:
        return f"{self.page}: {self.message}"


CSS_IMPORT = re.compile(r"""@import\s+(?:url\()?\s*["']?(https?://[^"')\s;]+)""")


@dataclass
class SiteRules:
    """What the checker knows of the project: the pages a render must produce, the path
    the site is served under, declared resources, and which cells may show errors."""

    expected: list[str] = field(default_factory=list)  # site-relative HTML pages
    base_path: str = "/"  # the path of `site-url`, e.g. /devops-for-data-science/
    host: str | None = None  # the host of `site-url`: the only one pages may load from
    resources: list[str] = field(default_factory=list)  # site-relative files to be copied
    # page (site-relative HTML) -> labels of its cells marked `error: true`
    error_cells: Callable[[str], set[str]] = field(default=lambda page: set())


def site_pages(site_dir: Path) -> list[Path]:
    """The one definition of a page of the built site: an HTML file outside site_libs."""
    return sorted(
        page
        for page in site_dir.rglob("*.html")
        if not LIBRARY_DIRS.intersection(page.relative_to(site_dir).parts)
    )


def _ids(soup: BeautifulSoup) -> set[str]:
    return {str(tag["id"]) for tag in soup.find_all(id=True)}


def _urls(soup: BeautifulSoup) -> Iterator[tuple[str, str, str]]:
    """(tag, attribute, url) for every URL the page references."""
    for tag, attr in URL_ATTRIBUTES:
        for element in soup.find_all(tag, attrs={attr: True}):
            yield tag, attr, str(element[attr]).strip()
    for tag in SRCSET_TAGS:
        for element in soup.find_all(tag, attrs={"srcset": True}):
            for candidate in str(element["srcset"]).split(","):
                if candidate.strip():
                    yield tag, "srcset", candidate.split()[0]


def _resolve(
    site_dir: Path, page: Path, url: str, base_path: str
) -> tuple[Path | None, str, str | None] | None:
    """(target file, fragment, problem) for an internal URL; None for external ones."""
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or url.startswith(("mailto:", "javascript:", "data:")):
        return None
    path = unquote(parts.path)
    if not path:
        return page, unquote(parts.fragment), None
    if path.startswith("/"):
        if not path.startswith(base_path):
            return None, "", f"is outside the path the site is served under ({base_path})"
        target = site_dir / path[len(base_path) :]
    else:
        target = page.parent / path
    target = Path(*_normalise(target.parts))
    if not target.is_relative_to(site_dir):
        return None, "", "resolves outside the site folder, so it would 404 when published"
    if target.is_dir() or path.endswith("/"):
        target = target / "index.html"
    return target, unquote(parts.fragment), None


def _normalise(parts: tuple[str, ...]) -> list[str]:
    """Resolve `..` and `.` without touching the file system (no symlinks followed)."""
    out: list[str] = []
    for part in parts:
        if part == "..":
            if len(out) > 1:
                out.pop()
        elif part != ".":
            out.append(part)
    return out


def _cell_label(tag: Tag) -> str | None:
    cell = tag.find_parent("div", class_="cell")
    return str(cell["id"]) if cell is not None and cell.get("id") else None


def has_name(link: Tag) -> bool:
    """Whether a screen reader has something to announce for a link: its text, its
    aria-label or title, or its images' alt text. A link hidden from screen readers
    (aria-hidden, such as the line anchors of code blocks) needs none."""
    if link.get("aria-hidden") == "true":
        return True
    text = " ".join(link.get_text(" ").split())
    alts = " ".join(str(img.get("alt", "")) for img in link.find_all("img"))
    return bool(
        (text + str(link.get("aria-label", "")) + str(link.get("title", "")) + alts).strip()
    )


def prose_problems(soup: BeautifulSoup) -> list[str]:
    """Python reprs printed in a page's prose (its text outside code), and inline
    expressions Quarto left as code."""
    problems = []
    texts = [
        str(text)
        for text in soup.find_all(string=True)
        if not any(parent.name in NOT_PROSE for parent in text.parents)
    ]
    reprs = list(dict.fromkeys(r for text in texts for r in python_reprs(text)))
    if reprs:
        count = sum(len(python_reprs(text)) for text in texts)
        problems.append(
            f"prints {count} Python repr(s) in its prose: {', '.join(reprs)} (format each "
            'value in the page: int(x), f"{x:,}", str(x), date.isoformat())'
        )
    for code in soup.find_all("code"):
        text = " ".join(code.get_text().split())
        if text.startswith(f"{LEFT_AS_CODE} ") and code.find_parent("pre") is None:
            problems.append(
                f"shows an inline expression as code, not its value: `{text}` (Quarto leaves "
                "one whose value is empty)"
            )
    return problems


def figure_images(soup: BeautifulSoup) -> list[tuple[Tag, int | None]]:
    """Every `<img>` in document order with the figure it belongs to: figures numbered in
    order, one per outermost `<figure>` (a figure's light and dark renderings are one
    figure), or the image alone if it has class `figure-img` outside any; None for an
    image that is no figure's (a logo, an icon)."""
    numbers: dict[int, int] = {}  # id of the outermost <figure> -> its number
    images = []
    for img in soup.find_all("img"):
        around = img.find_parents("figure")
        if around:
            figure = numbers.setdefault(id(around[-1]), len(numbers))
        elif "figure-img" in img.get("class", []):
            figure = numbers.setdefault(id(img), len(numbers))
        else:
            figure = None
        images.append((img, figure))
    return images


def check_page(
    site_dir: Path, page: Path, cache: dict[Path, set[str]], rules: SiteRules
) -> list[Problem]:
    """All problems found in one rendered HTML page."""
    name = page.relative_to(site_dir).as_posix()
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    cache.setdefault(page, _ids(soup))
    problems: list[Problem] = []
    allowed = rules.error_cells(name)

    shown_on_purpose: list[Tag] = []
    for css in ERROR_CLASSES:
        for tag in soup.select(f".{css}"):
            label = _cell_label(tag)
            if css == "cell-output-error" and label in allowed:
                shown_on_purpose.append(tag)
                continue
            text = " ".join(tag.get_text(" ").split())[:200]
            where = f" in cell {label}" if label else ""
            problems.append(Problem(name, f"error output ({css}){where}: {text}"))
    for tag in shown_on_purpose:
        tag.decompose()  # its traceback is meant to be seen
    body_text = soup.get_text(" ")
    if TRACEBACK in body_text:
        problems.append(Problem(name, f"contains a traceback ({TRACEBACK!r})"))
    for label in sorted(set(UNRESOLVED_XREF.findall(body_text))):
        problems.append(Problem(name, f"unresolved cross-reference @{label}"))
    problems += [Problem(name, problem) for problem in prose_problems(soup)]

    description = soup.find("meta", attrs={"name": "description"})
    if description is None or not str(description.get("content", "")).strip():
        problems.append(
            Problem(name, "has no description (set `description:` in its front matter)")
        )

    for tag, attr, url in _urls(soup):
        host = urlsplit(url).netloc
        if host and tag != "a" and host != rules.host:
            problems.append(Problem(name, f"loads <{tag} {attr}={url!r}> from another host"))
            continue
        resolved = _resolve(site_dir, page, url, rules.base_path)
        if resolved is None:
            continue
        target, fragment, problem = resolved
        if problem or target is None:
            problems.append(Problem(name, f"broken link: <{tag} {attr}={url!r}> {problem}"))
            continue
        if not target.is_file():
            problems.append(
                Problem(name, f"broken link: <{tag} {attr}={url!r}> (no {target.name})")
            )
            continue
        if fragment and target.suffix == ".html":
            if target not in cache:
                cache[target] = _ids(
                    BeautifulSoup(target.read_text(encoding="utf-8"), "html.parser")
                )
            if fragment not in cache[target]:
                problems.append(Problem(name, f"broken anchor: {url!r} (no id {fragment!r})"))

    for link in soup.find_all("link", class_="quarto-color-alternate"):
        if "stylesheet" in link.get("rel", []):  # bs4 splits rel into its words
            problems.append(
                Problem(name, f"loads a dark-theme stylesheet for every reader: {link['href']!r}")
            )
    for link in soup.find_all("a", href=True):
        if not has_name(link):
            problems.append(
                Problem(name, f"link without a name for screen readers: {str(link)[:120]!r}")
            )

    for img, figure in figure_images(soup):
        src = img.get("src", "?")
        alt = img.get("alt")
        if alt is None or (figure is not None and not str(alt).strip()):
            problems.append(Problem(name, f"image without alt text: {src!r}"))
        if figure is None:
            continue
        if not (str(img.get("width", "")).strip() and str(img.get("height", "")).strip()):
            problems.append(Problem(name, f"figure image without width and height: {src!r}"))
        if img.get("loading") != "lazy":
            problems.append(Problem(name, f"figure image not lazy-loaded: {src!r}"))
    return problems


def check_site(site_dir: Path, rules: SiteRules | list[str]) -> list[Problem]:
    """Problems across a rendered site; an empty list means it passed.

    `rules` may be just the list of HTML pages that must exist.
    """
    if isinstance(rules, list):
        rules = SiteRules(expected=rules)
    if not site_dir.is_dir():
        return [Problem(str(site_dir), "no rendered site here: run `make site` first")]
    site_dir = Path(*_normalise(site_dir.absolute().parts))
    problems = [
        Problem(html, "page missing from the rendered site")
        for html in rules.expected
        if not (site_dir / html).is_file()
    ]
    problems += [
        Problem(resource, "declared resource missing from the rendered site")
        for resource in rules.resources
        if not (site_dir / resource).is_file()
    ]
    for stylesheet in sorted(site_dir.rglob("*.css")):
        for url in CSS_IMPORT.findall(stylesheet.read_text(encoding="utf-8", errors="replace")):
            if urlsplit(url).netloc != rules.host:
                name = stylesheet.relative_to(site_dir).as_posix()
                problems.append(Problem(name, f"imports {url!r} from another host"))
    cache: dict[Path, set[str]] = {}
    for page in site_pages(site_dir):
        problems.extend(check_page(site_dir, page, cache, rules))
    return problems


def rules_for(project) -> SiteRules:  # project: sitebuild.project.QuartoProject
    """The checker's rules for a Quarto project: its pages, its site path, its declared
    resources (hidden files aside, as Quarto skips them) and its `error: true` cells."""
    from sitebuild.pages import parse_qmd

    resources = project.resource_files()

    def error_cells(html: str) -> set[str]:
        source = project.page_for_html(html)
        if source is None:
            return set()
        page = parse_qmd(source, project)
        return {
            str(cell.options["label"])
            for cell in page.cells
            if "label" in cell.options and page.options(cell).get("error") is True
        }

    return SiteRules(
        expected=project.expected_html(),
        base_path=project.site_path,
        host=urlsplit(project.site_url or "").netloc or None,
        resources=resources,
        error_cells=error_cells,
    )
