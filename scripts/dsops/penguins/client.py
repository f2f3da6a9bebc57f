"""A small client for the penguin body-mass API (`dsops.penguins.api`).

The base URL comes from configuration, not code: `DSOPS_API_URL` in the environment of
each place the client runs (a laptop, CI, a production job), defaulting to a server
started on this machine by `uv run dsops serve`. Every request has a timeout
(`DSOPS_API_TIMEOUT`, seconds). A request that could not connect is retried a few
times with a growing pause (the server may be starting); one that reached the server
is never retried, so an answer is never asked for twice. Every failure is one
sentence (`ApiError` when the API refused the request, with its status and reason).
"""

import os
import time
from collections.abc import Mapping
from dataclasses import dataclass

import httpx2

from dsops.shared.errors import DsopsError

URL_ENV = "DSOPS_API_URL"
TIMEOUT_ENV = "DSOPS_API_TIMEOUT"
DEFAULT_URL = "http://127.0.0.1:8080"
DEFAULT_TIMEOUT_S = 10.0
RETRIES = 3  # after the first attempt, on connection errors only
FIRST_PAUSE_S = 0.2  # doubled after each failed attempt


class ApiError(DsopsError):
    """The API answered with an error status: what it said is wrong."""

    def __init__(self, status: int, detail: str, url: str) -> None:
        self.status, self.detail = status, detail
        super().__init__(f"{url} answered {status}: {detail}")


@dataclass(frozen=True)
class Settings:
    base_url: str
    timeout_s: float

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> "Settings":
        """The API's address and timeout for this environment (see the module docstring)."""
        environ = os.environ if environ is None else environ
        url = environ.get(URL_ENV, "").strip() or DEFAULT_URL
        if not url.startswith(("http://", "https://")):
            raise DsopsError(f"{URL_ENV}={url} is not an http:// or https:// URL.")
        timeout = environ.get(TIMEOUT_ENV, "").strip() or str(DEFAULT_TIMEOUT_S)
        try:
            seconds = float(timeout)
        except ValueError:
            seconds = -1.0
        if not 0 < seconds < float("inf"):
            raise DsopsError(f"{TIMEOUT_ENV}={timeout} is not a number of seconds above 0.")
        return cls(url.rstrip("/"), seconds)


class PenguinClient:
    """Calls the API at the configured URL (or through `http`, an httpx2 client such as
    the in-process one of `in_process`)."""

    def __init__(
        self,
        settings: Settings | None = None,
        http: httpx2.Client | None = None,
        retries: int = RETRIES,
        first_pause_s: float = FIRST_PAUSE_S,
    ) -> None:
        self.settings = settings or Settings.from_environment()
        self.http = http or httpx2.Client(
            base_url=self.settings.base_url, timeout=self.settings.timeout_s
        )
        self.retries, self.first_pause_s = retries, first_pause_s

    def __enter__(self) -> "PenguinClient":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.http.close()

    def health(self) -> dict:
        return self._call("GET", "/health").json()

    def model_card(self) -> dict:
        return self._call("GET", "/model").json()

    def metrics(self) -> str:
        return self._call("GET", "/metrics").text

    def predict(self, birds: list[dict]) -> dict:
        """Predictions for birds given as records (bill_length_mm, species, sex)."""
        return self._call("POST", "/predict", json={"birds": birds}).json()

    def _call(self, method: str, path: str, json: dict | None = None) -> httpx2.Response:
        url = f"{self.http.base_url}".rstrip("/") + path
        pause = self.first_pause_s
        for attempt in range(self.retries + 1):
            try:
                response = self.http.request(method, path, json=json)
                break
            except (httpx2.ConnectError, httpx2.ConnectTimeout) as err:
                if attempt == self.retries:
                    raise DsopsError(
                        f"could not connect to {url} ({err}) in {attempt + 1} attempts: is "
                        f"the API running (`uv run dsops serve`), and is {URL_ENV} right?"
                    ) from None
                time.sleep(pause)
                pause *= 2
            except httpx2.TimeoutException:
                raise DsopsError(
                    f"{url} did not answer within {self.settings.timeout_s:g} s "
                    f"(set {TIMEOUT_ENV} to wait longer)."
                ) from None
            except httpx2.HTTPError as err:
                raise DsopsError(f"{method} {url} failed: {err}.") from None
        if response.status_code >= 400:
            try:
                detail = response.json().get("detail", response.text)
            except ValueError:
                detail = response.text
            raise ApiError(response.status_code, str(detail), url)
        return response


def in_process(app) -> PenguinClient:
    """A client calling `app` in this process, without a socket (for pages and tests)."""
    from fastapi.testclient import TestClient  # an httpx2 client that calls the app

    return PenguinClient(Settings("http://testserver", DEFAULT_TIMEOUT_S), http=TestClient(app))
