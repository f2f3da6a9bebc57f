"""One look for every figure on the site: a plotnine theme and fixed species colours."""

from plotnine import (
    element_blank,
    element_rect,
    element_text,
    scale_colour_manual,
    scale_fill_manual,
    theme,
    theme_bw,
)

# Okabe-Ito colours: distinguishable with the common colour-vision deficiencies,
# and fixed per species so a species has one colour on every page.
SPECIES_COLOURS = {"Adelie": "#E69F00", "Chinstrap": "#CC79A7", "Gentoo": "#0072B2"}
SEX_COLOURS = {"female": "#D55E00", "male": "#009E73"}


def theme_dsops(width: float = 7.0, height: float = 4.2) -> theme:
    """Light panels on a white card, so figures read the same in light and dark mode."""
    return theme_bw(base_size=11) + theme(
        figure_size=(width, height),
        dpi=110,
        plot_background=element_rect(fill="white", colour="white"),
        panel_grid_minor=element_blank(),
        strip_background=element_rect(fill="#EEF1F4", colour="#BFC5CC"),
        plot_title=element_text(weight="bold"),
        legend_position="bottom",
    )


def scale_colour_species(**kwargs) -> scale_colour_manual:
    return scale_colour_manual(values=SPECIES_COLOURS, name="Species", **kwargs)


def scale_fill_species(**kwargs) -> scale_fill_manual:
    return scale_fill_manual(values=SPECIES_COLOURS, name="Species", **kwargs)


def scale_fill_sex(**kwargs) -> scale_fill_manual:
    return scale_fill_manual(values=SEX_COLOURS, name="Sex", **kwargs)
