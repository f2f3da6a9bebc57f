"""The project's import graph as dsops.practices.architecture reads and draws it: the
diagram's arrows are grimp's imports between packages, computed here independently;
the layout keeps boxes apart and arrows pointing down where the layers hold; a graph
that breaks its layers is drawn with arrows that show it; and the contracts check runs
on the code and on a copy with a broken layer."""

import xml.etree.ElementTree as ET
from itertools import permutations

import grimp
import pytest

from dsops.practices import architecture
from dsops.practices.architecture import PackageGraph

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def graph() -> PackageGraph:
    return architecture.package_graph()


@pytest.fixture(scope="module")
def drawn(graph) -> ET.Element:
    return ET.fromstring(architecture.import_graph_svg(graph))


def arrows(svg: ET.Element) -> list[ET.Element]:
    return svg.findall(f"{SVG}polyline")


def points(arrow: ET.Element) -> list[tuple[float, float]]:
    return [tuple(map(float, p.split(","))) for p in arrow.get("points").split()]


def boxes(svg: ET.Element) -> dict[str, tuple[float, float, float, float]]:
    found = {}
    for group in svg.findall(f"{SVG}g"):
        rect = group.find(f"{SVG}rect")
        found[group.get("data-package")] = tuple(
            float(rect.get(a)) for a in ("x", "y", "width", "height")
        )
    return found


def test_the_diagrams_arrows_are_grimps_imports_between_packages(drawn):
    """grimp, asked pair by pair, independently of how the diagram was computed."""
    code = grimp.build_graph("dsops", "sitebuild", cache_dir=None)
    packages = [*sorted(code.find_children("dsops")), "sitebuild"]
    expected = {
        (importer, imported)
        for importer, imported in permutations(packages, 2)
        if code.direct_import_exists(importer=importer, imported=imported, as_packages=True)
    }
    drawn_arrows = {(a.get("data-importer"), a.get("data-imported")) for a in arrows(drawn)}
    assert drawn_arrows == expected
    assert set(boxes(drawn)) == set(packages)


def test_every_arrow_points_down_and_no_boxes_overlap(drawn):
    for arrow in arrows(drawn):
        (_, start), *_, (_, end) = points(arrow)
        assert end > start, arrow.get("data-importer")
    placed = list(boxes(drawn).values())
    width, height = (float(v) for v in drawn.get("viewBox").split()[2:])
    for i, (x, y, w, h) in enumerate(placed):
        assert 0 <= x <= x + w <= width and 0 <= y <= y + h <= height
        for x2, y2, w2, h2 in placed[i + 1 :]:
            assert x + w <= x2 or x2 + w2 <= x or y + h <= y2 or y2 + h2 <= y


def test_the_diagram_names_itself_for_screen_readers(drawn, graph):
    assert drawn.get("role") == "img"
    label = drawn.get("aria-label")
    for package in graph.modules:
        assert package in label
    assert label.endswith("Every arrow points down.")
    assert drawn.find(f"{SVG}defs/{SVG}marker").get("id") == "import-graph-arrowhead"


def test_the_rows_are_the_layers_of_the_contract():
    assert architecture.contract_rows() == [
        ["dsops.cli"],
        ["dsops.penguins", "dsops.flights", "dsops.practices"],
        ["dsops.shared"],
    ]


def test_a_graph_that_breaks_its_layers_shows_it():
    broken = PackageGraph(
        modules={"a.top": 1, "a.left": 1, "a.right": 1, "a.base": 2},
        imports={("a.top", "a.base"): 1, ("a.base", "a.top"): 1, ("a.left", "a.right"): 1},
    )
    rows = [["a.top"], ["a.left", "a.right"], ["a.base"]]
    svg = ET.fromstring(architecture.import_graph_svg(broken, rows, id_prefix="broken"))
    by_pair = {(a.get("data-importer"), a.get("data-imported")): points(a) for a in arrows(svg)}
    down, up, across = (
        by_pair[("a.top", "a.base")],
        by_pair[("a.base", "a.top")],
        by_pair[("a.left", "a.right")],
    )
    assert down[-1][1] > down[0][1] and up[-1][1] < up[0][1]
    assert across[0][1] == across[-1][1] and across[-1][0] > across[0][0]
    assert len(down) == 4  # out of a.top, down a lane beside the middle row, into a.base
    middle = boxes(svg)
    lane_x = down[1][0]
    for name in ("a.left", "a.right"):
        x, _, w, _ = middle[name]
        assert not x <= lane_x <= x + w  # the lane passes beside the row's boxes
    assert svg.get("aria-label").endswith("2 arrows point up or sideways, against the layers.")


def test_the_contracts_hold_and_a_broken_layer_is_caught(monkeypatch):
    monkeypatch.setenv("FORCE_COLOR", "1")  # as Jupyter kernels set it
    kept = architecture.lint_imports()
    assert "\x1b[" not in kept.stdout  # plain text, as the page shows it
    assert kept.returncode == 0
    report = architecture.report(kept)
    assert report.startswith("---------\nContracts\n---------")
    assert report.endswith("Contracts: 4 kept, 0 broken.")
    helper = "from dsops.penguins.data import load_penguins\n"
    broken = architecture.lint_with_module("dsops/shared/chart.py", helper)
    assert broken.returncode == 1
    assert "dsops.shared.chart -> dsops.penguins.data (l.1)" in broken.stdout


def test_the_pages_import_dsops_and_never_the_tooling():
    imported = architecture.page_imports().set_index("package")["pages"]
    assert "sitebuild" not in imported.index
    assert imported["dsops.shared"] >= imported.drop("dsops.shared").max()


def test_page_imports_are_counted_page_by_page(tmp_path):
    (tmp_path / "analyses" / "a").mkdir(parents=True)
    (tmp_path / "index.qmd").write_text("```{python}\nfrom dsops.shared import paths\n```\n")
    (tmp_path / "analyses" / "a" / "p.qmd").write_text(
        "```{python}\nimport dsops.shared.tables\nfrom dsops.penguins import model\n"
        "from sitebuild.pages import parse_qmd\n```\n\nProse: from dsops.flights, not code.\n"
    )
    imported = architecture.page_imports(tmp_path)
    assert imported.to_dict("records") == [
        {"package": "dsops.penguins", "pages": 1},
        {"package": "dsops.shared", "pages": 2},
        {"package": "sitebuild", "pages": 1},
    ]
