"""Execute a Quarto page's Python the way Quarto's Jupyter engine does, without Quarto.

This is how pages are tested on machines where Quarto cannot be installed. A page's
`{python}` cells and inline `` `{python} expr` `` expressions run in document order in
a fresh kernel, in the working directory the project's `execute-dir` gives, with the
execute options merged as Quarto merges them (see `sitebuild.project`).

What the runner models, and checks because a reader would see it:
- cell options `eval`, `output` (including `asis`), `renderings`, `label`, `fig-cap`,
  `fig-alt`, `tbl-cap`, and fenced `::: {#fig-...}` divs around cells;
- a failed cell or inline expression fails the page, naming the page, line and error;
- an inline expression's value is the Markdown Quarto writes (`sitebuild.prose`): a
  NumPy scalar's or a date's repr (`np.int64(16)`), or an empty value, which Quarto
  leaves on the page as code, fails the page;
- anything written to stderr (a warning, a log line) fails the page, and so do
  terminal colour codes in an output (Quarto shows them as coloured text);
- a `text/html` output fails the page: Quarto would load require.js and jQuery from a
  CDN for it; tables go through `dsops.shared.tables.show_table` in an `output: asis`
  cell inside a `::: {#tbl-...}` div with a caption (an asis cell loses its own div, and
  with it a `tbl-` label and `tbl-cap`: quarto-cli#3770);
- a diagram is the same kind of raw HTML block, an inline `<svg role="img"
  aria-label="...">` (the label is its alt text), printed by an `output: asis` cell
  inside a `::: {#fig-...}` div with a caption;
- every image needs `fig-alt`; a cell with `renderings: [light, dark]` must show one
  output per rendering, sit in a `::: {#fig-...}` div whose last paragraph is the
  caption, and carry no `fig-` label or `*-cap` of its own (Quarto 1.8 renders that
  combination wrongly, quarto-cli#12972); any other image needs a `fig-` label and
  `fig-cap`, or such a div;
- every PNG is at most PNG_MAX_BYTES and, where the page sets `fig-dpi`, drawn at twice
  it (retina), so Quarto gives it a width and height half its pixels.
"""

import base64
import re
import struct
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import yaml
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

from dsops.shared import paths
from dsops.shared.errors import DsopsError
from sitebuild.project import QuartoProject, load_project, split_front_matter
from sitebuild.prose import INLINE_EXPRESSION, LEFT_AS_CODE, as_escaped_markdown, python_reprs

# A code cell: ```{lang ...}, possibly indented (a cell inside a list item).
CELL_START = re.compile(
    r"^(?P<indent>[ \t]*)(?P<fence>`{3,})\s*\{(?P<lang>[A-Za-z][\w-]*)(?P<attrs>[^}]*)\}\s*$"
)
FENCE = re.compile(r"^[ \t]*(?P<fence>`{3,}|~{3,})")
# What the runner models. Anything else on a page is refused with a sentence naming it.
CELL_OPTIONS = {
    "label": "names the cell in messages and its figures' files",
    "eval": "false: the cell is shown, not run",
    "echo": "whether the code is shown; no effect on running",
    "code-fold": "how the code is shown; no effect on running",
    "code-summary": "how the code is shown; no effect on running",
    "include": "false: neither code nor output is shown; the cell still runs",
    "output": "false hides the output; asis passes printed Markdown through raw",
    "error": "true: an exception is shown and the page goes on",
    "warning": "false: stderr (warnings) is hidden, so it does not fail the page",
    "renderings": "one output per rendering name, in order (light, dark)",
    "fig-cap": "a figure's caption (with a fig- label)",
    "fig-alt": "a figure's alt text (required for every image)",
    "tbl-cap": "a table's caption (with a tbl- label)",
}
EXECUTE_OPTIONS = {"eval", "echo", "output", "error", "warning", "include", "freeze"}
NOT_EXECUTED_KINDS = {"ojs", "mermaid", "dot"}  # Quarto handles them; Jupyter never runs them
INLINE_START = re.compile(r"(?<!`)`\{python\}[ \t]")
OPTION = re.compile(r"^#\|\s?(?P<yaml>.*)$")
DIV_OPEN = re.compile(r"^:{3,}\s*(?:\{(?P<attrs>[^}]*)\}|[\w-]+)\s*$")
DIV_CLOSE = re.compile(r"^:{3,}\s*$")
DIV_ID = re.compile(r"#(?P<id>[\w-]+)")
ANSI = re.compile(r"\x1b\[[0-9;]*m")
RAW_HTML_BLOCK = re.compile(r"^`{3,}\{=html\}", re.MULTILINE)
SVG_OPENING = re.compile(r"<svg\b[^>]*>")
FORM_OPENING = re.compile(r"^`{3,}\{=html\}\n<form\b", re.MULTILINE)
REMOTE_SOURCE = re.compile(r"""\b(?:src|href)=["']?(?:[a-z]+:)?//""", re.IGNORECASE)
CELL_TIMEOUT = 600  # seconds
IMAGE_TYPES = ("image/png", "image/svg+xml", "image/jpeg")
DISPLAY_TYPES = ("display_data", "execute_result")
PNG_MAX_BYTES = 300 * 1024


