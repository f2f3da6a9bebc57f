"""The penguin API in-process: every endpoint, every kind of bad input, the request log
and the metrics, and Schemathesis against its own OpenAPI schema (no 5xx)."""

import json
import logging

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from prometheus_client.parser import text_string_to_metric_families

from dsops.penguins import api
from dsops.penguins.serving import ServedModel, birds_frame

GENTOO = {"bill_length_mm": 45.2, "species": "Gentoo", "sex": "male"}


@pytest.fixture(scope="module")
def served():
    return ServedModel.load()


@pytest.fixture(scope="module")
def client(served):
    return TestClient(api.create_app(served))


def predict_raw(client, text: str, **headers):
    return client.post(
        "/predict", content=text, headers={"content-type": "application/json", **headers}
    )


def refused(response, status: int) -> str:
    """The refusal's one sentence, after checking its status and shape."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"detail", "errors"} and body["errors"]
    return body["detail"]


def test_health_names_the_model(client, served):
    assert client.get("/health").json() == {
        "status": "ok",
        "model": "penguin-body-mass",
        "version": served.version,
    }


def test_model_is_the_stored_card(client, served):
    card = client.get("/model").json()
    assert card == served.card
    assert card["training_data"]["train_rows"] > 200


def test_one_bird_is_predicted_by_the_stored_pipeline(client, served):
    body = client.post("/predict", json={"birds": [GENTOO]}).json()
    assert body["model"] == "penguin-body-mass" and body["version"] == served.version
    assert body["interval_level"] == 0.95 and body["warnings"] == []
    (answer,) = body["predictions"]
    assert answer["body_mass_g"] == pytest.approx(
        served.pipeline.predict(birds_frame([GENTOO]))[0], abs=1e-9
    )
    assert answer["low_g"] < answer["body_mass_g"] < answer["high_g"]
    assert answer["extrapolation"] is False


def test_predictions_and_intervals_match_the_exported_grid(client, served):
    grid = served.export["grid"]
    birds = [{c: point[c] for c in ("bill_length_mm", "species", "sex")} for point in grid]
    answers = client.post("/predict", json={"birds": birds}).json()["predictions"]
    assert len(answers) == len(grid) == 30
    for point, answer in zip(grid, answers, strict=True):
        assert answer["body_mass_g"] == pytest.approx(point["predicted"], abs=1e-6)
        assert [answer["low_g"], answer["high_g"]] == pytest.approx(point["interval"], abs=1e-6)


def test_a_bill_outside_the_training_range_is_answered_and_flagged(client, served):
    low, high = served.training_range
    birds = [GENTOO, {**GENTOO, "bill_length_mm": high + 5}, {**GENTOO, "bill_length_mm": low - 5}]
    body = client.post("/predict", json={"birds": birds}).json()
    assert [p["extrapolation"] for p in body["predictions"]] == [False, True, True]
    assert len(body["warnings"]) == 2
    assert body["warnings"][0].startswith("birds[1].bill_length_mm")
    assert f"{low}-{high} mm" in body["warnings"][0]
    inside, outside = body["predictions"][0], body["predictions"][1]
    assert outside["high_g"] - outside["low_g"] > inside["high_g"] - inside["low_g"]


def test_a_batch_of_the_largest_size_is_answered(client):
    body = client.post("/predict", json={"birds": [GENTOO] * api.MAX_BIRDS}).json()
    assert len(body["predictions"]) == api.MAX_BIRDS


@pytest.mark.parametrize(
    ("bird", "field", "words"),
    [
        (
            {**GENTOO, "species": "Emperor"},
            "birds[0].species",
            ["'Adelie', 'Chinstrap' or 'Gentoo'", '"Emperor"'],
        ),
        ({**GENTOO, "sex": "m"}, "birds[0].sex", ["'female' or 'male'", '"m"']),
        ({"species": "Gentoo", "sex": "male"}, "birds[0].bill_length_mm", ["Field required"]),
        (
            {**GENTOO, "bill_length_mm": "45.2"},
            "birds[0].bill_length_mm",
            ["valid number", '"45.2"'],
        ),
        ({**GENTOO, "bill_length_mm": None}, "birds[0].bill_length_mm", ["valid number"]),
        ({**GENTOO, "bill_length_mm": -1}, "birds[0].bill_length_mm", ["greater than 0"]),
        (
            {**GENTOO, "bill_length_mm": 151},
            "birds[0].bill_length_mm",
            ["less than or equal to 150"],
        ),
        ({**GENTOO, "island": "Biscoe"}, "birds[0].island", ["Extra inputs are not permitted"]),
        ("Gentoo", "birds[0]", ["valid dictionary"]),
    ],
)
def test_a_bad_field_is_named_with_what_is_allowed(client, bird, field, words):
    detail = refused(client.post("/predict", json={"birds": [GENTOO, bird]}), 422)
    field = field.replace("[0]", "[1]")  # the bad bird is the second
    assert f"{field}: " in detail
    for word in words:
        assert word in detail


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_refused(client, number):
    text = json.dumps({"birds": [{**GENTOO, "bill_length_mm": "NUMBER"}]})
    text = text.replace('"NUMBER"', number)  # JSON has no NaN: Python writes it as text
    detail = refused(predict_raw(client, text), 422)
    assert "birds[0].bill_length_mm: Input should be a finite number" in detail


def test_every_problem_is_listed_by_field(client):
    response = client.post("/predict", json={"birds": [{"species": "Emperor"}]})
    detail = refused(response, 422)
    assert detail.startswith("The request has 3 problem(s):")
    fields = [e["field"] for e in response.json()["errors"]]
    assert sorted(fields) == ["birds[0].bill_length_mm", "birds[0].sex", "birds[0].species"]


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"birds": []}, ["birds: List should have at least 1 item", "not 0"]),
        ({"birds": [GENTOO] * 1001}, ["birds: List should have at most 1000 items", "not 1001"]),
        ({"bird": GENTOO}, ["birds: Field required", "bird: Extra inputs"]),
        ({"birds": GENTOO}, ["birds: Input should be a valid list"]),
        ([GENTOO], ["body: Input should be a valid dictionary"]),
    ],
)
def test_an_empty_oversized_or_misshapen_batch_is_refused(client, body, words):
    detail = refused(client.post("/predict", json=body), 422)
    for word in words:
        assert word in detail


def test_malformed_json_is_a_400_saying_where(client):
    text = '{"birds": [{"species": "Gentoo",}]}'
    detail = refused(predict_raw(client, text), 400)
    assert detail.startswith("The request body is not valid JSON:")
    assert f"at character {text.index(',}') + 1}" in detail  # counted from 0, as Python does


def test_a_body_not_sent_as_json_is_a_415(client):
    response = client.post("/predict", content=json.dumps({"birds": [GENTOO]}))
    detail = refused(response, 415)
    assert "Content-Type: application/json" in detail


def test_a_body_too_large_is_refused_before_it_is_read(client):
    text = json.dumps({"birds": [GENTOO] * 20_000})
    assert len(text) > api.MAX_BODY_BYTES
    detail = refused(predict_raw(client, text), 413)
    assert "over 1,048,576 bytes" in detail and "at most 1,000 birds" in detail


def test_a_body_in_chunks_must_say_its_length(client):
    chunks = iter([b'{"birds": ', json.dumps([GENTOO]).encode(), b"}"])
    response = client.post("/predict", content=chunks, headers={"content-type": "application/json"})
    assert "Content-Length" in refused(response, 411)


def test_one_json_log_line_per_request(served, caplog):
    client = TestClient(api.create_app(served))
    with caplog.at_level(logging.INFO, logger="dsops.api"):
        client.post("/predict", json={"birds": [GENTOO, GENTOO]})
        client.post("/predict", json={"birds": []})
        client.get("/health")
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "dsops.api"]
    assert [(x["method"], x["path"], x["status"], x["batch_size"]) for x in lines] == [
        ("POST", "/predict", 200, 2),
        ("POST", "/predict", 422, None),
        ("GET", "/health", 200, None),
    ]
    assert all(x["model_version"] == served.version and x["duration_ms"] > 0 for x in lines)


def metric_samples(text: str) -> dict:
    """Every sample of a Prometheus text page, keyed by name and sorted labels."""
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def test_metrics_count_requests_by_status_latency_and_batch_size(served):
    client = TestClient(api.create_app(served))  # its own counts
    for size in (1, 1, 30):
        client.post("/predict", json={"birds": [GENTOO] * size})
    client.post("/predict", json={"birds": []})
    client.get("/nowhere")
    response = client.get("/metrics")
    assert response.headers["content-type"].startswith("text/plain; version=")
    samples = metric_samples(response.text)

    def requests(route, status, method="POST"):
        labels = (("method", method), ("route", route), ("status", status))
        return samples.get(("penguin_api_requests_total", labels), 0)

    assert requests("/predict", "200") == 3
    assert requests("/predict", "422") == 1
    assert requests("no route", "404", "GET") == 1
    latency = ("penguin_api_request_duration_seconds_count", (("route", "/predict"),))
    assert samples[latency] == 4
    assert samples[("penguin_api_batch_size_birds_count", ())] == 3
    assert samples[("penguin_api_batch_size_birds_sum", ())] == 32
    assert samples[("penguin_api_batch_size_birds_bucket", (("le", "1.0"),))] == 2


def test_the_openapi_schema_lists_what_is_allowed(client):
    schema = client.get("/openapi.json").json()
    bird = schema["components"]["schemas"]["Bird"]["properties"]
    assert bird["species"]["enum"] == ["Adelie", "Chinstrap", "Gentoo"]
    assert bird["sex"]["enum"] == ["female", "male"]
    assert bird["bill_length_mm"]["maximum"] == 150
    assert schema["components"]["schemas"]["Birds"]["properties"]["birds"]["maxItems"] == 1000
    assert set(schema["paths"]) == {"/predict", "/health", "/model", "/metrics"}
    assert "1 to 1,000 birds" in schema["info"]["description"]
    assert client.get("/docs").status_code == 200


# Loaded when the tests are collected (Schemathesis's lazy fixture loader fails under
# pytest 9): the store must hold a model, as `make test` makes sure.
schema = schemathesis.openapi.from_asgi("/openapi.json", api.create_app(ServedModel.load()))


@schema.parametrize()
@settings(max_examples=60, suppress_health_check=list(HealthCheck))
def test_schemathesis_finds_no_server_error_and_no_mismatch(case):
    """Generated requests, valid and not, against the schema: no 5xx, and every answer
    matches what the schema says (status, content type, body)."""
    case.call_and_validate()
