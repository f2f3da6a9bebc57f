"""The penguin body-mass model as an HTTP API (FastAPI), for programs.

`create_app()` builds the app around the newest stored model; `uv run dsops serve` runs
it with uvicorn.

- `POST /predict`: body mass and 95 % prediction interval for 1 to 1,000 birds,
  `{"birds": [{"bill_length_mm": 45.2, "species": "Gentoo", "sex": "male"}, ...]}`;
  a bill length outside the training range is answered and flagged as extrapolation;
- `GET /health`, `GET /model` (the model card), `GET /metrics` (Prometheus text);
- `GET /openapi.json` and `GET /docs`: the schema, with the allowed values.

Bad input gets a 4xx whose `detail` names each field and what is allowed (the species
and sexes come from the trained encoder). Each request writes one JSON log line (logger
`dsops.api`) and updates the app's Prometheus metrics.
"""

import json
import logging
import shutil
import socket
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from pydantic import BaseModel, ConfigDict, Field

from dsops.penguins.serving import ServedModel, birds_frame
from dsops.shared.errors import DsopsError
from dsops.shared.store import ModelStore

MAX_BIRDS = 1000
MAX_BODY_BYTES = 1024 * 1024  # 1,000 birds take about 70 KB as JSON
BILL_LIMIT_MM = 150.0  # beyond any penguin: refused, not extrapolated
log = logging.getLogger("dsops.api")


class Problem(BaseModel):
    """What was wrong with a request: one sentence, and each problem by field."""

    detail: str
    errors: list[dict[str, str]] = []


class Prediction(BaseModel):
    body_mass_g: float
    low_g: float = Field(description="Lower end of the prediction interval.")
    high_g: float = Field(description="Upper end of the prediction interval.")
    extrapolation: bool = Field(description="The bill length is outside the training range.")


class Predictions(BaseModel):
    model: str
    version: str
    interval_level: float
    predictions: list[Prediction]
    warnings: list[str] = Field(description="One sentence per bird the model extrapolates for.")


def request_body_model(served: ServedModel) -> type[BaseModel]:
    """The body of POST /predict, with the species and sexes the model was trained on,
    so the OpenAPI schema lists them and anything else is refused."""
    low, high = served.training_range

    class Bird(BaseModel):
        model_config = ConfigDict(extra="forbid")
        bill_length_mm: float = Field(
            gt=0,
            le=BILL_LIMIT_MM,
            allow_inf_nan=False,
            strict=True,  # a JSON number: "45.2" as text is refused
            description=f"Bill length in mm; trained on {low}-{high} mm, outside that the "
            "answer is flagged as an extrapolation.",
            examples=[45.2],
        )
        species: Literal[tuple(served.levels["species"])]  # type: ignore[valid-type]
        sex: Literal[tuple(served.levels["sex"])]  # type: ignore[valid-type]

    class Birds(BaseModel):
        model_config = ConfigDict(extra="forbid")
        birds: list[Bird] = Field(min_length=1, max_length=MAX_BIRDS)

    return Birds


