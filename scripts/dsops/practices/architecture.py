"""The project's architecture read from its code: which package imports which (with
grimp, the import graph library import-linter is built on), the import contracts run
as `make lint` runs them, and the package graph drawn as a plain SVG diagram.

The diagram is drawn in rows, the layers of the layers contract in pyproject.toml, top
to bottom; a package the contract does not place (the build tooling, `sitebuild`) goes
in the top row, beside the command line, in a dashed box. A box shows a package's
name inside `dsops` (`shared` for `dsops.shared`), so that the diagram stays legible
on a phone. An arrow points from the importer to the package it imports, so when the
layers hold, every arrow points down. An arrow that skips a row passes beside that
row's boxes, on its importer's side.
"""

import html
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import grimp  # a dependency of its own (import-linter is built on it)
import pandas as pd

from dsops.practices.terminal import plain_env
from dsops.shared import paths
from dsops.shared.errors import DsopsError
from dsops.shared.tables import raw_html_block

PACKAGES = ("dsops", "sitebuild")
LAYERS_CONTRACT = "dsops-layers"
LINT_TIMEOUT = 120  # seconds; lint-imports takes about one


# --- the import graph --------------------------------------------------------------


def short_name(package: str) -> str:
    """A package's name inside dsops, as its box shows it: `shared` for `dsops.shared`."""
    return package.removeprefix("dsops.")


def package_of(module: str) -> str:
    """The package a module belongs to in the diagram: `dsops.<part>`, or the top package."""
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] == "dsops" and len(parts) > 1 else parts[0]


@dataclass(frozen=True)
class PackageGraph:
    modules: dict[str, int]  # package -> number of its modules
    imports: dict[tuple[str, str], int]  # (importer, imported) -> module-to-module imports


def package_graph(packages: tuple[str, ...] = PACKAGES) -> PackageGraph:
    """The imports between packages, counted module to module, from the code on disk.
    (The `dsops` package's own __init__ imports nothing of the project and is left out.)"""
    graph = grimp.build_graph(*packages, cache_dir=None)
    shown = sorted(m for m in graph.modules if m != "dsops")
    modules = Counter(package_of(m) for m in shown)
    imports: Counter[tuple[str, str]] = Counter()
    for importer in shown:
        for imported in graph.find_modules_directly_imported_by(importer):
            pair = (package_of(importer), package_of(imported))
            if pair[0] != pair[1]:
                imports[pair] += 1
    return PackageGraph(dict(sorted(modules.items())), dict(sorted(imports.items())))


def contract_rows(pyproject: Path = paths.PROJ_ROOT / "pyproject.toml") -> list[list[str]]:
    """The layers of the layers contract, top first, as rows of package names."""
    config = tomllib.loads(pyproject.read_text(encoding="utf-8"))["tool"]["importlinter"]
    contract = next(c for c in config["contracts"] if c["id"] == LAYERS_CONTRACT)
    (container,) = contract["containers"]
    return [
        [f"{container}.{name.strip()}" for name in layer.split("|")] for layer in contract["layers"]
    ]


# --- layout: boxes in rows, arrows between them -----------------------------------------

FONT = 14  # px, the package names
CHAR = 0.62 * FONT  # a generous width per character of a package name
BOX_HEIGHT = 46
ROW_GAP = 64  # vertical space between rows, where the arrows run
BOX_GAP = 20
LANE = 18  # width of the lane a row leaves for an arrow that passes beside it
MARGIN = 12


@dataclass
class Box:
    name: str
    row: int
    x: float = 0.0  # left
    y: float = 0.0  # top
    width: float = 0.0
    outside: bool = False  # not placed by the contract

    @property
    def centre(self) -> float:
        return self.x + self.width / 2


@dataclass
class Arrow:
    importer: str
    imported: str
    imports: int
    points: list[tuple[float, float]] = field(default_factory=list)


@dataclass
class Layout:
    boxes: dict[str, Box]
    arrows: list[Arrow]
    width: float
    height: float


