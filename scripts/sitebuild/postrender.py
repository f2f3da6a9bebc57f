"""Quarto's post-render step: what a render leaves to fix for a phone on a slow network
and for a screen reader, in the HTML Quarto wrote.

On every page:
- every local PNG `<img>` without a width and height gets them from the PNG's header:
  its pixels divided by the page's dpi ratio (figures are drawn at twice the page's
  `fig-dpi`, which the PNG records in its pHYs chunk; see `sitebuild.pages`), so the
  browser reserves the figure's space before it arrives;
- every figure image (see `sitebuild.sitecheck.figure_images`) gets `loading="lazy"` and
  `decoding="async"`: a figure's dark rendering is hidden in the light theme, and a
  browser fetches no lazy image it does not show; on a phone even the first figure is
  below the fold;
- the dark theme's stylesheets start disabled (`rel="disabled-stylesheet"`, as Quarto's
  own toggle switches them), so a reader of the light theme does not wait for them
  before the first paint; a script right after them enables them, before anything is
  painted, for a reader whose saved choice is the dark theme;
- scripts loaded in `<head>` get `defer`, so they no longer hold up the first paint
  (Quarto's own code waits for the document to load anyway);
- a script right after the fixed header gives the page a top padding of the header's
  height as soon as the header is there, as Quarto's navigation script does once the
  page has loaded: set that late, on a phone (whose header is taller than the padding
  Quarto's CSS guesses) it moved the whole page down, a layout shift of 0.07-0.09;
- the navbar's and the sidebar's empty logo links, which Quarto 1.8 writes when no logo
  is set, are removed (a link with nothing in it has no name for a screen reader, and
  `logo: false` fails the render);
- the headers of collapsible callouts (the exercises' solutions) and the listing's sort
  links get `role="button"` and `tabindex="0"`: their `aria-expanded` is allowed on a
  button, and a keyboard reaches them (styles/_keyboard.html makes Enter and Space
  press them); a callout header's `aria-label` ("Toggle callout") goes, so a screen
  reader announces the words it shows ("Solution");
- landmarks get names and roles a screen reader can tell apart: Quarto's four unnamed
  `<nav>`s a label each, the margin sidebar (the table of contents, or a listing's
  categories) `role="complementary"`, and the navbar's toggle button loses
  `role="menu"`, which a button may not have;
- the link to Bootstrap's icon font stylesheet points at a subset (see below).

For the site: Bootstrap's icon font (about 2,000 icons, 180 KB) is cut down to the
icons the pages and Quarto's scripts name (`bi-github`, ...), written beside the
original as `bootstrap-icons-used.css` and `.woff`; the originals stay as Quarto
copied them, so every render subsets them afresh.

Only the tags named above change, each rewritten where it stands (the rest of the file
is kept byte for byte), attributes already set are kept, and a file is replaced
atomically. Running it twice changes nothing.

Quarto runs it after a render (`post-render:` in _quarto.yml, through
scripts/post_render.py) in the project folder, with QUARTO_PROJECT_OUTPUT_FILES naming
the files it wrote (or QUARTO_USE_FILE_FOR_PROJECT_OUTPUT_FILES naming a file that
lists them); by hand, `python -m sitebuild.postrender [HTML ...]` does every page of
the output folder.
"""

import hashlib
import html
import logging
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
from sitebuild.sitecheck import figure_images, site_pages

QUARTO_HTML_FIG_DPI = 96  # Quarto's default `fig-dpi` for HTML
OUTPUT_FILES_ENV = "QUARTO_PROJECT_OUTPUT_FILES"
OUTPUT_FILES_FILE_ENV = "QUARTO_USE_FILE_FOR_PROJECT_OUTPUT_FILES"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

