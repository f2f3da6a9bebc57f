// The browser predictor against the grid of Python predictions that `dsops train`
// exports with the model (run by tests/test_predictor.py, with SERVING_JSON naming the
// newest stored serving.json).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import { predict } from "../../analyses/penguins/predictor.mjs";

const model = JSON.parse(readFileSync(process.env.SERVING_JSON, "utf8"));
const TOLERANCE_G = 1e-6;

test("every grid point: the pipeline's prediction and interval within 1e-6 g", () => {
  assert.equal(model.grid.length, 30);
  for (const point of model.grid) {
    const answer = predict(model, point);
    const where = `${point.species} ${point.sex} ${point.bill_length_mm} mm`;
    assert.ok(Math.abs(answer.body_mass_g - point.predicted) <= TOLERANCE_G, where);
    assert.ok(Math.abs(answer.low_g - point.interval[0]) <= TOLERANCE_G, where);
    assert.ok(Math.abs(answer.high_g - point.interval[1]) <= TOLERANCE_G, where);
    assert.equal(answer.extrapolation, false, where);
  }
});

test("a bill outside the training range is answered and flagged", () => {
  const [shortest, longest] = model.features.bill_length_mm.training_range;
  const bird = { species: "Gentoo", sex: "male" };
  const inside = predict(model, { ...bird, bill_length_mm: (shortest + longest) / 2 });
  const outside = predict(model, { ...bird, bill_length_mm: longest + 5 });
  assert.equal(outside.extrapolation, true);
  assert.equal(predict(model, { ...bird, bill_length_mm: shortest - 5 }).extrapolation, true);
  assert.ok(outside.high_g - outside.low_g > inside.high_g - inside.low_g);
});

test("a bird the model cannot answer is refused, naming what is allowed", () => {
  const bird = { bill_length_mm: 45, species: "Gentoo", sex: "male" };
  assert.throws(
    () => predict(model, { ...bird, species: "Emperor" }),
    /species must be one of Adelie, Chinstrap, Gentoo, got Emperor/,
  );
  assert.throws(() => predict(model, { ...bird, sex: undefined }), /sex must be one of/);
  assert.throws(
    () => predict(model, { ...bird, bill_length_mm: Number.NaN }),
    /bill_length_mm must be a finite number/,
  );
});
