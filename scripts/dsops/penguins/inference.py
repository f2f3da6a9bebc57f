"""Statistics the model page shows to justify the model: nested comparisons of the
additive model with interaction models, heteroscedasticity, robust standard errors, an
island effect within the one species sampled on every island, and per-species error.

Everything here is fitted on the rows it is given; the page passes the training birds.
"""

import numpy as np
import pandas as pd
import statsmodels.formula.api as smf
from sklearn.model_selection import KFold
from statsmodels.stats.anova import anova_lm
from statsmodels.stats.diagnostic import het_breuschpagan

from dsops.penguins.model import CV_FOLDS, FORMULA, TARGET
from dsops.shared import paths

# The additive model first: every other formula adds interactions to it. The names are
# shown on the page, hence the multiplication sign.
CANDIDATES = {
    "additive": FORMULA,
    "+ bill length × species": f"{TARGET} ~ bill_length_mm * species + sex",  # noqa: RUF001
    "+ species × sex": f"{TARGET} ~ bill_length_mm + species * sex",  # noqa: RUF001
    "+ both interactions": f"{TARGET} ~ bill_length_mm * species + species * sex",
}


def cv_rmse(formula: str, frame: pd.DataFrame, seed: int = paths.SEED) -> list[float]:
    """RMSE of an OLS formula in each of k shuffled folds of `frame`."""
    folds = KFold(n_splits=CV_FOLDS, shuffle=True, random_state=seed)
    errors = []
    for fit_rows, test_rows in folds.split(frame):
        fitted = smf.ols(formula, data=frame.iloc[fit_rows]).fit()
        held = frame.iloc[test_rows]
        errors.append(float(np.sqrt(np.mean((held[TARGET] - fitted.predict(held)) ** 2))))
    return errors


def compare_models(frame: pd.DataFrame, seed: int = paths.SEED) -> pd.DataFrame:
    """Each candidate against the additive model: nested F-test, and cross-validated RMSE
    on the same folds (so fold-by-fold differences are paired)."""
    additive = smf.ols(CANDIDATES["additive"], data=frame).fit()
    base_folds = np.array(cv_rmse(CANDIDATES["additive"], frame, seed))
    rows = []
    for name, formula in CANDIDATES.items():
        fitted = smf.ols(formula, data=frame).fit()
        folds = np.array(cv_rmse(formula, frame, seed))
        if name == "additive":
            f_value = p_value = np.nan
        else:
            test = anova_lm(additive, fitted).iloc[1]
            f_value, p_value = float(test["F"]), float(test["Pr(>F)"])
        rows.append(
            {
                "model": name,
                "parameters": int(fitted.df_model) + 1,
                "f_vs_additive": f_value,
                "p_vs_additive": p_value,
                "cv_rmse": float(folds.mean()),
                "cv_rmse_sd": float(folds.std(ddof=1)),
                "cv_gain": float((base_folds - folds).mean()),
                "folds_better": int((folds < base_folds).sum()),
            }
        )
    return pd.DataFrame(rows)


def one_standard_error_choice(comparison: pd.DataFrame) -> str:
    """The simplest model whose cross-validated RMSE is within one standard error of the
    best one's (Breiman's one-standard-error rule): extra terms must earn their place."""
    best = comparison.loc[comparison["cv_rmse"].idxmin()]
    limit = best["cv_rmse"] + best["cv_rmse_sd"] / np.sqrt(CV_FOLDS)
    eligible = comparison[comparison["cv_rmse"] <= limit]
    return str(eligible.sort_values(["parameters", "cv_rmse"]).iloc[0]["model"])


def breusch_pagan(results) -> tuple[float, float]:
    """Breusch-Pagan test of constant residual variance: (LM statistic, p-value)."""
    statistic, p_value, _, _ = het_breuschpagan(results.resid, results.model.exog)
    return float(statistic), float(p_value)


def robust_comparison(results) -> pd.DataFrame:
    """Classical and heteroscedasticity-robust (HC3) standard errors, side by side."""
    robust = results.get_robustcov_results(cov_type="HC3")
    return pd.DataFrame(
        {
            "term": results.params.index,
            "estimate": results.params.to_numpy(),
            "se_classical": results.bse.to_numpy(),
            "se_hc3": np.asarray(robust.bse),
            "p_classical": results.pvalues.to_numpy(),
            "p_hc3": np.asarray(robust.pvalues),
        }
    )


def island_effect_within(frame: pd.DataFrame, species: str = "Adelie") -> dict[str, float]:
    """Does island add to bill length and sex within one species? Nested F-test."""
    birds = frame[frame["species"] == species].copy()
    birds["island"] = birds["island"].cat.remove_unused_categories()
    without = smf.ols(f"{TARGET} ~ bill_length_mm + sex", data=birds).fit()
    with_island = smf.ols(f"{TARGET} ~ bill_length_mm + sex + island", data=birds).fit()
    test = anova_lm(without, with_island).iloc[1]
    return {
        "birds": len(birds),
        "islands": int(birds["island"].nunique()),
        "f": float(test["F"]),
        "p": float(test["Pr(>F)"]),
    }


def error_by_species(predictions: pd.DataFrame) -> pd.DataFrame:
    """Held-out RMSE, mean error (predicted - observed) and birds, per species."""
    errors = predictions.assign(error=predictions["predicted"] - predictions["observed"])
    grouped = errors.groupby("species", observed=True)["error"]
    return pd.DataFrame(
        {
            "species": list(grouped.groups),
            "birds": grouped.size().to_numpy(),
            "rmse": np.sqrt(grouped.apply(lambda e: float(np.mean(e**2)))).to_numpy(),
            "mean_error": grouped.mean().to_numpy(),
        }
    )
