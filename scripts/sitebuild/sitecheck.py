"""Checks of a rendered site: every page present, no error output, every internal link,
anchor and image resolving, every figure image with alt text, every page described."""

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from bs4 import BeautifulSoup

ERROR_CLASSES = ("cell-output-error", "cell-output-stderr")
ERROR_TEXT = ("Traceback (most recent call last)",)
LIBRARY_DIRS = {"site_libs"}
# Quarto writes an unresolved cross-reference as "?@fig-x" and carries on.
UNRESOLVED_XREF = re.compile(r"\?@((?:fig|tbl|sec|eq|lst)-[\w-]+)")


@dataclass(frozen=True)
class Problem:
    page: str
    message: str

    def __str__(self) -> str:
        return f"{self.page}: {self.message}"


def _ids(soup: BeautifulSoup) -> set[str]:
    return {tag["id"] for tag in soup.find_all(id=True)}


def _resolve(site_dir: Path, page: Path, url: str) -> tuple[Path, str] | None:
    """The file an internal URL points at, and its fragment; None for external URLs."""
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or url.startswith(("mailto:", "javascript:", "data:")):
        return None
    path = unquote(parts.path)
    if not path:
        target = page
    elif path.startswith("/"):
        target = site_dir / path.lstrip("/")
    else:
        target = (page.parent / path).resolve()
    if target.is_dir():
        target = target / "index.html"
    return target, unquote(parts.fragment)


def check_page(site_dir: Path, page: Path, cache: dict[Path, set[str]]) -> list[Problem]:
    """All problems found in one rendered HTML page."""
    name = page.relative_to(site_dir).as_posix()
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    cache.setdefault(page.resolve(), _ids(soup))
    problems: list[Problem] = []

    for css in ERROR_CLASSES:
        for tag in soup.select(f".{css}"):
            text = " ".join(tag.get_text(" ").split())[:200]
            problems.append(Problem(name, f"error output ({css}): {text}"))
    body_text = soup.get_text(" ")
    for marker in ERROR_TEXT:
        if marker in body_text:
            problems.append(Problem(name, f"contains a traceback ({marker!r})"))
    for label in sorted(set(UNRESOLVED_XREF.findall(body_text))):
        problems.append(Problem(name, f"unresolved cross-reference @{label}"))

    description = soup.find("meta", attrs={"name": "description"})
    if description is None or not description.get("content", "").strip():
        problems.append(
            Problem(name, "has no description (set `description:` in its front matter)")
        )

    for tag, attr in (("a", "href"), ("img", "src"), ("link", "href"), ("script", "src")):
        for element in soup.find_all(tag, attrs={attr: True}):
            url = element[attr].strip()
            resolved = _resolve(site_dir, page, url)
            if resolved is None:
                continue
            target, fragment = resolved
            if not target.is_file():
                problems.append(
                    Problem(name, f"broken link: <{tag} {attr}={url!r}> (no {target.name})")
                )
                continue
            if fragment and target.suffix == ".html":
                key = target.resolve()
                if key not in cache:
                    cache[key] = _ids(
                        BeautifulSoup(target.read_text(encoding="utf-8"), "html.parser")
                    )
                if fragment not in cache[key]:
                    problems.append(Problem(name, f"broken anchor: {url!r} (no id {fragment!r})"))

    for img in soup.find_all("img"):
        in_figure = img.find_parent("figure") is not None or "figure-img" in img.get("class", [])
        alt = img.get("alt")
        if alt is None or (in_figure and not alt.strip()):
            problems.append(Problem(name, f"image without alt text: {img.get('src', '?')!r}"))
    return problems


def check_site(site_dir: Path, expected: list[str]) -> list[Problem]:
    """Problems across a rendered site; `expected` lists site-relative HTML pages that must exist.

    An empty list means the site passed.
    """
    if not site_dir.is_dir():
        return [Problem(str(site_dir), "no rendered site here: run `make site` first")]
    problems = [
        Problem(html, "page missing from the rendered site")
        for html in expected
        if not (site_dir / html).is_file()
    ]
    cache: dict[Path, set[str]] = {}
    for page in sorted(site_dir.rglob("*.html")):
        if LIBRARY_DIRS.intersection(page.relative_to(site_dir).parts):
            continue
        problems.extend(check_page(site_dir, page, cache))
    return problems
