# The penguin body-mass API (`dsops serve`) as a container image.
#
#   make image                        # here: a Debian base built locally, podman
#   docker build -t dsops-api .       # elsewhere: the python slim base below
#
# BASE_IMAGE is any Debian-based image with Python >= 3.11 as `python3` on PATH. The
# default is pinned to a Python patch release and a Debian release; where a registry
# can be reached, pin its digest too (`python:3.11.14-slim-bookworm@sha256:...`).
ARG BASE_IMAGE=python:3.11.14-slim-bookworm

# ---- build stage: uv and the locked environment; none of it ships but the venv ----
FROM ${BASE_IMAGE} AS build

# uv itself from PyPI, with the hashes this repository pins (tools/uv-requirements.txt).
COPY tools/uv-requirements.txt /tmp/uv-requirements.txt
RUN python3 -m venv /opt/uv \
    && /opt/uv/bin/pip install --no-cache-dir --disable-pip-version-check \
       --require-hashes --no-deps -r /tmp/uv-requirements.txt

# Byte-compile once at build time, copy rather than link from uv's cache, and never
# download a Python: use the base image's.
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv

WORKDIR /app
# The dependencies first, from the lock alone: this layer is rebuilt only when
# pyproject.toml or uv.lock change, not on every change to the code. Only what serving
# needs: the project's own dependencies, without the groups (`pipeline`, `dev`) that
# `uv sync` adds for the data pipeline, the site and the checks.
COPY pyproject.toml uv.lock ./
RUN /opt/uv/bin/uv sync --locked --no-default-groups --no-install-project --no-cache
# Then the package itself, installed into the environment as a wheel (not editable), so
# the final stage needs no source tree.
COPY README.md ./
COPY scripts ./scripts
RUN /opt/uv/bin/uv sync --locked --no-default-groups --no-editable --no-cache

# ---- final stage: the base image, the environment, the code and the model ----
FROM ${BASE_IMAGE}

# A user without a login shell or a home; the process never runs as root.
RUN groupadd --gid 10001 dsops \
    && useradd --uid 10001 --gid dsops --no-create-home --shell /usr/sbin/nologin dsops

WORKDIR /app
COPY --from=build /app/.venv /app/.venv
# The stored model the API serves (`make train` writes it): image and model are one
# versioned artifact. DSOPS_PROJ_ROOT tells the installed package where models/ is.
COPY models/penguin-body-mass ./models/penguin-body-mass

ENV PATH=/app/.venv/bin:$PATH \
    DSOPS_PROJ_ROOT=/app \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1

USER 10001:10001
EXPOSE 8080

# The API's own /health, through the Python the image already has (no curl needed).
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
    CMD ["python3", "-c", "import urllib.request as u; u.urlopen('http://127.0.0.1:8080/health', timeout=2)"]

# Exec form: the server is PID 1 and gets the stop signal. Listening on all of the
# container's addresses is what makes a published port reach it.
ENTRYPOINT ["dsops", "serve", "--host", "0.0.0.0", "--port", "8080"]