@dataclass
class FencedDiv:
    """A `::: {#fig-x}` block: Quarto makes its last paragraph the figure's caption."""

    id: str | None
    line: int
    caption: bool = False  # text after the last block inside it


@dataclass
class Cell:
    source: str
    line: int  # line of the opening fence in the .qmd
    options: dict = field(default_factory=dict)  # the cell's own `#|` options
    figure: FencedDiv | None = None  # the innermost enclosing `#fig-` div, if any
    table: FencedDiv | None = None  # the innermost enclosing `#tbl-` div, if any

    @property
    def label(self) -> str:
        return str(self.options.get("label", f"cell at line {self.line}"))


@dataclass
class InlineExpression:
    expression: str
    line: int

    @property
    def label(self) -> str:
        return f"inline expression `{self.expression}` (line {self.line})"


Chunk = Cell | InlineExpression


@dataclass
class Page:
    path: Path
    front_matter: dict
    chunks: list[Chunk]  # cells and inline expressions, in document order
    execute: dict = field(default_factory=dict)  # merged page-level execute options
    skipped: list[tuple[str, int]] = field(default_factory=list)  # (kind, line) not run
    fig_dpi: int | None = None  # the page's `fig-dpi`, where it declares one

    @property
    def cells(self) -> list[Cell]:
        return [c for c in self.chunks if isinstance(c, Cell)]

    @property
    def inline(self) -> list[InlineExpression]:
        return [c for c in self.chunks if isinstance(c, InlineExpression)]

    def options(self, cell: Cell) -> dict:
        """The options a cell runs with: page-level execute options < its own."""
        return {**self.execute, **cell.options}

    def executed(self) -> list[Chunk]:
        """What Quarto runs: cells not switched off with `eval: false`, and, unless the
        page itself is not evaluated, every inline expression."""
        page_eval = self.execute.get("eval", True) is not False
        return [
            chunk
            for chunk in self.chunks
            if (isinstance(chunk, Cell) and self.options(chunk).get("eval", True) is not False)
            or (isinstance(chunk, InlineExpression) and page_eval)
        ]

    def executable_cells(self) -> list[Cell]:
        return [c for c in self.executed() if isinstance(c, Cell)]


@dataclass
class PageReport:
    path: Path
    cells_run: int
    inline_run: int
    seconds: float
    figures: dict[str, bytes] = field(default_factory=dict)  # figure name -> PNG bytes
    inline_values: dict[str, str] = field(default_factory=dict)  # expression -> text
    skipped: list[tuple[str, int]] = field(default_factory=list)  # cells Jupyter does not run
    text: str = ""  # every text the cells printed or displayed, and the inline values

    def save_figures(self, folder: Path) -> list[Path]:
        """Write each figure as <page>--<label>[-<rendering>].png, to look at."""
        folder.mkdir(parents=True, exist_ok=True)
        written = []
        for name, png in self.figures.items():
            target = folder / f"{self.path.stem}--{name}.png"
            target.write_bytes(png)
            written.append(target)
        return written

    def __str__(self) -> str:
        inline = f" and {self.inline_run} inline expressions" if self.inline_run else ""
        kinds = ", ".join(f"{{{kind}}} at line {line}" for kind, line in self.skipped)
        not_run = f" (not run by Jupyter: {kinds})" if kinds else ""
        return (
            f"{paths.project_relative(self.path)}: {self.cells_run} cells{inline} "
            f"in {self.seconds:.1f}s{not_run}"
        )


