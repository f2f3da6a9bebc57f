// The penguin body-mass model in the reader's browser: a prediction and its 95 %
// prediction interval from the model's serving export (serving.json, written by
// `uv run dsops train`), with no library and no server.
//
// The model is linear: body mass = x · beta, where x is the bird's design row (1 for the
// intercept, its bill length, and 1 or 0 for each species and sex that is not the
// reference level). The interval for a new bird is
//   x · beta ± t * sqrt(s² + x' C x)
// with s² the residual variance, C the covariance of the coefficients and t Student's
// quantile at the residual degrees of freedom, all exported by training.

const dot = (a, b) => a.reduce((sum, value, i) => sum + value * b[i], 0);

/** Refuse a bird the model cannot answer, naming the field and what is allowed. */
export function checkBird(model, bird) {
  for (const [name, feature] of Object.entries(model.features)) {
    const value = bird[name];
    if (feature.type === "categorical" && !feature.levels.includes(value)) {
      throw new Error(`${name} must be one of ${feature.levels.join(", ")}, got ${value}`);
    }
    if (feature.type === "numeric" && !Number.isFinite(value)) {
      throw new Error(`${name} must be a finite number, got ${value}`);
    }
  }
}

/** The bird's design row, one value per term, in the order of the coefficients. */
export function designRow(model, bird) {
  return model.terms.map((term) =>
    term.factors.reduce((product, factor) => {
      const value = bird[factor.feature];
      const part = "equals" in factor ? Number(value === factor.equals) : value;
      return product * part;
    }, 1),
  );
}

/** Body mass (g), its prediction interval, and whether the bill length is outside
 * the training range (the model extrapolates there). */
export function predict(model, bird) {
  checkBird(model, bird);
  const x = designRow(model, bird);
  const beta = model.terms.map((term) => model.coefficients[term.name]);
  const mass = dot(x, beta);
  const covarianceTimesX = model.covariance.map((row) => dot(row, x));
  const half = model.t_quantile * Math.sqrt(model.residual_variance + dot(x, covarianceTimesX));
  const [shortest, longest] = model.features.bill_length_mm.training_range;
  const bill = bird.bill_length_mm;
  return {
    body_mass_g: mass,
    low_g: mass - half,
    high_g: mass + half,
    extrapolation: bill < shortest || bill > longest,
  };
}

const grams = (value) => `${Math.round(value).toLocaleString("en-US")} g`;

/** Show the prediction for what the form holds, now and whenever an input changes. */
export function connectForm(form, model) {
  const result = form.querySelector("[data-predictor-result]");
  const warning = form.querySelector("[data-predictor-warning]");
  const billShown = form.querySelector("[data-predictor-bill]");
  const [shortest, longest] = model.features.bill_length_mm.training_range;
  const level = Math.round(100 * model.interval_level);

  function update() {
    const bird = {
      bill_length_mm: Number(form.elements.bill_length_mm.value),
      species: form.elements.species.value,
      sex: form.elements.sex.value,
    };
    const answer = predict(model, bird);
    billShown.textContent = `${bird.bill_length_mm.toFixed(1)} mm`;
    result.textContent =
      `A ${bird.sex} ${bird.species} penguin with a ${bird.bill_length_mm.toFixed(1)} mm bill: ` +
      `${grams(answer.body_mass_g)} (${level} % prediction interval ` +
      `${grams(answer.low_g)} to ${grams(answer.high_g)}).`;
    warning.textContent = answer.extrapolation
      ? `Outside the bill lengths the model was trained on (${shortest}-${longest} mm): ` +
        "this is an extrapolation."
      : "";
    warning.hidden = !answer.extrapolation;
  }

  form.addEventListener("input", update);
  form.addEventListener("submit", (event) => event.preventDefault());
  update();
}
