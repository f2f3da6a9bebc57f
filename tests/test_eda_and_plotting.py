import pandas as pd
import pytest
from plotnine import ggplot

from dsops.penguins import eda
from dsops.penguins.columns import MEASUREMENT_LABELS, SPECIES
from dsops.penguins.etl import clean_export, run_etl
from dsops.shared import paths
from dsops.shared.plotting import SPECIES_COLOURS, theme_dsops


@pytest.fixture(scope="module")
def penguins() -> pd.DataFrame:
    return clean_export(paths.RAW_PENGUINS)


def test_duckdb_counts_add_up_to_every_bird(tmp_path):
    result = run_etl(paths.RAW_PENGUINS, tmp_path)
    counts = eda.counts_by_island_year(result.duckdb)
    assert counts[["2007", "2008", "2009"]].to_numpy().sum() == 344
    gentoo = counts[counts["species"] == "Gentoo"]
    assert gentoo["island"].tolist() == ["Biscoe"]


def test_missingness_counts_and_orders(penguins):
    table = eda.missingness(penguins)
    assert table.iloc[0]["column"] == "comments"
    by_column = table.set_index("column")
    assert by_column.loc["sex", "missing"] == 11
    assert by_column.loc["species", "missing"] == 0
    assert by_column.loc["sex", "share"] == pytest.approx(11 / 344)


def test_summary_by_species_and_sex(penguins):
    table = eda.summary_by_species_sex(penguins)
    assert len(table) == 6
    assert table["n"].sum() == 333
    adelie_male = table[(table["species"] == "Adelie") & (table["sex"] == "male")].iloc[0]
    assert adelie_male["body_mass_g_mean"] == pytest.approx(4043.49, abs=0.01)


def test_long_measurements_use_readable_labels(penguins):
    long = eda.long_measurements(penguins)
    assert list(long["measure"].cat.categories) == list(MEASUREMENT_LABELS.values())
    assert not long["value"].isna().any()


def test_every_species_has_a_colour():
    assert set(SPECIES_COLOURS) == set(SPECIES.values())


def test_theme_sets_size_and_builds_a_figure(penguins, tmp_path):
    from plotnine import aes, geom_point

    plot = ggplot(penguins.dropna(), aes("bill_length_mm", "body_mass_g")) + geom_point()
    plot = plot + theme_dsops(width=5, height=3)
    figure = plot.draw()
    assert tuple(figure.get_size_inches()) == (5, 3)


def test_group_lines_match_statsmodels(penguins):
    import statsmodels.formula.api as smf

    lines = eda.linear_fit_by_group(penguins, "bill_length_mm", "body_mass_g", points=5)
    assert list(lines["species"].cat.categories) == ["Adelie", "Chinstrap", "Gentoo"]
    for species, part in lines.groupby("species", observed=True):
        fit = smf.ols(
            "body_mass_g ~ bill_length_mm", data=penguins[penguins["species"] == species]
        ).fit()
        band = fit.get_prediction(part[["bill_length_mm"]]).summary_frame(alpha=0.05)
        assert part["fitted"].to_numpy() == pytest.approx(band["mean"].to_numpy())
        assert part["low"].to_numpy() == pytest.approx(band["mean_ci_lower"].to_numpy())
        assert part["high"].to_numpy() == pytest.approx(band["mean_ci_upper"].to_numpy())


def test_unsexed_reasons_and_islands(penguins):
    reasons = eda.unsexed_reasons(penguins).set_index("reason")["birds"].to_dict()
    assert reasons == {
        "Sexing primers did not amplify.": 5,
        "No blood sample obtained.": 4,
        "Adult not sampled.": 2,
    }
    assert eda.islands_by_species(penguins)["Gentoo"] == ["Biscoe"]
    assert len(eda.unmeasured(penguins)) == 2


def test_what_the_eda_page_says_holds(penguins):
    summary = eda.summary_by_species_sex(penguins).set_index(["species", "sex"])
    for species in ["Adelie", "Chinstrap", "Gentoo"]:
        for measure in ["body_mass_g", "bill_length_mm", "bill_depth_mm"]:
            column = f"{measure}_mean"
            assert summary.loc[(species, "male"), column] > summary.loc[(species, "female"), column]
    means = penguins.groupby("species", observed=True)[
        ["body_mass_g", "flipper_length_mm", "bill_depth_mm"]
    ].mean()
    assert means["body_mass_g"].idxmax() == "Gentoo"
    assert means["flipper_length_mm"].idxmax() == "Gentoo"
    assert means["bill_depth_mm"].idxmin() == "Gentoo"

    def quartiles(species, measure):
        return penguins.loc[penguins["species"] == species, measure].quantile([0.25, 0.75])

    def overlap(a, b, measure):
        qa, qb = quartiles(a, measure), quartiles(b, measure)
        return qa[0.25] <= qb[0.75] and qb[0.25] <= qa[0.75]

    # The distributions caption: Gentoo apart on three measures, Adelie and Chinstrap
    # overlapping on those three and differing in bill length (interquartile ranges).
    for measure in ["flipper_length_mm", "bill_depth_mm", "body_mass_g"]:
        assert overlap("Adelie", "Chinstrap", measure), measure
        assert not overlap("Gentoo", "Adelie", measure) and not overlap(
            "Gentoo", "Chinstrap", measure
        ), measure
    assert not overlap("Adelie", "Chinstrap", "bill_length_mm")


def test_share_explained_is_the_r_squared_of_group_means(penguins):
    import statsmodels.formula.api as smf

    share = eda.share_explained(penguins, "body_mass_g", ["species", "sex"])
    fit = smf.ols("body_mass_g ~ species * sex", data=penguins.dropna(subset=["sex"])).fit()
    assert share == pytest.approx(fit.rsquared)
    assert share > 0.5  # the page says "most": more than half