def _cell_options(path: Path, line: int, body: list[str]) -> dict:
    option_lines = []
    for text in body:
        option = OPTION.match(text)
        if not option:
            break
        option_lines.append(option["yaml"])
    try:
        options = yaml.safe_load("\n".join(option_lines)) or {}
    except yaml.YAMLError as err:
        raise DsopsError(
            f"{paths.project_relative(path)}, near line {line}: invalid `#|` options: "
            f"{' '.join(str(err).split())}"
        ) from None
    if not isinstance(options, dict):
        raise DsopsError(
            f"{paths.project_relative(path)}, line {line}: `#|` options must be `key: value`."
        )
    return options


def _refuse(path: Path, line: int, construct: str, why: str) -> DsopsError:
    return DsopsError(
        f"{paths.project_relative(path)}, line {line}: {construct} is not modelled by the page "
        f"runner ({why}), so a test of this page would not say what Quarto does. Use a "
        "modelled construct (sitebuild.pages lists them) or model this one with a fixture "
        "page and a test."
    )


def _check_page_keys(path: Path, front: dict, execute: dict) -> None:
    """Refuse front-matter and folder keys that change how Quarto executes a page."""
    engine = front.get("engine")
    if engine not in (None, "jupyter"):
        raise _refuse(path, 1, f"`engine: {engine}`", "only the Jupyter engine is modelled")
    kernel = front.get("jupyter")
    if kernel not in (None, "python3"):
        raise _refuse(path, 1, f"`jupyter: {kernel}`", "only the python3 kernel is modelled")
    unknown = sorted(set(execute) - set(EXECUTE_OPTIONS))
    if unknown:
        raise _refuse(path, 1, f"`execute: {unknown[0]}`", "an execute option it does not model")


