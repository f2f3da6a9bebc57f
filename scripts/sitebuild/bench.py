"""Benchmarks of the site's pages (run by `make bench`): how long a fresh kernel takes
to start, the import floor of each kind of page, and every page's execution time."""

import subprocess
import sys
import tempfile
from pathlib import Path

from dsops.shared import benchmarks
from sitebuild.pages import execute_page
from sitebuild.project import QuartoProject, load_project

NAME = "site-pages"
# What each kind of page imports before it does anything (its import floor).
IMPORT_FLOORS = {
    "reads processed data": "from dsops.penguins.data import load_penguins",
    "plots and tables": (
        "import plotnine, great_tables\n"
        "from dsops.shared import plotting, tables\n"
        "from dsops.penguins.data import load_penguins"
    ),
    "fits or loads models": (
        "import plotnine, great_tables\n"
        "from dsops.shared import plotting, tables\n"
        "from dsops.penguins import inference, model, train"
    ),
}


def seconds_in_fresh_interpreter(code: str, repeat: int) -> dict[str, float | int]:
    """Median, min and max wall-clock seconds of `code` in a fresh interpreter."""
    probe = f"import time\nt = time.perf_counter()\n{code}\nprint(time.perf_counter() - t)"
    runs = []
    for _ in range(repeat):
        done = subprocess.run(
            [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=300
        )
        runs.append(float(done.stdout.strip().splitlines()[-1]))
    return benchmarks.summarise(runs, digits=3)


def kernel_start(project: QuartoProject, repeat: int) -> dict[str, float | int]:
    """A page with one empty cell: the cost of a fresh kernel, as the runner pays it."""
    with tempfile.TemporaryDirectory(prefix="dsops-bench-") as scratch:
        page = Path(scratch) / "empty.qmd"
        page.write_text("```{python}\npass\n```\n", encoding="utf-8")
        return benchmarks.timed(lambda: execute_page(page, project), repeat)


def page_times(
    project: QuartoProject, pages: list[Path], repeat: int
) -> dict[str, dict[str, float | int]]:
    """Each page's execution time through the runner (kernel start included)."""
    times = {}
    for page in pages:
        runs = [execute_page(page, project).seconds for _ in range(repeat)]
        times[project.relative(page)] = benchmarks.summarise(runs, digits=3)
    return times


def run(repeat: int = 3, folder: Path | None = None) -> Path:
    """Measure and record everything above as data/benchmarks/site-pages.json."""
    project = load_project()
    figures = {"kernel start": kernel_start(project, repeat)}
    for kind, code in IMPORT_FLOORS.items():
        figures[f"import floor: {kind}"] = seconds_in_fresh_interpreter(code, repeat)
    for page, timing in page_times(project, project.pages, repeat).items():
        figures[f"page: {page}"] = timing
    return benchmarks.record(
        NAME,
        "The site's pages through the page runner (a fresh kernel each, as Quarto's "
        "Jupyter engine starts one): kernel start, import floor of each kind of page "
        "(a fresh interpreter), and every page's execution time.",
        f"Each page executed {repeat} times through the page runner, a fresh Jupyter kernel "
        "each time with the project root as working directory (kernel start included); "
        "import floors timed in a fresh interpreter; median, fastest and slowest.",
        figures,
        **({"folder": folder} if folder else {}),
    )
