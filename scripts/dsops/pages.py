"""Execute a Quarto page's Python cells the way Quarto's Jupyter engine does, without Quarto.

This is how pages are tested on machines where Quarto cannot be installed: each page's
`{python}` cells run in order in a fresh kernel whose working directory is the project
root (`execute-dir: project`), honouring `#| eval: false` on a cell or in the front matter.
"""

import base64
import re
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import yaml
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

from dsops import config
from dsops.errors import DsopsError

CELL_START = re.compile(r"^(?P<fence>`{3,})\s*\{python(?P<attrs>[^}]*)\}\s*$")
OPTION = re.compile(r"^#\|\s?(?P<yaml>.*)$")
ANSI = re.compile(r"\x1b\[[0-9;]*m")
CELL_TIMEOUT = 600  # seconds


@dataclass
class Cell:
    source: str
    line: int  # line of the opening fence in the .qmd
    options: dict = field(default_factory=dict)

    @property
    def label(self) -> str:
        return str(self.options.get("label", f"cell at line {self.line}"))


@dataclass
class Page:
    path: Path
    front_matter: dict
    cells: list[Cell]

    def executable_cells(self) -> list[Cell]:
        default = (self.front_matter.get("execute") or {}).get("eval", True)
        return [cell for cell in self.cells if cell.options.get("eval", default) is not False]


@dataclass
class PageReport:
    path: Path
    cells_run: int
    seconds: float
    figures: dict[str, bytes] = field(default_factory=dict)  # cell label -> PNG bytes

    def save_figures(self, folder: Path) -> list[Path]:
        """Write each figure as <page>--<label>.png, to look at without rendering the site."""
        folder.mkdir(parents=True, exist_ok=True)
        written = []
        for label, png in self.figures.items():
            target = folder / f"{self.path.stem}--{label}.png"
            target.write_bytes(png)
            written.append(target)
        return written

    def __str__(self) -> str:
        return f"{_display(self.path)}: {self.cells_run} cells in {self.seconds:.1f}s"


def _display(path: Path) -> str:
    return (
        path.relative_to(config.PROJ_ROOT).as_posix()
        if path.is_relative_to(config.PROJ_ROOT)
        else str(path)
    )


def parse_qmd(path: Path) -> Page:
    """Split a .qmd page into its YAML front matter and its executable Python cells."""
    lines = path.read_text(encoding="utf-8").splitlines()
    front: dict = {}
    start = 0
    if lines and lines[0].strip() == "---":
        end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
        if end is None:
            raise DsopsError(
                f"{_display(path)}: the front matter opened on line 1 is never closed."
            )
        front = _yaml(path, 1, "\n".join(lines[1:end])) or {}
        start = end + 1
    cells: list[Cell] = []
    i = start
    while i < len(lines):
        match = CELL_START.match(lines[i])
        if not match:
            i += 1
            continue
        fence, opened = match["fence"], i + 1
        body: list[str] = []
        i += 1
        while i < len(lines) and not lines[i].startswith(fence):
            body.append(lines[i])
            i += 1
        if i == len(lines):
            raise DsopsError(
                f"{_display(path)}: the Python cell opened on line {opened} is never closed."
            )
        option_lines = []
        for line in body:
            option = OPTION.match(line)
            if not option:
                break
            option_lines.append(option["yaml"])
        options = _yaml(path, opened, "\n".join(option_lines)) or {}
        cells.append(Cell(source="\n".join(body), line=opened, options=options))
        i += 1
    return Page(path=path, front_matter=front, cells=cells)


def _yaml(path: Path, line: int, text: str) -> dict:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise DsopsError(
            f"{_display(path)}, near line {line}: invalid YAML options: {err}"
        ) from None


def discover_pages(root: Path = config.PROJ_ROOT) -> list[Path]:
    """The pages Quarto renders: the `project.render` globs of `_quarto.yml`, in order."""
    config_file = root / "_quarto.yml"
    try:
        project = yaml.safe_load(config_file.read_text(encoding="utf-8"))["project"]
    except (OSError, KeyError, TypeError, yaml.YAMLError) as err:
        raise DsopsError(f"{config_file}: cannot read the project's render list ({err}).") from None
    pages: list[Path] = []
    for pattern in project.get("render") or ["**/*.qmd"]:
        for path in sorted(root.glob(pattern)):
            parts = path.relative_to(root).parts
            hidden = any(part.startswith((".", "_")) for part in parts)
            if path.suffix == ".qmd" and not hidden and path not in pages:
                pages.append(path)
    return pages


def execute_page(path: Path) -> PageReport:
    """Run a page's Python cells in a fresh kernel; raise DsopsError naming page, cell and error.

    A cell that writes to stderr (a warning, a log line) also fails: it would show on the page.
    """
    path = path.resolve()
    page = parse_qmd(path)
    cells = page.executable_cells()
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(cell.source) for cell in cells]
    with tempfile.TemporaryDirectory(prefix="dsops-kernel-") as sockets:
        return _run(page, cells, notebook, Path(sockets) / "kernel")


def _run(page: Page, cells: list[Cell], notebook, sockets: Path) -> PageReport:
    # IPC sockets in a private folder: a local kernel needs no TCP ports (nor warns about them)
    kernel = KernelManager(kernel_name="python3", transport="ipc", ip=str(sockets))
    client = NotebookClient(
        notebook,
        km=kernel,
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        allow_errors=False,
        resources={"metadata": {"path": str(config.PROJ_ROOT)}},
    )
    started = time.perf_counter()
    try:
        client.execute()
    except CellExecutionError as err:
        raise DsopsError(_failure(page, cells, notebook, str(err))) from None
    except (CellTimeoutError, DeadKernelError) as err:
        raise DsopsError(_failure(page, cells, notebook, f"{type(err).__name__}: {err}")) from None
    figures: dict[str, bytes] = {}
    for cell, nb_cell in zip(cells, notebook.cells, strict=True):
        for number, output in enumerate(nb_cell.get("outputs", []), start=1):
            png = output.get("data", {}).get("image/png")
            if png:
                suffix = "" if number == 1 else f"-{number}"
                figures[f"{cell.label}{suffix}"] = base64.b64decode(png)
            if output.get("output_type") == "stream" and output.get("name") == "stderr":
                raise DsopsError(
                    f"{_display(page.path)}, {cell.label} (line {cell.line}) wrote to stderr, "
                    f"which would show on the page:\n{output['text'].strip()}"
                )
    return PageReport(
        path=page.path,
        cells_run=len(cells),
        seconds=time.perf_counter() - started,
        figures=figures,
    )


def _failure(page: Page, cells: list[Cell], notebook, detail: str) -> str:
    """Name the first cell whose execution did not complete."""
    for cell, nb_cell in zip(cells, notebook.cells, strict=True):
        outputs = nb_cell.get("outputs", [])
        errored = any(o.get("output_type") == "error" for o in outputs)
        if errored or nb_cell.get("execution_count") is None:
            where = f"{cell.label} (line {cell.line})"
            break
    else:
        where = "an unknown cell"
    detail = ANSI.sub("", detail)
    error = _last_error_line(detail)
    return f"{_display(page.path)}, {where} failed: {error}\n{detail.strip()}"


def _last_error_line(detail: str) -> str:
    for line in reversed(detail.strip().splitlines()):
        if re.match(r"^\w+(Error|Exception|Exit|Interrupt)\b", line.strip()):
            return line.strip()
    return detail.strip().splitlines()[-1] if detail.strip() else "unknown error"