def parse_qmd(path: Path, project: QuartoProject | None = None) -> Page:
    """Split a .qmd page into front matter, code cells and inline expressions, the way
    Quarto's Jupyter engine reads it (see the module docstring for what is modelled)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as err:
        raise DsopsError(
            f"{paths.project_relative(path)}: cannot read this page ({err.strerror}). "
            "Pass the path of a .qmd page."
        ) from None
    front, start = split_front_matter(path, lines)
    chunks: list[Chunk] = []
    skipped: list[tuple[str, int]] = []  # cells of kinds Jupyter does not execute
    divs: list[FencedDiv] = []  # open fenced divs, innermost last
    code_fence: str | None = None  # the fence of the code block we are in, if any

    def block_ends() -> None:  # a block inside the innermost div: text before it is no caption
        if divs:
            divs[-1].caption = False

    i = start
    while i < len(lines):
        line = lines[i]
        cell = CELL_START.match(line)
        if cell:
            indent, fence, lang, opened = cell["indent"], cell["fence"], cell["lang"], i + 1
            body: list[str] = []
            i += 1
            while i < len(lines) and not lines[i].strip().startswith(fence):
                text = lines[i]
                body.append(text[len(indent) :] if text.startswith(indent) else text.lstrip())
                i += 1
            if i == len(lines):
                raise DsopsError(
                    f"{paths.project_relative(path)}: the {{{lang}}} cell opened on line "
                    f"{opened} is never closed."
                )
            i += 1
            block_ends()
            if lang in NOT_EXECUTED_KINDS:
                skipped.append((lang, opened))
                continue
            if lang != "python":
                raise _refuse(path, opened, f"a {{{lang}}} cell", "only {python} cells run")
            options = _cell_options(path, opened, body)
            unknown = sorted(set(options) - set(CELL_OPTIONS))
            if unknown:
                raise _refuse(path, opened, f"the cell option `{unknown[0]}`", "not in its list")
            figure = next((d for d in reversed(divs) if (d.id or "").startswith("fig-")), None)
            table = next((d for d in reversed(divs) if (d.id or "").startswith("tbl-")), None)
            chunks.append(
                Cell(
                    source="\n".join(body),
                    line=opened,
                    options=options,
                    figure=figure,
                    table=table,
                )
            )
            continue
        if code_fence is not None:  # inside a shown code block: only cells count
            if line.strip().startswith(code_fence) and not line.strip().strip(code_fence[0]):
                code_fence = None
            i += 1
            continue
        other = FENCE.match(line)
        if other:
            code_fence = other["fence"]
            block_ends()
            i += 1
            continue
        if DIV_CLOSE.match(line) and divs:
            divs.pop()
            block_ends()
            i += 1
            continue
        opened_div = DIV_OPEN.match(line)
        if opened_div:
            found_id = DIV_ID.search(opened_div["attrs"] or "")
            block_ends()
            divs.append(FencedDiv(id=found_id["id"] if found_id else None, line=i + 1))
            i += 1
            continue
        if line.strip() and divs:
            divs[-1].caption = True
        found = list(INLINE_EXPRESSION.finditer(line))
        if len(found) != len(INLINE_START.findall(line)):
            raise _refuse(path, i + 1, "an inline expression spanning lines", "one line each")
        chunks += [InlineExpression(f["expr"].strip(), line=i + 1) for f in found]
        i += 1
    execute: dict = {}
    if project is not None and path.resolve().is_relative_to(project.root):
        metadata = project.metadata(path)
        execute = project.execute_options(path)
    else:
        metadata = front
        execute = front.get("execute") if isinstance(front.get("execute"), dict) else {}
    _check_page_keys(path, metadata, execute)
    fig_dpi = metadata.get("fig-dpi")
    return Page(
        path=path,
        front_matter=front,
        chunks=chunks,
        execute=execute,
        skipped=skipped,
        fig_dpi=fig_dpi if isinstance(fig_dpi, int) else None,
    )


def discover_pages(project: QuartoProject | None = None) -> list[Path]:
    """The pages Quarto renders (the project's render list)."""
    return (project or load_project()).pages


def execute_page(path: Path, project: QuartoProject | None = None) -> PageReport:
    """Run a page in a fresh kernel; raise DsopsError naming page, line and problem."""
    project = project or load_project()
    path = path.resolve()
    page = parse_qmd(path, project)
    chunks = page.executed()
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell(c.source, metadata=_cell_metadata(page.options(c)))
        if isinstance(c, Cell)
        else nbformat.v4.new_code_cell(c.expression)
        for c in chunks
    ]
    inside = path.is_relative_to(project.root)
    workdir = project.working_dir(path) if inside else project.root
    with tempfile.TemporaryDirectory(prefix="dsops-kernel-") as sockets:
        return _run(page, chunks, notebook, Path(sockets) / "kernel", workdir)


def _cell_metadata(options: dict) -> dict:
    """`error: true` lets a cell raise and the page go on, as Quarto shows the error."""
    return {"tags": ["raises-exception"]} if options.get("error") is True else {}