DARK_STYLESHEET = "quarto-color-alternate"  # the class Quarto gives the dark theme's links
DARK_THEME_SCRIPT_ID = "sitebuild-dark-theme"
# Quarto keeps the reader's choice in localStorage: "alternate" is the second theme.
DARK_THEME_SCRIPT = (
    f'<script id="{DARK_THEME_SCRIPT_ID}">'
    'try { if (localStorage.getItem("quarto-color-scheme") === "alternate") { '
    f'for (const link of document.querySelectorAll("link.{DARK_STYLESHEET}")) '
    'link.rel = "stylesheet"; } } catch (e) {}</script>'
)
# Quarto's fixed header (navbar and, with a sidebar, the section bar of a phone), and
# what its navigation script sets once the page has loaded, set as soon as it is parsed.
HEADER = re.compile(r'<header id="quarto-header"[^>]*>')
HEADER_OFFSET_SCRIPT_ID = "sitebuild-header-offset"
HEADER_OFFSET_SCRIPT = (
    f'<script id="{HEADER_OFFSET_SCRIPT_ID}">document.body.style.paddingTop = '
    'document.getElementById("quarto-header").clientHeight + "px";</script>'
)
# The navbar's and the sidebar's logo links, empty when no logo is set.
EMPTY_LOGO_LINK = re.compile(
    r'<a [^>]*class="(?:navbar-brand navbar-brand-logo|sidebar-logo-link)"[^>]*>\s*</a>\n?'
)

# Labels for the `<nav>` elements Quarto leaves unnamed, by their class.
NAV_LABELS = {
    "navbar": "Site",
    "quarto-secondary-nav": "Section menu",
    "sidebar-navigation": "Section pages",
    "page-navigation": "Previous and next page",
}
MARGIN_SIDEBAR_LABEL = "On this page"

ICONS_DIR = Path("site_libs") / "bootstrap"
ICONS_CSS = "bootstrap-icons.css"
USED_ICONS_CSS = "bootstrap-icons-used.css"
USED_ICONS_FONT = "bootstrap-icons-used.woff"
ICON_RULE = re.compile(r'^\.(bi-[a-z0-9-]+)::before \{ content: "\\([0-9a-f]+)"; \}$', re.M)
ICON_NAME = re.compile(r"\bbi-[a-z0-9]+(?:-[a-z0-9]+)*")
ICON_FONT_URL = re.compile(r'url\("\./(bootstrap-icons\.woff)[^"]*"\)')
# The rule every icon shares, from `.bi::before` to the first icon's own rule.
ICON_BASE_RULE = re.compile(r"^\.bi::before,.*?^\}\n", re.M | re.S)


@dataclass
class _Tag:
    name: str
    start: int  # offset of the tag in the page's text
    text: str  # the tag as written
    attrs: dict[str, str | None]
    in_head: bool


class _StartTags(HTMLParser):
    """Every start tag in document order, where it is written and what it says."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.line_starts = [0, *(m.end() for m in re.finditer("\n", text))]
        self.tags: list[_Tag] = []
        self.in_head = False

    def handle_starttag(self, tag: str, attrs: list) -> None:
        line, column = self.getpos()
        start = self.line_starts[line - 1] + column
        self.in_head = tag == "head" or (self.in_head and tag != "body")
        self.tags.append(
            _Tag(tag, start, self.get_starttag_text() or "", dict(attrs), self.in_head)
        )

    def handle_endtag(self, tag: str) -> None:
        if tag == "head":
            self.in_head = False

    handle_startendtag = handle_starttag


@dataclass
class PageChanges:
    page: Path
    sized: int = 0
    lazy: int = 0
    other: int = 0  # stylesheets, scripts, links and buttons changed
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
    extra = "".join(
        f" {name}" if value == "" else f' {name}="{html.escape(value)}"'
        for name, value in added.items()
    )
    return body + extra + tag[len(body) :]


def _classes(tag: _Tag) -> list[str]:
    return (tag.attrs.get("class") or "").split()


def _image_attributes(
    tag: _Tag,
    figure: int | None,
    page: Path,
    fig_dpi: int,
    output_dir: Path,
    site_path: str,
    changes: PageChanges,
) -> dict[str, str]:
    added: dict[str, str] = {}
    src = tag.attrs.get("src") or ""
    png = _local_png(page, src, output_dir, site_path)
    if png is not None and not ("width" in tag.attrs and "height" in tag.attrs):
        size = _displayed_size(png, fig_dpi)
        if size is None:
            changes.skipped.append(src)
        else:
            for name, value in zip(("width", "height"), size, strict=True):
                if name not in tag.attrs:
                    added[name] = str(value)
            changes.sized += 1
    if figure is not None:
        if "loading" not in tag.attrs:
            added["loading"] = "lazy"
            changes.lazy += 1
        if "decoding" not in tag.attrs:
            added["decoding"] = "async"
    return added


def _acts_as_button(tag: _Tag) -> bool:
    """A collapsible callout's header, or a sort link of a listing (no href)."""
    classes = _classes(tag)
    callout = tag.name == "div" and "callout-header" in classes and "data-bs-toggle" in tag.attrs
    sort_link = tag.name == "a" and "sort" in classes and "href" not in tag.attrs
    return callout or sort_link


