"""The API client: settings per environment, clear errors, retries on connection
errors only; and the real server (`dsops serve`) on a free loopback port, called
through the client and always stopped."""

import json
import socket
import sys
import time

import pytest

from dsops.penguins import api
from dsops.penguins.client import ApiError, PenguinClient, Settings, in_process
from dsops.penguins.serving import ServedModel
from dsops.shared.errors import DsopsError
from dsops.shared.localserver import local_server

GENTOO = {"bill_length_mm": 45.2, "species": "Gentoo", "sex": "male"}


@pytest.fixture(scope="module")
def served():
    return ServedModel.load()


def test_settings_come_from_the_environment():
    assert Settings.from_environment({}) == Settings("http://127.0.0.1:8080", 10.0)
    environ = {"DSOPS_API_URL": "https://api.example.org/penguins/", "DSOPS_API_TIMEOUT": "2.5"}
    assert Settings.from_environment(environ) == Settings("https://api.example.org/penguins", 2.5)


@pytest.mark.parametrize(
    ("environ", "words"),
    [
        ({"DSOPS_API_URL": "127.0.0.1:8080"}, "DSOPS_API_URL=127.0.0.1:8080 is not an http://"),
        ({"DSOPS_API_TIMEOUT": "soon"}, "DSOPS_API_TIMEOUT=soon is not a number of seconds"),
        ({"DSOPS_API_TIMEOUT": "0"}, "DSOPS_API_TIMEOUT=0 is not a number of seconds above 0"),
        ({"DSOPS_API_TIMEOUT": "inf"}, "DSOPS_API_TIMEOUT=inf is not a number of seconds"),
    ],
)
def test_bad_settings_are_one_sentence(environ, words):
    with pytest.raises(DsopsError, match=words.replace("?", r"\?")):
        Settings.from_environment(environ)


def test_the_client_predicts_and_reads_the_card_in_process(served):
    with in_process(api.create_app(served)) as client:
        assert client.health()["version"] == served.version
        assert client.model_card() == served.card
        answer = client.predict([GENTOO, {**GENTOO, "bill_length_mm": 70.0}])
        assert [p["extrapolation"] for p in answer["predictions"]] == [False, True]


def test_a_refusal_is_an_api_error_with_the_apis_sentence(served):
    with in_process(api.create_app(served)) as client, pytest.raises(ApiError) as refused:
        client.predict([{**GENTOO, "species": "Emperor"}])
    assert refused.value.status == 422
    assert "birds[0].species: Input should be 'Adelie', 'Chinstrap' or 'Gentoo'" in str(
        refused.value
    )
    assert str(refused.value).startswith("http://testserver/predict answered 422: ")


def free_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_connection_errors_are_retried_then_named():
    settings = Settings(f"http://127.0.0.1:{free_port()}", 1.0)
    client = PenguinClient(settings, retries=2, first_pause_s=0.05)
    started = time.monotonic()
    with pytest.raises(DsopsError, match="in 3 attempts: is the API running"):
        client.health()
    assert time.monotonic() - started >= 0.05 + 0.1  # two pauses, the second doubled


def test_a_server_that_does_not_answer_is_not_asked_twice():
    with socket.socket() as silent:  # accepts connections, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        client = PenguinClient(Settings(url, 0.3), retries=3, first_pause_s=0.5)
        started = time.monotonic()
        with pytest.raises(DsopsError, match=r"did not answer within 0.3 s"):
            client.health()
        assert time.monotonic() - started < 0.5 + 0.3  # no pause: no retry


def test_the_real_server_on_loopback_answers_through_the_client(served):
    with local_server(api.serve_command(port=0), timeout_s=60) as server:
        assert server.url.startswith("http://127.0.0.1:")
        with PenguinClient(Settings(server.url, 10.0)) as client:
            assert client.health() == {
                "status": "ok",
                "model": "penguin-body-mass",
                "version": served.version,
            }
            answer = client.predict([GENTOO] * 3)
            assert len(answer["predictions"]) == 3
            with pytest.raises(ApiError, match="answered 422"):
                client.predict([])
            assert (
                'penguin_api_requests_total{method="POST",route="/predict",status="200"} 1.0'
                in (client.metrics())
            )
        process = server.process
        log_lines = [json.loads(x) for x in server.log_lines() if x.startswith("{")]
    assert process.poll() is not None  # stopped when the block ended
    # The first /health is local_server's own wait for the server.
    assert [(x["path"], x["status"], x["batch_size"]) for x in log_lines] == [
        ("/health", 200, None),
        ("/health", 200, None),
        ("/predict", 200, 3),
        ("/predict", 422, None),
        ("/metrics", 200, None),
    ]


def test_the_server_is_stopped_even_when_the_block_fails():
    command = [sys.executable, "-m", "http.server", "0", "--bind", "127.0.0.1"]
    with (
        pytest.raises(RuntimeError, match="the block failed"),
        local_server(command, health_path="/", timeout_s=30) as server,
    ):
        process = server.process
        raise RuntimeError("the block failed")
    assert process.poll() is not None


def test_a_server_that_exits_at_once_is_named_with_what_it_said():
    command = [sys.executable, "-c", "import sys; print('no model here'); sys.exit(3)"]
    with (
        pytest.raises(
            DsopsError, match="exited with code 3 before it listened; it said: no model here"
        ),
        local_server(command, timeout_s=30),
    ):
        pass


def test_a_server_that_never_listens_runs_out_of_time():
    command = [sys.executable, "-c", "import time; time.sleep(30)"]
    started = time.monotonic()
    never_listens = pytest.raises(DsopsError, match=r"named no http://127\.0\.0\.1 URL in time")
    with never_listens, local_server(command, timeout_s=1):
        pass
    assert time.monotonic() - started < 15


def test_serve_on_a_port_in_use_is_one_sentence(runner):
    from dsops.cli import app

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = runner.invoke(app, ["serve", "--port", str(port)])
    assert result.exit_code == 1
    assert f"error: cannot listen on 127.0.0.1:{port} (Address already in use)" in result.output
    assert "pass --port with a free port" in result.output