def layout(graph: PackageGraph, rows: list[list[str]]) -> Layout:
    """Place each package in its row and route each import as a polyline."""
    placed = {name for row in rows for name in row}
    rows = [list(row) for row in rows]
    rows[0] += [name for name in graph.modules if name not in placed]  # e.g. sitebuild
    boxes = {
        name: Box(
            name, r, width=CHAR * max(len(short_name(name)), 7) + 28, outside=name not in placed
        )
        for r, row in enumerate(rows)
        for name in row
        if name in graph.modules
    }
    # An arrow that skips rows takes a lane beside each row it passes: left of the row if
    # its importer sits in the left half of its own row, else right.
    lanes: dict[int, dict[str, list[tuple[str, str]]]] = {
        r: {"left": [], "right": []} for r in range(len(rows))
    }
    for importer, imported in graph.imports:
        top, bottom = boxes[importer].row, boxes[imported].row
        row_of_importer = [n for n in rows[top] if n in boxes]
        side = "left" if row_of_importer.index(importer) < len(row_of_importer) / 2 else "right"
        for r in range(min(top, bottom) + 1, max(top, bottom)):
            lanes[r][side].append((importer, imported))
    widths = []
    for r, row in enumerate(rows):
        names = [n for n in row if n in boxes]
        width = sum(boxes[n].width for n in names) + BOX_GAP * (len(names) - 1)
        widths.append(width + LANE * (len(lanes[r]["left"]) + len(lanes[r]["right"])))
    canvas = max(widths) + 2 * MARGIN
    lane_x: dict[tuple[int, str, str], float] = {}
    for r, row in enumerate(rows):
        x = MARGIN + (canvas - 2 * MARGIN - widths[r]) / 2
        for pair in lanes[r]["left"]:
            lane_x[(r, *pair)] = x + LANE / 2
            x += LANE
        for name in (n for n in row if n in boxes):
            boxes[name].x, boxes[name].y = x, MARGIN + r * (BOX_HEIGHT + ROW_GAP)
            x += boxes[name].width + BOX_GAP
        x -= BOX_GAP
        for pair in lanes[r]["right"]:
            lane_x[(r, *pair)] = x + LANE / 2
            x += LANE
    arrows = [
        Arrow(importer, imported, count, route(boxes[importer], boxes[imported], lane_x))
        for (importer, imported), count in graph.imports.items()
    ]
    spread_ends(arrows, boxes)
    height = MARGIN * 2 + len(rows) * BOX_HEIGHT + (len(rows) - 1) * ROW_GAP
    return Layout(boxes, arrows, canvas, height)


def route(source: Box, target: Box, lane_x: dict) -> list[tuple[float, float]]:
    """The points of an arrow: out of the importer's bottom (its top if the arrow goes
    up, its side within a row), through the lanes of the rows between, into the target."""
    if source.row == target.row:
        left, right = sorted([source, target], key=lambda b: b.x)
        y = source.y + BOX_HEIGHT / 2
        ends = [(left.x + left.width, y), (right.x, y)]
        return ends if left is source else ends[::-1]
    down = source.row < target.row
    start = (source.centre, source.y + (BOX_HEIGHT if down else 0))
    end = (target.centre, target.y + (0 if down else BOX_HEIGHT))
    between = range(source.row + 1, target.row) if down else range(source.row - 1, target.row, -1)
    points = [start]
    for r in between:
        x = lane_x[(r, source.name, target.name)]
        top = MARGIN + r * (BOX_HEIGHT + ROW_GAP)
        points += [(x, top), (x, top + BOX_HEIGHT)] if down else [(x, top + BOX_HEIGHT), (x, top)]
    return [*points, end]


def spread_ends(arrows: list[Arrow], boxes: dict[str, Box]) -> None:
    """Arrows leaving or entering the same edge of a box start or end at points spread
    along it, in the order of where they come from, instead of all at its centre."""
    for name, box in boxes.items():
        for end, neighbour in ((0, 1), (-1, -2)):
            sharing: dict[float, list[Arrow]] = {}
            for arrow in arrows:
                mine = arrow.importer if end == 0 else arrow.imported
                x, y = arrow.points[end]
                if mine == name and x == box.centre:
                    sharing.setdefault(y, []).append(arrow)
            for group in sharing.values():
                group.sort(key=lambda a: a.points[neighbour][0])
                for i, arrow in enumerate(group, start=1):
                    x = box.x + box.width * i / (len(group) + 1)
                    arrow.points[end] = (x, arrow.points[end][1])


# --- drawing ------------------------------------------------------------------------


def draw_svg(drawing: Layout, graph: PackageGraph, label: str, id_prefix: str) -> str:
    """The layout as an SVG document for a page: `currentColor` strokes and text, so it
    follows the page's light or dark theme, named for screen readers by `label`."""
    e = html.escape
    arrowhead = f"{id_prefix}-arrowhead"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {drawing.width:.0f} '
        f'{drawing.height:.0f}" width="100%" style="max-width: {drawing.width:.0f}px; '
        f'height: auto" role="img" aria-label="{e(label)}">',
        f'<defs><marker id="{arrowhead}" viewBox="0 0 10 10" refX="10" refY="5" '
        'markerWidth="8" markerHeight="8" orient="auto-start-reverse">'
        '<path d="M 0 0 L 10 5 L 0 10 z" fill="currentColor"/></marker></defs>',
    ]
    for arrow in drawing.arrows:
        points = " ".join(f"{x:.1f},{y:.1f}" for x, y in arrow.points)
        parts.append(
            f'<polyline class="import" data-importer="{e(arrow.importer)}" '
            f'data-imported="{e(arrow.imported)}" points="{points}" fill="none" '
            f'stroke="currentColor" stroke-width="1.5" marker-end="url(#{arrowhead})">'
            f"<title>{e(arrow.importer)} imports {e(arrow.imported)}: "
            f"{arrow.imports} module imports</title></polyline>"
        )
    for box in drawing.boxes.values():
        dash = ' stroke-dasharray="5 3"' if box.outside else ""
        modules = graph.modules[box.name]
        parts.append(
            f'<g class="package" data-package="{e(box.name)}">'
            f'<rect x="{box.x:.1f}" y="{box.y:.1f}" width="{box.width:.1f}" '
            f'height="{BOX_HEIGHT}" rx="6" fill="currentColor" fill-opacity="0.07" '
            f'stroke="currentColor"{dash}/>'
            f'<text x="{box.centre:.1f}" y="{box.y + 20:.1f}" text-anchor="middle" '
            f'font-size="{FONT}" fill="currentColor">{e(short_name(box.name))}</text>'
            f'<text x="{box.centre:.1f}" y="{box.y + 37:.1f}" text-anchor="middle" '
            f'font-size="{FONT - 3}" fill="currentColor">{modules} module'
            f"{'s' if modules != 1 else ''}</text></g>"
        )
    parts.append("</svg>")
    return "\n".join(parts)