class Metrics:
    """The app's Prometheus metrics, in a registry of its own (two apps in one process,
    as in the tests, never share counts)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "penguin_api_requests",
            "HTTP requests answered, by method, route and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "penguin_api_request_duration_seconds",
            "Seconds from request to response, by route.",
            ["route"],
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
            registry=self.registry,
        )
        self.batch = Histogram(
            "penguin_api_batch_size_birds",
            "Birds per prediction request.",
            buckets=(1, 2, 5, 10, 20, 50, 100, 200, 500, 1000),
            registry=self.registry,
        )


def field_name(location: tuple) -> str:
    """A pydantic error location as a reader writes the field: `birds[0].species`."""
    name = ""
    for part in location:
        if part == "body" and not name:
            continue  # where FastAPI found it, not part of the field's name
        if isinstance(part, int):
            name += f"[{part}]"  # a position in a list
        else:
            name += f".{part}" if name else str(part)
    return name or "body"


def problems(errors: list[dict]) -> list[dict[str, str]]:
    """Pydantic's errors as the field and pydantic's sentence (which names what is
    allowed), with the value sent when it is a short one."""
    found = []
    for error in errors:
        sentence = error["msg"]
        given = error.get("input")
        if error["type"] != "missing" and isinstance(given, (str, int, float, bool)):
            sentence += f", got {json.dumps(given)[:40]}"
        found.append({"field": field_name(error["loc"]), "problem": sentence})
    return found


def refuse(status: int, detail: str, found: list[dict[str, str]]) -> JSONResponse:
    """A 4xx answer: one sentence, and each problem by field."""
    return JSONResponse(Problem(detail=detail, errors=found).model_dump(), status_code=status)


def refuse_large_body(request: Request) -> JSONResponse | None:
    """A 411 or 413 for a body that may be over MAX_BODY_BYTES, judged before it is
    read: the server reads no more than the declared Content-Length, so the header is a
    real bound, and a body sent in chunks without one is refused."""
    declared = request.headers.get("content-length")
    if declared is None and "chunked" in request.headers.get("transfer-encoding", ""):
        return refuse(
            411,
            "Send the request body with a Content-Length header, not in chunks.",
            [{"field": "body", "problem": "has no Content-Length"}],
        )
    if declared is not None and (not declared.isdigit() or int(declared) > MAX_BODY_BYTES):
        return refuse(
            413,
            f"The request body is over {MAX_BODY_BYTES:,} bytes: send at most "
            f"{MAX_BIRDS:,} birds a request.",
            [{"field": "body", "problem": f"is over {MAX_BODY_BYTES:,} bytes"}],
        )
    return None


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": Problem, "description": "The body is not JSON."},
    411: {"model": Problem, "description": "The body was sent without a Content-Length."},
    413: {"model": Problem, "description": f"The body is over {MAX_BODY_BYTES:,} bytes."},
    415: {"model": Problem, "description": "The body is not sent as application/json."},
    422: {"model": Problem, "description": "A field is missing or has a value not allowed."},
}


def create_app(served: ServedModel | None = None) -> FastAPI:
    """The API around a stored model (default: the newest in the model store)."""
    served = served or ServedModel.load()
    metrics = Metrics()
    Birds = request_body_model(served)
    low, high = served.training_range
    app = FastAPI(
        title="Penguin body mass",
        version=served.version,
        description=(
            f"Body mass of adult Palmer penguins from bill length, species and sex: model "
            f"`{served.name}` version `{served.version}`. POST 1 to {MAX_BIRDS:,} birds to "
            f"/predict; bill lengths outside {low}-{high} mm are answered and flagged as "
            "extrapolations."
        ),
    )

    @app.middleware("http")
    async def observe(request: Request, call_next):
        """Refuse a body too large before it is read; then one JSON log line and the
        metrics for every request, refusals included."""
        started = time.perf_counter()
        status = 500  # unless the app answers
        try:
            response = refuse_large_body(request) or await call_next(request)
            status = response.status_code
            return response
        finally:
            seconds = time.perf_counter() - started
            birds = getattr(request.state, "batch_size", None)
            # Label by route, not by the path sent, so random paths add no new series.
            route = getattr(request.scope.get("route"), "path", "no route")
            metrics.requests.labels(request.method, route, str(status)).inc()
            metrics.latency.labels(route).observe(seconds)
            if birds is not None:
                metrics.batch.observe(birds)
            line = {
                "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
                "method": request.method,
                "path": request.url.path,
                "status": status,
                "duration_ms": round(seconds * 1000, 2),
                "batch_size": birds,
                "model_version": served.version,
            }
            log.log(logging.ERROR if status >= 500 else logging.INFO, json.dumps(line))

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, err: RequestValidationError) -> JSONResponse:
        errors = list(err.errors())
        if errors[0]["type"] == "json_invalid":
            reason = f"{errors[0]['ctx']['error']} at character {errors[0]['loc'][-1]}"
            return refuse(
                400,
                f"The request body is not valid JSON: {reason}.",
                [{"field": "body", "problem": f"is not valid JSON ({reason})"}],
            )
        if errors[0]["loc"] == ("body",) and isinstance(errors[0]["input"], bytes):
            # FastAPI reads a body as JSON only when it is sent as JSON.
            return refuse(
                415,
                "The request body must be JSON, sent with Content-Type: application/json.",
                [{"field": "body", "problem": "is not sent as JSON"}],
            )
        found = problems(errors)
        listed = "; ".join(f"{p['field']}: {p['problem']}" for p in found)
        return refuse(422, f"The request has {len(found)} problem(s): {listed}.", found)

    @app.post("/predict", response_model=Predictions, responses=PROBLEM_RESPONSES)
    def predict(body: Birds, request: Request) -> Predictions:  # type: ignore[valid-type]
        """Body mass (g) with its 95 % prediction interval, for 1 to 1,000 birds."""
        birds = [bird.model_dump() for bird in body.birds]
        request.state.batch_size = len(birds)
        answers = served.predict(birds_frame(birds))
        warnings = [
            f"birds[{i}].bill_length_mm {birds[i]['bill_length_mm']:g} mm is outside the "
            f"training range {low}-{high} mm: the prediction is an extrapolation."
            for i in answers.index[answers["extrapolation"]]
        ]
        return Predictions(
            model=served.name,
            version=served.version,
            interval_level=served.interval_level,
            predictions=answers.to_dict(orient="records"),
            warnings=warnings,
        )

    @app.get("/health")
    def health() -> dict[str, str]:
        """The API is up and has a model."""
        return {"status": "ok", "model": served.name, "version": served.version}

    @app.get("/model")
    def model_card() -> dict[str, Any]:
        """The served model's card: data, metrics, libraries, commit."""
        return served.card

    @app.get("/metrics", response_class=Response)
    def prometheus_metrics() -> Response:
        """Request counts by status, latencies and batch sizes (Prometheus text format)."""
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    return app