def _run(page: Page, chunks: list[Chunk], notebook, sockets: Path, workdir: Path) -> PageReport:
    # IPC sockets in a private folder: a local kernel needs no TCP ports (nor warns about them)
    kernel = KernelManager(kernel_name="python3", transport="ipc", ip=str(sockets))
    client = NotebookClient(
        notebook,
        km=kernel,
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        allow_errors=False,
        resources={"metadata": {"path": str(workdir)}},
    )
    started = time.perf_counter()
    try:
        client.execute()
    except CellExecutionError as err:
        raise DsopsError(_failure(page, chunks, notebook, str(err))) from None
    except (CellTimeoutError, DeadKernelError) as err:
        raise DsopsError(_failure(page, chunks, notebook, f"{type(err).__name__}: {err}")) from None
    finally:
        # nbclient leaves a kernel manager it did not create running: stop it here
        if client.kc is not None:
            client.kc.stop_channels()
        if kernel.has_kernel:
            kernel.shutdown_kernel(now=True)
        kernel.cleanup_resources()
    seconds = time.perf_counter() - started
    figures: dict[str, bytes] = {}
    inline_values: dict[str, str] = {}
    texts: list[str] = []
    for chunk, nb_cell in zip(chunks, notebook.cells, strict=True):
        outputs = nb_cell.get("outputs", [])
        texts += [_output_text(output) for output in outputs]
        where = f"{paths.project_relative(page.path)}, {chunk.label}"
        if isinstance(chunk, Cell):
            where += f" (line {chunk.line})"
        options = page.options(chunk) if isinstance(chunk, Cell) else page.execute
        _check_streams(where, outputs, options)
        if isinstance(chunk, InlineExpression):
            inline_values[chunk.expression] = _inline_value(where, outputs)
        else:
            found = _check_cell(where, options, chunk, outputs)
            for name, png in found.items():
                _check_png(f"{where}, figure {name}", png, page.fig_dpi)
            figures.update(found)
    return PageReport(
        path=page.path,
        cells_run=len([c for c in chunks if isinstance(c, Cell)]),
        inline_run=len(inline_values),
        seconds=seconds,
        figures=figures,
        inline_values=inline_values,
        skipped=page.skipped,
        text="\n".join(texts),
    )


def _output_text(output: dict) -> str:
    """What a reader can read of one output: a stream's text, or a display's text forms."""
    if output.get("output_type") == "stream":
        return _text(output.get("text", ""))
    data = output.get("data", {})
    return "\n".join(_text(v) for k, v in data.items() if k.startswith("text/"))


def _check_streams(where: str, outputs: list, options: dict) -> None:
    shown = options.get("output") is not False and options.get("include") is not False
    for output in outputs:
        text = _text(output.get("text", "")) + _text(output.get("data", {}).get("text/plain", ""))
        if shown and output.get("output_type") != "error" and ANSI.search(text):
            raise DsopsError(
                f"{where} prints terminal colour codes (from a tool it ran), which Quarto "
                "shows as coloured text that may be unreadable on the page: run the tool "
                "with NO_COLOR=1 or its option for plain output."
            )
        is_stderr = output.get("output_type") == "stream" and output.get("name") == "stderr"
        if is_stderr and shown and options.get("warning", True) is not False:
            raise DsopsError(
                f"{where} wrote to stderr, which would show on the page:\n{output['text'].strip()}"
            )
        if "text/html" in output.get("data", {}):
            raise DsopsError(
                f"{where} displays text/html, which makes Quarto load require.js and jQuery "
                "from a CDN: print tables with dsops.shared.tables.show_table in an "
                "`output: asis` cell, and show other values as text."
            )


def _inline_value(where: str, outputs: list) -> str:
    """The Markdown Quarto writes into the prose for an inline expression's value (see
    sitebuild.prose): `text/markdown` as it is, else `text/plain` as Quarto escapes it. A
    value a reader should not see fails the page: an empty one (Quarto leaves the
    expression on the page as code) or a Python repr such as `np.int64(16)`."""
    for output in outputs:
        data = output.get("data", {})
        if any(mime in data for mime in IMAGE_TYPES):
            raise _inline_problem(where, "displays an image", "show images in a figure cell")
        if "text/markdown" in data:
            value = _text(data["text/markdown"])
        elif "text/plain" in data:
            value = as_escaped_markdown(_text(data["text/plain"]))
        else:
            continue
        if not value:
            raise _inline_problem(
                where,
                "has an empty value, so Quarto would leave the expression on the page as "
                f"code (`{LEFT_AS_CODE} …`)",
                "write the words that do not change in the prose, or give every case a word",
            )
        reprs = python_reprs(value)
        if reprs:
            raise _inline_problem(
                where,
                f"prints {reprs[0]}, the repr Quarto writes for that value",
                'format it in the page (int(x), f"{x:,}", str(x), date.isoformat())',
            )
        return value
    raise DsopsError(f"{where} has no value (it must be an expression, not a statement).")


def _text(data: str | list) -> str:
    """A notebook output's text, which nbformat may hold as a list of lines."""
    return "".join(map(str, data)) if isinstance(data, list) else str(data)


