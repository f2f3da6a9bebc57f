"""What an inline expression puts in a page's prose, and the Python reprs a reader must
never see there.

Quarto writes an inline expression's richest display format: Markdown as it is, and
otherwise its `text/plain` form, which for most objects is their repr. A string's repr
loses its quotes and has Markdown's special characters escaped; anything else is written
as it is, so `np.int64(16)` (NumPy 2's repr of a NumPy integer) or
`datetime.date(2013, 3, 10)` is what the reader sees (quarto-cli,
src/core/jupyter/jupyter-inline.ts, `asEscapedMarkdown`). An expression whose value is
empty is left on the page as it was written, as code.
"""

import re

# `np.int64(16)`, `numpy.float64(0.5)`, `pd.Timestamp('…')`, `Timestamp('…')`,
# `dtype('int64')`, `datetime.date(2013, 3, 10)`, `Decimal('1.5')`, `array([1, 2])`,
# a Series' `dtype: int64` footer, and the default `<x.Y object at 0x…>`.
PYTHON_REPR = re.compile(
    r"(?:\b(?:np|numpy|pd|pandas)\.\w+(?:\.\w+)*"
    r"|\b(?:Timestamp|Timedelta|Period|Decimal|Fraction|dtype|array)"
    r"|\bdatetime\.(?:date|datetime|time|timedelta))\([^()\n]{0,60}\)?"
    r"|\bdtype: \w+"
    r"|<[\w.]+ object at 0x[0-9a-fA-F]+>"
)
# An inline expression as Quarto finds it: not after a backtick, a space or tab after
# `{python}`, then anything up to the next backtick.
INLINE_EXPRESSION = re.compile(r"(?<!`)`\{python\}[ \t](?P<expr>[^`]+)`")
LEFT_AS_CODE = "{python}"
# Markdown characters Quarto escapes in a string's value (`+-.` is a range: + , - .).
MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()>#+-.!])")


def python_reprs(text: str) -> list[str]:
    """The repr-like pieces of a text, in order."""
    return [found.group(0) for found in PYTHON_REPR.finditer(text)]


def as_escaped_markdown(plain: str) -> str:
    """What Quarto writes for a `text/plain` value: a quoted string without its quotes,
    with backslashes doubled and Markdown's special characters escaped; anything else as
    it is."""
    if any(plain.startswith(quote) and plain.endswith(quote) for quote in "'\""):
        inner = plain[1:-1].replace("\\", "\\\\")
        return MARKDOWN_SPECIAL.sub(r"\\\1", inner)
    return plain