def _without_attribute(tag: str, name: str) -> str:
    return re.sub(rf'\s+{name}="[^"]*"', "", tag, count=1)


def _other_edit(tag: _Tag, icons_subset: bool) -> str | None:
    """The tag rewritten for the page-wide changes, or None if it stays as it is."""
    classes = _classes(tag)
    if tag.name == "link" and DARK_STYLESHEET in classes and tag.attrs.get("rel") == "stylesheet":
        return re.sub(r'\brel="stylesheet"', 'rel="disabled-stylesheet"', tag.text, count=1)
    href = tag.attrs.get("href") or ""
    if icons_subset and tag.name == "link" and href.endswith(f"/{ICONS_CSS}"):
        return tag.text.replace(f'/{ICONS_CSS}"', f'/{USED_ICONS_CSS}"', 1)
    if tag.name == "script" and tag.in_head and tag.attrs.get("src"):
        if "defer" in tag.attrs or "async" in tag.attrs or tag.attrs.get("type") == "module":
            return None
        return _with_attributes(tag.text, {"defer": ""})
    if _acts_as_button(tag) and tag.attrs.get("role") != "button":
        text = tag.text
        if "callout-header" in classes:
            text = _without_attribute(text, "aria-label")
        return _with_attributes(text, {"role": "button", "tabindex": "0"})
    if tag.name == "nav" and not {"aria-label", "aria-labelledby"} & set(tag.attrs):
        label = next((NAV_LABELS[c] for c in classes if c in NAV_LABELS), None)
        return _with_attributes(tag.text, {"aria-label": label}) if label else None
    if tag.attrs.get("id") == "quarto-margin-sidebar" and "role" not in tag.attrs:
        added = {"role": "complementary", "aria-label": MARGIN_SIDEBAR_LABEL}
        return _with_attributes(tag.text, added)
    if tag.name == "button" and "navbar-toggler" in classes and tag.attrs.get("role") == "menu":
        return _without_attribute(tag.text, "role")
    return None


def rewrite_page(
    page: Path, fig_dpi: int, output_dir: Path, site_path: str = "/", icons_subset: bool = False
) -> PageChanges:
    """Apply the page changes of the module docstring to one HTML file; replace it if it
    changed. `icons_subset`: point the icon stylesheet at the subset."""
    try:
        text = page.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise DsopsError(f"{page}: cannot read this page ({err}).") from None
    parsed = _StartTags(text)
    parsed.feed(text)
    parsed.close()
    images = [tag for tag in parsed.tags if tag.name == "img"]
    figures = figure_images(BeautifulSoup(text, "html.parser"))
    if len(figures) != len(images):
        raise DsopsError(f"{page}: the <img> tags could not be matched with their figures.")
    figure_of = {id(tag): figure for tag, (_, figure) in zip(images, figures, strict=True)}
    dark_links = [
        tag for tag in parsed.tags if tag.name == "link" and DARK_STYLESHEET in _classes(tag)
    ]
    changes = PageChanges(page)
    edits: list[tuple[int, int, str]] = []  # (start, end, new text), in document order
    for tag in parsed.tags:
        if text[tag.start : tag.start + len(tag.text)] != tag.text:
            raise DsopsError(
                f"{page}: could not locate a <{tag.name}> tag where the parser saw it."
            )
        if tag.name == "img":
            added = _image_attributes(
                tag, figure_of[id(tag)], page, fig_dpi, output_dir, site_path, changes
            )
            new = _with_attributes(tag.text, added) if added else None
        else:
            new = _other_edit(tag, icons_subset)
            changes.other += new is not None
        if dark_links and tag is dark_links[-1] and DARK_THEME_SCRIPT_ID not in text:
            new = (new or tag.text) + "\n" + DARK_THEME_SCRIPT
        if new is not None:
            edits.append((tag.start, tag.start + len(tag.text), new))
    for empty in EMPTY_LOGO_LINK.finditer(text):
        edits.append((empty.start(), empty.end(), ""))
        changes.other += 1
    header = HEADER.search(text)
    if header and HEADER_OFFSET_SCRIPT_ID not in text:
        end = text.find("</header>", header.end())
        if end > 0:
            after = end + len("</header>")
            edits.append((after, after, "\n" + HEADER_OFFSET_SCRIPT))
            changes.other += 1
    if edits:
        pieces, done = [], 0
        for start, end, new in sorted(edits):
            pieces += [text[done:start], new]
            done = end
        new_text = "".join([*pieces, text[done:]])
        write_atomically(page, lambda tmp: tmp.write_bytes(new_text.encode("utf-8")))
    return changes


