"""The comparison recorded by `compare.run` (data/benchmarks/validators.json) as the
tables a page shows: what each approach costs, what each says about the five bad
inputs, and which to choose when. Plain pandas: reading the record imports no
validation library."""

import pandas as pd

# What a situation asks of a validator, and the measured figure that decides it (the
# approach with the smallest value wins).
CRITERIA = {
    "lines of code": lambda a: a["lines_of_code"],
    "packages added over pandas": lambda a: len(a["packages"]["added"]),
    "installed MB added": lambda a: a["added_bytes"] / 1e6,
    "import seconds": lambda a: a["import"]["median_s"],
    "seconds to check the table": lambda a: a["run"]["median_s"],
    "messages for one broken rule": lambda a: max(len(m) for m in a["messages"].values()),
}
SITUATIONS = [
    (
        "A library or tool that others install: every dependency is theirs too",
        "packages added over pandas",
    ),
    ("A command-line tool or a service that starts often", "import seconds"),
    ("Checks inside a pipeline step that runs on every load", "seconds to check the table"),
    ("A small team in Python reading and reviewing every check", "lines of code"),
    ("Someone fixing the data reads the message, not the code", "messages for one broken rule"),
]


def costs(figures: dict) -> pd.DataFrame:
    """One row per approach: each criterion's measured value."""
    return pd.DataFrame(
        {
            criterion: [measure(a) for a in figures["approaches"].values()]
            for criterion, measure in CRITERIA.items()
        },
        index=pd.Index(list(figures["approaches"]), name="approach"),
    )


def cost_table(figures: dict) -> pd.DataFrame:
    """The costs as a page shows them, with the package counts in full."""
    rows = []
    for approach, a in figures["approaches"].items():
        rows.append(
            {
                "approach": approach,
                "lines of code": a["lines_of_code"],
                "packages with pandas": a["packages"]["total"],
                "added over pandas": len(a["packages"]["added"]),
                "new to this project": len(a["packages"]["new_to_project"]),
                "MB added": round(a["added_bytes"] / 1e6, 1),
                "import (s)": a["import"]["median_s"],
                "check the table (s)": a["run"]["median_s"],
            }
        )
    return pd.DataFrame(rows)


def message_table(figures: dict) -> pd.DataFrame:
    """One row per bad input, one column per approach: its messages, one per line."""
    approaches = figures["approaches"]
    return pd.DataFrame(
        [
            {
                "bad input": bad,
                **{name: "\n".join(a["messages"][bad]) for name, a in approaches.items()},
            }
            for bad in figures["bad_inputs"]
        ]
    )


def caught_by_all(figures: dict) -> bool:
    """Whether every approach gave at least one message for every bad input."""
    return all(
        a["messages"][bad] for a in figures["approaches"].values() for bad in figures["bad_inputs"]
    )


def decisions(figures: dict) -> pd.DataFrame:
    """For each situation, the approach its deciding figure favours, with the figures."""
    table = costs(figures)
    rows = []
    for situation, criterion in SITUATIONS:
        column = table[criterion]
        measured = ", ".join(f"{name} {value:g}" for name, value in column.round(2).items())
        rows.append(
            {
                "situation": situation,
                "deciding figure": criterion,
                "choose": column.idxmin(),
                "measured": measured,
            }
        )
    return pd.DataFrame(rows)