def serve(host: str, port: int, store: ModelStore | None = None) -> None:
    """Run the API with uvicorn until interrupted (port 0: any free port). The first
    line on stderr says where it listens; then one JSON line per request."""
    import uvicorn

    served = ServedModel.load(store)
    # Bind the socket here, so a port in use is one clear sentence and port 0 tells
    # us which port it got. Say it is TCP: asyncio switches Nagle's algorithm off only
    # on sockets that do, and without that every answer waits ~40 ms for an ACK.
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listening = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listening.bind((host, port))
    except OSError as err:
        listening.close()
        raise DsopsError(
            f"cannot listen on {host}:{port} ({err.strerror}): pass --port with a free port "
            "(or 0 for any) and --host with an address of this machine."
        ) from None
    handler = logging.StreamHandler(sys.stderr)
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False  # the command's own logging would print each line again
    print(
        f"serving {served.name} version {served.version} on "
        f"http://{host}:{listening.getsockname()[1]} (docs at /docs; Ctrl-C stops)",
        file=sys.stderr,
        flush=True,
    )
    config = uvicorn.Config(create_app(served), log_level="warning", access_log=False)
    uvicorn.Server(config).run(sockets=[listening])


def serve_command(port: int = 0, host: str = "127.0.0.1") -> list[str]:
    """`dsops serve` as a command line of this environment: how tests and benchmarks
    start the real server."""
    dsops = shutil.which("dsops", path=str(Path(sys.executable).parent))
    if dsops is None:
        raise DsopsError(
            "the dsops command is not installed in this environment: run `make setup`."
        )
    return [dsops, "serve", "--host", host, "--port", str(port)]
