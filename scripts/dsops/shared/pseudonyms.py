"""Keyed-hash pseudonyms of identifiers, and the key the pipeline makes them with.

A pseudonym is HMAC-SHA256(key, value), cut to 16 hex digits: the same value and key
always give the same pseudonym, so joins and counts still work, and without the key
nobody can compute the pseudonym of a value to look it up.

The key never lives in the repository. It is, in this order:
1. $DSOPS_PSEUDONYM_KEY (a CI secret, a secret store's injection);
2. its line in the project's `.env` (git-ignored, as for database URLs);
3. else, for a local build, a random key written once into
   ~/.config/dsops/pseudonym-key (or $XDG_CONFIG_HOME/dsops/), readable by its owner
   only, and reused by every later build on this machine. One log line says so.
A new key gives every identifier a new pseudonym: that is how a leaked key is retired.
"""

import hashlib
import hmac
import logging
import os
import secrets
import tempfile
from pathlib import Path

import pandas as pd
from dotenv import dotenv_values

from dsops.shared import paths
from dsops.shared.errors import DsopsError

log = logging.getLogger(__name__)

KEY_ENV = "DSOPS_PSEUDONYM_KEY"
ENV_FILE = paths.PROJ_ROOT / ".env"
MIN_KEY_BYTES = 16
LENGTH = 16  # hex digits kept: 64 bits, no collision expected among millions of values


def pseudonym(value: str, key: bytes, length: int = LENGTH) -> str:
    """A keyed hash (HMAC-SHA256) of `value`, as `length` hex digits."""
    if len(key) < MIN_KEY_BYTES:
        raise DsopsError(
            f"the pseudonymisation key is shorter than {MIN_KEY_BYTES} bytes: use 32 random "
            "bytes (for example `python -c 'import secrets; print(secrets.token_hex(32))'`)."
        )
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()[:length]


def pseudonymise(values: pd.Series, key: bytes) -> pd.Series:
    """Each value's keyed-hash pseudonym (computed once per distinct value); missing
    values stay missing."""
    pseudonyms = {value: pseudonym(value, key) for value in values.dropna().unique()}
    return values.map(pseudonyms).astype(values.dtype)


def key_file(environ: dict[str, str] | None = None) -> Path:
    """Where a local build keeps its generated key: outside the repository, in the
    user's configuration folder."""
    environ = dict(os.environ) if environ is None else environ
    config = environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(config) / "dsops" / "pseudonym-key"


def _generated_key(path: Path) -> str:
    """The key in `path`, written first (32 random bytes as hex, owner-only) if there is
    none. Written beside it and linked into place, so two builds that start at once
    still end up with one key."""
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False) as handle:
            handle.write(secrets.token_hex(32) + "\n")  # NamedTemporaryFile is mode 0600
        try:
            os.link(handle.name, path)  # fails if another build linked its key first
            log.warning(
                "no %s set: generated a pseudonymisation key in %s (kept for later builds)",
                KEY_ENV,
                path,
            )
        except FileExistsError:
            pass
        finally:
            os.unlink(handle.name)
    return path.read_text(encoding="utf-8").strip()


def pseudonym_key(environ: dict[str, str] | None = None, env_file: Path | None = None) -> bytes:
    """The pipeline's key (see the module's docstring for where it comes from)."""
    environ = dict(os.environ) if environ is None else environ
    env_file = env_file or ENV_FILE
    text = environ.get(KEY_ENV, "").strip()
    if not text and env_file.is_file():
        text = (dotenv_values(env_file).get(KEY_ENV) or "").strip()
    if not text:
        text = _generated_key(key_file(environ))
    key = text.encode("utf-8")
    if len(key) < MIN_KEY_BYTES:
        raise DsopsError(
            f"{KEY_ENV} is shorter than {MIN_KEY_BYTES} bytes: set it to 32 random bytes as "
            "hex (`python -c 'import secrets; print(secrets.token_hex(32))'`)."
        )
    return key


def key_fingerprint(key: bytes) -> str:
    """A keyed hash of a fixed text: tells two keys apart (so data made with an old key
    is rebuilt) without revealing either."""
    return pseudonym("dsops pseudonym key fingerprint", key)