def describe(graph: PackageGraph, rows: list[list[str]]) -> str:
    """Alt text for the diagram, written from the graph: the rows, then each arrow."""
    placed = {name for row in rows for name in row}
    rows = [[n for n in row if n in graph.modules] for row in rows]
    rows[0] += [n for n in graph.modules if n not in placed]
    named = [", ".join(row) for row in rows]
    text = (
        f"The imports between the project's packages, in {len(rows)} rows from top to "
        f"bottom: {'; '.join(named)}. "
    )
    by_importer: dict[str, list[str]] = {}
    for importer, imported in graph.imports:
        by_importer.setdefault(importer, []).append(imported)
    text += " ".join(
        f"{importer} imports {', '.join(imported)}." for importer, imported in by_importer.items()
    )
    row_of = {name: r for r, row in enumerate(rows) for name in row}
    upward = [pair for pair in graph.imports if row_of[pair[0]] >= row_of[pair[1]]]
    return text + (
        " Every arrow points down."
        if not upward
        else f" {len(upward)} arrows point up or sideways, against the layers."
    )


def import_graph_svg(
    graph: PackageGraph | None = None,
    rows: list[list[str]] | None = None,
    id_prefix: str = "import-graph",
) -> str:
    """The project's package import graph as an SVG diagram, alt text included."""
    graph = graph or package_graph()
    rows = rows or contract_rows()
    return draw_svg(layout(graph, rows), graph, describe(graph, rows), id_prefix)


def show_diagram(svg: str) -> None:
    """Print an SVG diagram as a raw HTML block, for an `output: asis` cell inside a
    `::: {#fig-...}` div (see CONTRIBUTING.md)."""
    print(raw_html_block(svg))


# --- what the pages import ------------------------------------------------------------

PAGE_IMPORT = re.compile(r"^\s*(?:from|import)\s+(dsops|sitebuild)\b(?:\.(\w+))?", re.MULTILINE)


def page_imports(root: Path = paths.PROJ_ROOT) -> pd.DataFrame:
    """For each package the site's pages import (`dsops.<part>` or `sitebuild`), how many
    pages import it, read from the import lines of every .qmd page."""
    pages = sorted(root.glob("*.qmd")) + sorted((root / "analyses").glob("**/*.qmd"))
    importers: dict[str, set[str]] = {}
    for page in pages:
        for top, part in PAGE_IMPORT.findall(page.read_text(encoding="utf-8")):
            package = f"{top}.{part}" if top == "dsops" and part else top
            importers.setdefault(package, set()).add(page.relative_to(root).as_posix())
    return pd.DataFrame(
        [{"package": p, "pages": len(importers[p])} for p in sorted(importers)],
        columns=["package", "pages"],
    )


# --- the contracts, run as make lint runs them ------------------------------------------


def lint_imports(project: Path = paths.PROJ_ROOT) -> subprocess.CompletedProcess:
    """Run import-linter's `lint-imports` on a project folder (its pyproject.toml and
    scripts/), without a cache, so that it writes nothing there."""
    command = Path(sys.executable).parent / "lint-imports"
    if not command.is_file():
        raise DsopsError("lint-imports is not installed: run `make setup`, which installs it.")
    env = plain_env(PYTHONPATH=str(project / "scripts"))
    return subprocess.run(
        [str(command), "--no-cache", "--config", str(project / "pyproject.toml")],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=LINT_TIMEOUT,
    )


def report(done: subprocess.CompletedProcess) -> str:
    """lint-imports' report from its "Contracts" heading on, without the logo above it."""
    text = done.stdout
    start = text.find("Contracts\n")
    return text[text.rfind("\n", 0, start - 1) + 1 :].strip() if start > 0 else text.strip()


def lint_with_module(module: str, code: str) -> subprocess.CompletedProcess:
    """lint-imports on a copy of the code in a temporary folder with one module added
    (`module` relative to scripts/, such as `dsops/shared/chart.py`)."""
    with tempfile.TemporaryDirectory(prefix="contracts-") as folder:
        copy = Path(folder)
        shutil.copytree(
            paths.PROJ_ROOT / "scripts",
            copy / "scripts",
            ignore=shutil.ignore_patterns("__pycache__"),
        )
        shutil.copy(paths.PROJ_ROOT / "pyproject.toml", copy)
        (copy / "scripts" / module).write_text(code, encoding="utf-8")
        return lint_imports(copy)
