"""Quarto's post-render step for figure images, so a phone lays pages out at once and
fetches only the figures a reader scrolls to:

- every local PNG `<img>` without a width and height gets them from the PNG's header:
  its pixels divided by the page's dpi ratio (figures are drawn at twice the page's
  `fig-dpi`, which the PNG records in its pHYs chunk; see `sitebuild.pages`), so the
  browser reserves the figure's space before it arrives;
- every figure image (see `sitebuild.sitecheck.figure_images`) except those of the
  page's first figure, which is above the fold, gets `loading="lazy"` and
  `decoding="async"`.

Only the `<img>` tags change, each rewritten where it stands (the rest of the file is
kept byte for byte), attributes already set are kept, and a file is replaced
atomically. Running it twice changes nothing.

Quarto runs it after a render (`post-render:` in _quarto.yml, through
scripts/post_render.py) in the project folder, with QUARTO_PROJECT_OUTPUT_FILES naming
the files it wrote (or QUARTO_USE_FILE_FOR_PROJECT_OUTPUT_FILES naming a file that
lists them); by hand, `python -m sitebuild.postrender [HTML ...]` does every page of
the output folder.
"""

import html
import os
import re
import sys
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

from bs4 import BeautifulSoup

from dsops.shared.errors import DsopsError
from dsops.shared.files import write_atomically
from sitebuild.pages import png_facts
from sitebuild.project import QuartoProject, load_project
from sitebuild.sitecheck import figure_images, first_figure, site_pages

QUARTO_HTML_FIG_DPI = 96  # Quarto's default `fig-dpi` for HTML
OUTPUT_FILES_ENV = "QUARTO_PROJECT_OUTPUT_FILES"
OUTPUT_FILES_FILE_ENV = "QUARTO_USE_FILE_FOR_PROJECT_OUTPUT_FILES"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@dataclass
class _Image:
    start: int  # offset of the tag in the page's text
    text: str  # the tag as written
    attrs: dict[str, str | None]


class _ImageTags(HTMLParser):
    """Every `<img>` tag in document order, where it is written and what it says."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.line_starts = [0, *(m.end() for m in re.finditer("\n", text))]
        self.images: list[_Image] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "img":
            line, column = self.getpos()
            start = self.line_starts[line - 1] + column
            self.images.append(_Image(start, self.get_starttag_text() or "", dict(attrs)))

    handle_startendtag = handle_starttag


@dataclass
class PageChanges:
    page: Path
    sized: int = 0
    lazy: int = 0
    skipped: list[str] = field(default_factory=list)  # local PNGs missing or unreadable


def _local_png(page: Path, src: str, output_dir: Path, site_path: str) -> Path | None:
    parts = urlsplit(src)
    if parts.scheme or parts.netloc or not parts.path.lower().endswith(".png"):
        return None
    path = unquote(parts.path)
    if path.startswith("/"):
        return output_dir / path.removeprefix(site_path).lstrip("/")
    return page.parent / path


def _displayed_size(png: Path, fig_dpi: int) -> tuple[int, int] | None:
    """The CSS pixels a figure is shown at: its pixels at the page's dpi."""
    try:
        with open(png, "rb") as handle:
            head = handle.read(1 << 16)  # IHDR comes first; pHYs precedes the image data
    except OSError:
        return None
    if not head.startswith(PNG_SIGNATURE) or len(head) < 24:
        return None
    width, height, dpi = png_facts(head)
    ratio = dpi / fig_dpi if dpi else 1.0
    return max(1, round(width / ratio)), max(1, round(height / ratio))


def _with_attributes(tag: str, added: dict[str, str]) -> str:
    """The tag as written, with the attributes added before its `>` (or `/>`)."""
    body = (tag[:-2] if tag.endswith("/>") else tag[:-1]).rstrip()
    extra = "".join(f' {name}="{html.escape(value)}"' for name, value in added.items())
    return body + extra + tag[len(body) :]


