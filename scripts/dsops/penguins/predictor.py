"""The predictor in the reader's browser: a plain HTML form (bill length slider, species
and sex choices from the trained levels) and the model's serving export, for a page to
print as a raw HTML block. The arithmetic is in `analyses/penguins/predictor.mjs`, an ES
module published with the page; nothing comes from another host.
"""

import html
import json
import math

SCRIPT = "predictor.mjs"  # beside the page, copied with it (the page's `resources`)
FORM_ID = "penguin-predictor"
BILL_MARGIN_MM = 10  # the slider reaches past the training range, to show the warning


def browser_model(export: dict) -> dict:
    """What the browser needs from serving.json (the grid of test points stays out)."""
    return {key: value for key, value in export.items() if key != "grid"}


def _choices(name: str, legend: str, levels: list[str], chosen: str) -> str:
    buttons = "\n".join(
        f'<label><input type="radio" name="{name}" value="{html.escape(level)}"'
        f"{' checked' if level == chosen else ''}> {html.escape(level)}</label>&ensp;"
        for level in levels
    )
    return (
        '<fieldset style="margin-bottom: 0.75rem">\n'
        f'<legend style="font-size: 1rem; font-weight: 600">{legend}</legend>\n'
        f"{buttons}\n</fieldset>"
    )


def predictor_html(export: dict, bill_mm: float = 45.0) -> str:
    """The form, the model as JSON, and the module script that connects them."""
    shortest, longest = export["features"]["bill_length_mm"]["training_range"]
    levels = {c: export["features"][c]["levels"] for c in ("species", "sex")}
    low, high = math.floor(shortest) - BILL_MARGIN_MM, math.ceil(longest) + BILL_MARGIN_MM
    # "</" never appears inside the JSON, so the script element cannot be closed early.
    model_json = json.dumps(browser_model(export)).replace("</", "<\\/")
    return f"""<form id="{FORM_ID}" class="penguin-predictor border rounded p-3 mb-3">
<p>
<label for="{FORM_ID}-bill" style="font-weight: 600">Bill length</label>
<input type="range" id="{FORM_ID}-bill" name="bill_length_mm" min="{low}" max="{high}"
  step="0.1" value="{bill_mm}">
<span data-predictor-bill>{bill_mm:.1f} mm</span>
</p>
{_choices("species", "Species", levels["species"], levels["species"][0])}
{_choices("sex", "Sex", levels["sex"], levels["sex"][0])}
<p data-predictor-result role="status" aria-live="polite" style="font-size: 1.1rem">
The prediction needs JavaScript, which is switched off in this browser.</p>
<p data-predictor-warning style="font-weight: 600" hidden></p>
</form>
<script type="application/json" id="{FORM_ID}-model">{model_json}</script>
<script type="module">
import {{ connectForm }} from "./{SCRIPT}";
const model = JSON.parse(document.getElementById("{FORM_ID}-model").textContent);
connectForm(document.getElementById("{FORM_ID}"), model);
</script>"""
