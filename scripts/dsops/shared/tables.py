"""Tables on pages as raw HTML, never as a `text/html` cell output.

Quarto 1.8 adds require.js and jQuery from a public CDN to any page whose cells emit a
`text/html` output (every great_tables table, every DataFrame display), and they log
`define is not defined`. So a table cell prints a Pandoc raw HTML block instead:

    ::: {#tbl-example}
    ```{python}
    #| label: example
    #| output: asis
    show_table(GT(frame).cols_label(...))
    ```

    The caption.
    :::

With `output: asis` Quarto copies that block into the page as it is, and its HTML table
processing turns it into a Pandoc table. An asis cell loses its own div, and with it a
`tbl-` label and `tbl-cap` (quarto-cli#3770), so the fenced div gives the table its
label and caption.
"""

import hashlib
import re

import pandas as pd
from great_tables import GT

PLACEHOLDER_ID = "dsops-table-id"

# great_tables styles a table for a white page. These replacements make its colours
# follow the page (light or dark theme): text inherits, backgrounds are transparent,
# rules and stripes are translucent grey that reads on both.
NEUTRAL_CSS = {
    "color: #333333": "color: inherit",
    "background-color: #FFFFFF": "background-color: transparent",
    "-color: #FFFFFF": "-color: transparent",  # white rules between white cells
    "background-color: #F4F4F4": "background-color: rgba(128, 128, 128, 0.10)",
    "color: #D3D3D3": "color: rgba(128, 128, 128, 0.45)",
    "color: #A8A8A8": "color: rgba(128, 128, 128, 0.75)",
    "color: font-color(#FFFFFF)": "color: inherit",
}
_STYLE = re.compile(r"<style>.*?</style>", re.DOTALL)


def neutral_css(html: str) -> str:
    """Apply NEUTRAL_CSS inside the table's <style> block only (cell text is untouched)."""

    def recolour(match: re.Match[str]) -> str:
        css = match.group(0)
        for old, new in NEUTRAL_CSS.items():
            css = css.replace(old, new)
        return css

    return _STYLE.sub(recolour, html, count=1)


def table_html(table: GT | pd.DataFrame) -> str:
    """The table as an HTML fragment with theme-neutral colours and a stable id.

    The id is derived from the content, so two builds of the same data write the same
    bytes (great_tables otherwise picks a random id).
    """
    gt = table if isinstance(table, GT) else GT(table)
    html = neutral_css(gt.with_id(PLACEHOLDER_ID).as_raw_html())
    stable = "gt-" + hashlib.sha256(html.encode("utf-8")).hexdigest()[:10]
    return html.replace(PLACEHOLDER_ID, stable)


def raw_html_block(html: str) -> str:
    """A Pandoc raw HTML block, fenced with more backticks than the HTML ever uses."""
    longest = max((len(run) for run in re.findall(r"`+", html)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{{=html}}\n{html.strip()}\n{fence}\n"


def show_table(table: GT | pd.DataFrame) -> None:
    """Print a table as a raw HTML block, for a cell with `output: asis`."""
    print(raw_html_block(table_html(table)))
