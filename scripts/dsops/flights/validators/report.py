"""The comparison recorded by `compare.run` (data/benchmarks/validators.json) as the
tables a page shows: what each approach costs, what each says about the five bad
inputs, and which to choose when. Plain pandas: reading the record imports no
validation library."""

import pandas as pd

APPROACHES = ["by hand", "pandera", "Great Expectations"]  # as compare.APPROACHES names them


def approaches(figures: dict) -> dict[str, dict]:
    """Each approach's figures, in order."""
    return {name: figures[name] for name in APPROACHES}


def names(text: str) -> list[str]:
    """A record's list of names (joined by ", ") as a list."""
    return [name for name in text.split(", ") if name]


def bad_inputs(figures: dict) -> list[str]:
    return figures["table"]["bad_inputs"].split("; ")


def messages(approach: dict, bad: str) -> list[str]:
    """What one approach said about one bad input, a message per item."""
    return [message for message in approach[f"messages: {bad}"].split("\n") if message]


def most_messages(approach: dict, figures: dict) -> int:
    """The most messages the approach gave for one bad input (each breaks one rule)."""
    return max(len(messages(approach, bad)) for bad in bad_inputs(figures))


def tried(figures: dict) -> list[dict]:
    """The products tried against the lock: requirement, resolves, why, message_lines."""
    return [value for key, value in figures.items() if key.startswith("tried: ")]


# What a situation asks of a validator, and the measured figure that decides it (the
# approach with the smallest value wins).
CRITERIA = {
    "lines of code": lambda a, f: a["lines_of_code"],
    "packages added over pandas": lambda a, f: a["packages_added"],
    "installed MB added": lambda a, f: a["added_bytes"] / 1e6,
    "import seconds": lambda a, f: a["import_median_s"],
    "seconds to check the table": lambda a, f: a["check_median_s"],
    "messages for one broken rule": most_messages,
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
    found = approaches(figures)
    return pd.DataFrame(
        {
            criterion: [measure(a, figures) for a in found.values()]
            for criterion, measure in CRITERIA.items()
        },
        index=pd.Index(list(found), name="approach"),
    )


def cost_table(figures: dict) -> pd.DataFrame:
    """The costs as a page shows them, with the package counts in full."""
    return pd.DataFrame(
        [
            {
                "approach": name,
                "lines of code": a["lines_of_code"],
                "packages with pandas": a["packages_total"],
                "added over pandas": a["packages_added"],
                "new to this project": a["packages_new_to_project"],
                "MB added": round(a["added_bytes"] / 1e6, 1),
                "import (s)": a["import_median_s"],
                "check the table (s)": a["check_median_s"],
            }
            for name, a in approaches(figures).items()
        ]
    )


def message_table(figures: dict) -> pd.DataFrame:
    """One row per message: the bad input, the approach that gave it, and its text."""
    return pd.DataFrame(
        [
            {"bad input": bad, "approach": name, "message": message}
            for bad in bad_inputs(figures)
            for name, a in approaches(figures).items()
            for message in messages(a, bad)
        ]
    )


def caught_by_all(figures: dict) -> bool:
    """Whether every approach gave at least one message for every bad input."""
    return all(
        messages(a, bad) for a in approaches(figures).values() for bad in bad_inputs(figures)
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


def costs_long(figures: dict) -> pd.DataFrame:
    """The costs as (approach, measure, value) rows for a faceted bar chart, approaches
    ordered last to first so that a flipped chart lists them top to bottom."""
    long = costs(figures).reset_index().melt("approach", var_name="measure")
    order = APPROACHES[::-1]
    return long.assign(approach=pd.Categorical(long["approach"], categories=order, ordered=True))