def _inline_problem(where: str, problem: str, fix: str) -> DsopsError:
    return DsopsError(f"{where} {problem}: {fix}.")


def png_facts(png: bytes) -> tuple[int, int, float | None]:
    """Width and height in pixels, and dots per inch if the PNG records them (pHYs)."""
    width, height = struct.unpack(">II", png[16:24])
    at = png.find(b"pHYs")
    dpi = None
    if at > 0 and png[at + 12] == 1:  # unit: metre
        dpi = struct.unpack(">I", png[at + 4 : at + 8])[0] * 0.0254
    return width, height, dpi


def _check_png(where: str, png: bytes, fig_dpi: int | None) -> None:
    """A figure a phone loads fast and a retina screen shows sharp: at most PNG_MAX_BYTES,
    and drawn at twice the page's `fig-dpi`, so Quarto sets its width and height to half
    its pixels (an intrinsic width 2x the displayed one)."""
    if len(png) > PNG_MAX_BYTES:
        raise DsopsError(
            f"{where} is a {len(png):,}-byte PNG, over the {PNG_MAX_BYTES:,}-byte cap for a "
            "page a phone loads: draw fewer points or a smaller figure."
        )
    if fig_dpi is None:
        return
    _, _, dpi = png_facts(png)
    if dpi is None or round(dpi) != 2 * fig_dpi:
        raise DsopsError(
            f"{where} is drawn at {round(dpi) if dpi else 'an unknown'} dpi, not twice the page's "
            f"fig-dpi ({fig_dpi}): Quarto would not size it for retina screens. Draw figures "
            "with dsops.shared.plotting (theme dpi = fig-dpi)."
        )


def _check_cell(where: str, options: dict, cell: Cell, outputs: list) -> dict[str, bytes]:
    """Check one executed cell's outputs against its options; return its figures."""
    printed = "".join(o.get("text", "") for o in outputs if o.get("output_type") == "stream")
    if RAW_HTML_BLOCK.search(printed):
        if options.get("output") != "asis":
            raise DsopsError(
                f"{where} prints a raw HTML block but is not `output: asis`, so Quarto would "
                "show the HTML source as text: add `#| output: asis` to the cell."
            )
        if cell.figure is not None and cell.table is None:
            _check_svg_figure(where, options, cell, printed)
            return {}
        if FORM_OPENING.search(printed):  # an interactive form: neither table nor figure
            if REMOTE_SOURCE.search(printed):
                raise DsopsError(
                    f"{where} prints a form that loads a script or style from another host: "
                    "serve it with the site (a page resource) so the page works offline."
                )
            return {}
        label = str(options.get("label", ""))
        if options.get("tbl-cap") or label.startswith("tbl-"):
            raise DsopsError(
                f"{where} gives an `output: asis` cell a `tbl-` label or `tbl-cap`, which "
                "Quarto drops with the cell's div (quarto-cli#3770): give the cell a plain "
                "label and put it in a `::: {#tbl-...}` div whose last paragraph is the caption."
            )
        if cell.table is None or not cell.table.caption:
            raise DsopsError(
                f"{where} prints a table that is not in a `::: {{#tbl-...}}` div with a caption "
                "paragraph after the cell: the div gives the table its label and caption."
            )
    images = [
        (mime, o["data"][mime])
        for o in outputs
        for mime in IMAGE_TYPES
        if mime in o.get("data", {})
    ]
    if not images or options.get("output") is False or options.get("include") is False:
        return {}
    label = str(options.get("label", ""))
    names = options.get("renderings")
    if not options.get("fig-alt"):
        raise DsopsError(
            f"{where} shows a figure without `#| fig-alt:`: describe what the figure shows."
        )
    if names is not None:
        crossref = [f"`{o}`" for o in ("fig-cap", "tbl-cap") if options.get(o)] + (
            [f"label `{label}`"] if label.startswith(("fig-", "tbl-")) else []
        )
        if crossref:
            raise DsopsError(
                f"{where} combines `renderings` with {' and '.join(crossref)}, which Quarto "
                "1.8 renders wrongly (quarto-cli#12972): give the cell a plain label and "
                "put it in a `::: {#fig-...}` div whose last paragraph is the caption."
            )
        if cell.figure is None or not cell.figure.caption:
            problem = (
                "is not inside a `::: {#fig-...}` div"
                if cell.figure is None
                else f"is in the div #{cell.figure.id} (line {cell.figure.line}), which has "
                "no caption paragraph after the cell"
            )
            raise DsopsError(
                f"{where} shows a figure in renderings but {problem}: the div gives the "
                "figure its label and caption."
            )
        displays = [o for o in outputs if o.get("output_type") in DISPLAY_TYPES]
        if not isinstance(names, list) or len(displays) != len(names):
            raise DsopsError(
                f"{where} declares renderings {names!r} but shows {len(displays)} output(s): "
                "show one per rendering, in order (dsops.shared.plotting.show_figure does)."
            )
    elif len(images) > 1:
        raise DsopsError(
            f"{where} shows {len(images)} images: a figure cell shows one, or declares "
            "`renderings: [light, dark]` for the two that show_figure displays."
        )
    else:
        missing = [
            option
            for option, ok in (
                ("a `fig-` label", label.startswith("fig-")),
                ("fig-cap", bool(options.get("fig-cap"))),
            )
            if not ok
        ]
        if missing and (cell.figure is None or not cell.figure.caption):
            raise DsopsError(
                f"{where} shows a figure without {' or '.join(missing)}: give the cell "
                "`#| label: fig-...` and `#| fig-cap:`, or put it in a `::: {#fig-...}` div."
            )
        names = [""]
    name_of_figure = cell.figure.id if cell.figure is not None else label
    return {
        f"{name_of_figure}-{name}" if name else name_of_figure: base64.b64decode(data)
        for name, (mime, data) in zip(names, images, strict=True)
        if mime != "image/svg+xml"
    }