def used_icons(output_dir: Path, names: set[str]) -> set[str]:
    """The icon classes among `names` that the site's pages or scripts mention."""
    files = [*site_pages(output_dir), *output_dir.glob("site_libs/**/*.js")]
    mentioned: set[str] = set()
    for file in files:
        mentioned.update(ICON_NAME.findall(file.read_text(encoding="utf-8", errors="replace")))
    return mentioned & names


def subset_icons(output_dir: Path) -> int | None:
    """Write the subset of Bootstrap's icon font the site uses; the number of icons kept,
    or None if the site has no icon stylesheet (or not one this step knows)."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    # fontTools logs quirks of Bootstrap's font ("2 extra bytes in post.stringData
    # array") that do not touch the icons kept; the render log stays for real problems.
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    folder = output_dir / ICONS_DIR
    css_file = folder / ICONS_CSS
    if not css_file.is_file():
        return None
    css = css_file.read_text(encoding="utf-8")
    rules = dict(ICON_RULE.findall(css))
    font_url = ICON_FONT_URL.search(css)
    base_rule = ICON_BASE_RULE.search(css)
    if not rules or font_url is None or base_rule is None:
        return None
    used = sorted(used_icons(output_dir, set(rules)))
    font = TTFont(folder / font_url[1])
    subsetter = subset.Subsetter(subset.Options())
    subsetter.populate(unicodes=[int(rules[name], 16) for name in used])
    subsetter.subset(font)
    font.flavor = "woff"
    font_file = folder / USED_ICONS_FONT
    write_atomically(font_file, lambda tmp: font.save(str(tmp)))
    digest = hashlib.sha256(font_file.read_bytes()).hexdigest()[:16]
    text = (
        "/* Bootstrap Icons (MIT), only the icons this site uses: written by "
        "sitebuild.postrender. */\n"
        '@font-face {\n  font-display: block;\n  font-family: "bootstrap-icons";\n'
        f'  src: url("./{USED_ICONS_FONT}?{digest}") format("woff");\n}}\n\n'
        + base_rule.group(0)
        + "".join(f'.{name}::before {{ content: "\\{rules[name]}"; }}\n' for name in used)
    )
    write_atomically(folder / USED_ICONS_CSS, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    return len(used)


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
    icons = subset_icons(output_dir) if output_dir.is_dir() else None
    sized = lazy = other = 0
    skipped: list[str] = []
    for page in pages:
        page = page.resolve()
        try:
            relative = page.relative_to(output_dir.resolve()).as_posix()
        except ValueError:
            raise DsopsError(f"{page} is not in the output folder {output_dir}.") from None
        changes = rewrite_page(
            page, page_fig_dpi(project, relative), output_dir, project.site_path, icons is not None
        )
        sized += changes.sized
        lazy += changes.lazy
        other += changes.other
        skipped += [f"{relative}: {src}" for src in changes.skipped]
    line = (
        f"post-render: {sized} image(s) given a width and height, {lazy} figure image(s) "
        f"lazy-loaded, {other} other tag(s) changed, in {len(pages)} page(s)"
    )
    if icons is not None:
        line += f"; icon font cut to the {icons} icon(s) the site uses"
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
