"""One look for every figure on the site: plotnine themes for the light and the dark
page, fixed colours per species and sex, and the helper that shows a figure in both.

A figure follows Quarto's `renderings` convention, inside a figure div that gives it its
label and caption (Quarto 1.8 cannot combine `renderings` with a `fig-` label or
`fig-cap` on the cell itself, quarto-cli#12972):

    ::: {#fig-example}
    ```{python}
    #| label: example
    #| echo: false
    #| fig-alt: "..."
    #| renderings: [light, dark]
    show_figure(plot)
    ```

    The caption.
    :::

`show_figure` displays the plot twice, light theme first, so Quarto shows the one that
matches the reader's colour scheme. Geoms without a colour mapping use `NEUTRAL`, a grey
that reads on both backgrounds (black would vanish on the dark page).
"""

from typing import Literal

from plotnine import (
    element_blank,
    element_line,
    element_rect,
    element_text,
    ggplot,
    scale_colour_manual,
    scale_fill_manual,
    theme,
    theme_bw,
)

Mode = Literal["light", "dark"]
# Quarto's default `fig-dpi` for HTML; with its retina output a figure's PNG is twice as
# wide as it is shown. _metadata.yml and this value must agree for Quarto to size it.
FIGURE_DPI = 96
RENDERINGS: tuple[Mode, Mode] = ("light", "dark")

# Okabe-Ito colours: distinguishable with the common colour-vision deficiencies, at
# least 3:1 against the dark figure's panel, and fixed per species so a species has one
# colour on every page and in both modes. Gentoo's blue is lighter than Okabe-Ito's
# #0072B2, which is 2.7:1 on the dark panel; this one is 4.1:1 (and 3.5:1 on white).
SPECIES_COLOURS = {"Adelie": "#E69F00", "Chinstrap": "#CC79A7", "Gentoo": "#3A8FD0"}
SEX_COLOURS = {"female": "#D55E00", "male": "#009E73"}
NEUTRAL = "#8A8A8A"  # reference lines, unmapped points: about 4:1 on white and on the dark page
# Lines drawn over a coloured fill (a violin's quartiles): at least 3.8:1 against every
# species' fill at 90% opacity, in both modes.
OUTLINE = "#1A1A1A"

# Page colours of the site's themes (flatly, darkly), so a figure sits on its page.
PALETTES: dict[Mode, dict[str, str]] = {
    "light": {
        "background": "#FFFFFF",
        "panel": "#FFFFFF",
        "ink": "#222222",
        "grid": "#E3E6E9",
        "border": "#BFC5CC",
        "strip": "#EEF1F4",
    },
    "dark": {
        "background": "#222222",
        "panel": "#2B2B2B",
        "ink": "#E8E8E8",
        "grid": "#3D3D3D",
        "border": "#6B6B6B",
        "strip": "#333333",
    },
}


def theme_dsops(mode: Mode = "light", width: float = 7.0, height: float = 4.2) -> theme:
    """The site's plotnine theme for the light or the dark page."""
    if mode not in PALETTES:
        raise ValueError(f"mode must be one of {sorted(PALETTES)}, not {mode!r}")
    c = PALETTES[mode]
    return theme_bw(base_size=11) + theme(
        figure_size=(width, height),
        dpi=FIGURE_DPI,
        text=element_text(colour=c["ink"]),
        axis_text=element_text(colour=c["ink"]),
        axis_ticks=element_line(colour=c["border"]),
        plot_background=element_rect(fill=c["background"], colour=c["background"]),
        panel_background=element_rect(fill=c["panel"]),
        panel_border=element_rect(colour=c["border"]),
        panel_grid_major=element_line(colour=c["grid"]),
        panel_grid_minor=element_blank(),
        strip_background=element_rect(fill=c["strip"], colour=c["border"]),
        strip_text=element_text(colour=c["ink"]),
        legend_background=element_rect(fill=c["background"]),
        legend_key=element_rect(fill=c["panel"], colour=c["panel"]),
        plot_title=element_text(weight="bold"),
        legend_position="bottom",
    )


def renderings(plot: ggplot, width: float = 7.0, height: float = 4.2) -> list[ggplot]:
    """The plot with the light theme, then with the dark one (Quarto's order)."""
    return [plot + theme_dsops(mode, width, height) for mode in RENDERINGS]


def show_figure(plot: ggplot, width: float = 7.0, height: float = 4.2) -> None:
    """Display the light and the dark rendering of a plot, for `renderings: [light, dark]`."""
    from IPython.display import display  # the kernel has IPython; library users may not

    for themed in renderings(plot, width, height):
        display(themed)


def scale_colour_species(**kwargs) -> scale_colour_manual:
    return scale_colour_manual(values=SPECIES_COLOURS, name="Species", **kwargs)


def scale_fill_species(**kwargs) -> scale_fill_manual:
    return scale_fill_manual(values=SPECIES_COLOURS, name="Species", **kwargs)


def scale_fill_sex(**kwargs) -> scale_fill_manual:
    return scale_fill_manual(values=SEX_COLOURS, name="Sex", **kwargs)