def rewrite_page(page: Path, fig_dpi: int, output_dir: Path, site_path: str = "/") -> PageChanges:
    """Size and lazy-load the figure images of one HTML file; replace it if it changed."""
    try:
        text = page.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise DsopsError(f"{page}: cannot read this page ({err}).") from None
    tags = _ImageTags(text)
    tags.feed(text)
    tags.close()
    figures = figure_images(BeautifulSoup(text, "html.parser"))
    if len(figures) != len(tags.images):
        raise DsopsError(f"{page}: the <img> tags could not be matched with their figures.")
    first = first_figure(figures)
    changes = PageChanges(page)
    pieces: list[str] = []
    done = 0
    for image, (_, figure) in zip(tags.images, figures, strict=True):
        if text[image.start : image.start + len(image.text)] != image.text:
            raise DsopsError(f"{page}: could not locate an <img> tag where the parser saw it.")
        added: dict[str, str] = {}
        src = image.attrs.get("src") or ""
        png = _local_png(page, src, output_dir, site_path)
        if png is not None and not ("width" in image.attrs and "height" in image.attrs):
            size = _displayed_size(png, fig_dpi)
            if size is None:
                changes.skipped.append(src)
            else:
                for name, value in zip(("width", "height"), size, strict=True):
                    if name not in image.attrs:
                        added[name] = str(value)
                changes.sized += 1
        if figure is not None and figure != first:
            if "loading" not in image.attrs:
                added["loading"] = "lazy"
                changes.lazy += 1
            if "decoding" not in image.attrs:
                added["decoding"] = "async"
        if added:
            pieces += [text[done : image.start], _with_attributes(image.text, added)]
            done = image.start + len(image.text)
    if pieces:
        new = "".join([*pieces, text[done:]])
        write_atomically(page, lambda tmp: tmp.write_bytes(new.encode("utf-8")))
    return changes


def page_fig_dpi(project: QuartoProject, html_path: str) -> int:
    """The `fig-dpi` the page was executed with (Quarto's HTML default if unset)."""
    source = project.page_for_html(html_path)
    if source is None:
        return QUARTO_HTML_FIG_DPI
    value = project.metadata(source).get("fig-dpi")
    return value if isinstance(value, int) and value > 0 else QUARTO_HTML_FIG_DPI


def rendered_html(project: QuartoProject, environ: dict[str, str]) -> list[Path]:
    """The HTML files this render wrote (Quarto's list), else every page of the site."""
    listed = environ.get(OUTPUT_FILES_ENV)
    if listed is None and environ.get(OUTPUT_FILES_FILE_ENV):
        list_file = Path(environ[OUTPUT_FILES_FILE_ENV])
        try:
            listed = list_file.read_text(encoding="utf-8")
        except OSError as err:
            raise DsopsError(
                f"{OUTPUT_FILES_FILE_ENV} names {list_file}, which cannot be read "
                f"({err.strerror}): Quarto's list of rendered files is missing."
            ) from None
    if listed is None:
        return site_pages(project.output_dir)
    files = [project.root / line.strip() for line in listed.splitlines() if line.strip()]
    return [file for file in files if file.suffix == ".html" and file.is_file()]


def run(
    files: list[Path] | None = None,
    environ: dict[str, str] | None = None,
    project: QuartoProject | None = None,
) -> str:
    """Rewrite the rendered pages; a one-line account of what changed."""
    environ = dict(os.environ) if environ is None else environ
    project = project or load_project()
    output_dir = project.output_dir
    if environ.get("QUARTO_PROJECT_OUTPUT_DIR"):
        output_dir = project.root / environ["QUARTO_PROJECT_OUTPUT_DIR"]
    pages = files if files else rendered_html(project, environ)
    sized = lazy = 0
    skipped: list[str] = []
    for page in pages:
        page = page.resolve()
        try:
            relative = page.relative_to(output_dir.resolve()).as_posix()
        except ValueError:
            raise DsopsError(f"{page} is not in the output folder {output_dir}.") from None
        changes = rewrite_page(page, page_fig_dpi(project, relative), output_dir, project.site_path)
        sized += changes.sized
        lazy += changes.lazy
        skipped += [f"{relative}: {src}" for src in changes.skipped]
    line = (
        f"post-render: {sized} image(s) given a width and height, {lazy} figure image(s) "
        f"lazy-loaded, in {len(pages)} page(s)"
    )
    if skipped:
        line += f"; left unsized, as their PNG is missing or unreadable: {', '.join(skipped)}"
    return line


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    try:
        print(run([Path(arg) for arg in args]))
    except DsopsError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
