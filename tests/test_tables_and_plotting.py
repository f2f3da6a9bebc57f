"""The page helpers: tables as raw HTML blocks with theme-neutral colours, figures in a
light and a dark rendering."""

import io
import re

import pandas as pd
import pytest
from great_tables import GT
from matplotlib.image import imread

from dsops.penguins.columns import SPECIES
from dsops.shared.plotting import (
    PALETTES,
    SPECIES_COLOURS,
    renderings,
    show_figure,
    theme_dsops,
)
from dsops.shared.tables import neutral_css, raw_html_block, show_table, table_html

FRAME = pd.DataFrame({"species": ["Adelie", "Gentoo"], "birds": [152, 124]})


def test_a_table_is_printed_as_a_raw_html_block(capsys):
    show_table(GT(FRAME).cols_label(birds="Birds"))
    printed = capsys.readouterr().out
    assert printed.startswith('```{=html}\n<div id="gt-')
    assert printed.endswith("\n```\n\n")
    assert "<table" in printed and ">Birds<" in printed and ">152<" in printed


def test_the_same_table_gives_the_same_bytes():
    assert table_html(FRAME) == table_html(GT(FRAME))
    assert table_html(FRAME) != table_html(FRAME.assign(birds=[1, 2]))


def test_table_colours_follow_the_page():
    html = table_html(FRAME)
    style = re.search(r"<style>.*?</style>", html, re.DOTALL).group(0)
    assert "#333333" not in style and "#FFFFFF" not in style
    assert "color: inherit" in style and "background-color: transparent" in style


def test_recolouring_touches_the_style_block_only():
    html = "<style>a { color: #333333; }</style><td>color: #333333</td>"
    assert neutral_css(html) == "<style>a { color: inherit; }</style><td>color: #333333</td>"


def test_the_fence_is_longer_than_any_backtick_run_in_the_html():
    assert raw_html_block("<code>```x```</code>").startswith("````{=html}\n")


def test_every_species_has_a_colour():
    assert set(SPECIES_COLOURS) == set(SPECIES.values())


def test_mapped_colours_read_on_the_dark_panel_and_quartile_lines_on_every_fill():
    from dsops.shared.plotting import OUTLINE, PALETTES, SEX_COLOURS
    from test_theme import blend, contrast

    panel = PALETTES["dark"]["panel"]
    for colour in [*SPECIES_COLOURS.values(), *SEX_COLOURS.values()]:
        assert contrast(colour, panel) >= 3, colour
    for colour in SPECIES_COLOURS.values():
        for mode in ("light", "dark"):
            fill = blend(colour, PALETTES[mode]["panel"], 0.9)
            assert contrast(OUTLINE, fill) >= 3.8, (colour, mode)
    assert contrast("#0072B2", panel) < 3  # Okabe-Ito's blue, which this test would refuse


def test_light_and_dark_themes_set_size_and_page_colours():
    from plotnine import aes, geom_point, ggplot

    plot = ggplot(FRAME, aes("birds", "birds")) + geom_point()
    light, dark = renderings(plot, width=5, height=3)
    for themed, mode in ((light, "light"), (dark, "dark")):
        figure = themed.draw()
        assert tuple(figure.get_size_inches()) == (5, 3)
        png = io.BytesIO()
        figure.savefig(png, format="png")
        png.seek(0)
        corner = imread(png)[2, 2, :3]  # what a reader sees at the figure's edge
        assert (
            "#{:02X}{:02X}{:02X}".format(*(round(c * 255) for c in corner))
            == (PALETTES[mode]["background"])
        )


def test_an_unknown_mode_is_refused():
    with pytest.raises(ValueError, match="mode must be one of"):
        theme_dsops("sepia")  # type: ignore[arg-type]


def test_show_figure_displays_light_then_dark(monkeypatch):
    from plotnine import aes, geom_point, ggplot

    shown = []
    monkeypatch.setattr("IPython.display.display", shown.append)
    show_figure(ggplot(FRAME, aes("birds", "birds")) + geom_point())
    assert [p.theme.themeables["plot_background"].properties["facecolor"] for p in shown] == [
        PALETTES["light"]["background"],
        PALETTES["dark"]["background"],
    ]


def test_every_page_declares_the_figure_dpi_the_theme_draws_at():
    from dsops.shared.plotting import FIGURE_DPI
    from sitebuild.project import load_project

    project = load_project()
    for page in project.pages:
        if project.relative(page).startswith("analyses/"):
            assert project.metadata(page).get("fig-dpi") == FIGURE_DPI, page