def _check_svg_figure(where: str, options: dict, cell: Cell, printed: str) -> None:
    """A raw HTML block in a figure div is a diagram: one inline SVG that names itself for
    a screen reader (`role="img"` and its alt text in `aria-label`), captioned by the div."""
    label = str(options.get("label", ""))
    if options.get("fig-cap") or label.startswith("fig-"):
        raise DsopsError(
            f"{where} gives an `output: asis` cell a `fig-` label or `fig-cap`, which Quarto "
            "drops with the cell's div: give the cell a plain label; the `::: {#fig-...}` "
            "div around it gives the figure its label and caption."
        )
    if not cell.figure.caption:
        raise DsopsError(
            f"{where} prints a diagram in the div #{cell.figure.id} (line {cell.figure.line}), "
            "which has no caption paragraph after the cell."
        )
    opening = SVG_OPENING.search(printed)
    attributes = dict(re.findall(r'([\w-]+)="([^"]*)"', opening.group(0))) if opening else {}
    if attributes.get("role") != "img" or not attributes.get("aria-label", "").strip():
        raise DsopsError(
            f"{where} prints raw HTML in the figure div #{cell.figure.id}, which must be an "
            'inline `<svg role="img" aria-label="...">`: the label is the alt text a '
            "screen reader reads, saying what the diagram shows."
        )


def _failure(page: Page, chunks: list[Chunk], notebook, detail: str) -> str:
    """Name the first cell or inline expression whose execution did not complete."""
    where = "an unknown cell"
    for chunk, nb_cell in zip(chunks, notebook.cells, strict=True):
        outputs = nb_cell.get("outputs", [])
        errored = any(o.get("output_type") == "error" for o in outputs)
        if errored or nb_cell.get("execution_count") is None:
            where = (
                chunk.label
                if isinstance(chunk, InlineExpression)
                else (f"{chunk.label} (line {chunk.line})")
            )
            break
    detail = ANSI.sub("", detail)
    error = _last_error_line(detail)
    return f"{paths.project_relative(page.path)}, {where} failed: {error}\n{detail.strip()}"


def _last_error_line(detail: str) -> str:
    for line in reversed(detail.strip().splitlines()):
        if re.match(r"^\w+(Error|Exception|Exit|Interrupt)\b", line.strip()):
            return line.strip()
    return detail.strip().splitlines()[-1] if detail.strip() else "unknown error"
