"""Model promotion: the stages `staging` and `production` point at versions in the model
store, a gate on the versions' metrics decides whether a candidate in staging replaces
production, and a rollback points production back at the version it held before.

Versions are never copied or changed: a stage is a pointer, and moving it is one line
appended to a record (`<store>-stages.json`, beside the store, since a stray file in a
pins board's root breaks pins). Every move and every refusal is kept, so the record
also says who was in production when. MLflow's registry aliases and a vetiver
deployment that names a pin version work the same way.
"""

import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from dsops.shared.errors import DsopsError
from dsops.shared.files import write_atomically
from dsops.shared.store import ModelStore, ModelVersion

STAGING, PRODUCTION = "staging", "production"
MOVES = ("staged", "promoted", "rolled back")  # actions that point a stage at a version
CV = "5-fold CV (mean)"
HELD_OUT = "held-out test"


@dataclass(frozen=True)
class Event:
    at: str  # ISO time, UTC
    model: str
    stage: str
    version: str
    action: str  # staged, promoted, refused or rolled back
    reason: str


def rmse(card: dict, evaluation: str) -> float:
    """The model's RMSE under one evaluation, from its card."""
    for row in card["evaluation"]["metrics"]:
        if row["model"] == "linear model" and row["evaluation"] == evaluation:
            return float(row["rmse"])
    raise DsopsError(f"the model card of {card['name']} has no {evaluation!r} RMSE.")


def comparable(candidate: dict, production: dict) -> str:
    """Why two cards' metrics cannot be compared ("" when they can): the same data,
    seed and held-out share mean the same held-out birds and the same folds."""
    for what, key in [
        ("training data", lambda c: c["training_data"]["sha256"]),
        ("random seed", lambda c: c["random_seed"]),
        ("held-out share", lambda c: c["evaluation"]["test_size"]),
        ("number of folds", lambda c: c["evaluation"]["cv_folds"]),
    ]:
        if key(candidate) != key(production):
            return f"different {what} ({key(candidate)} against {key(production)})"
    return ""


def gate(candidate: dict, production: dict) -> tuple[bool, str]:
    """Promote when the candidate's cross-validated RMSE is lower (where models are
    chosen) and its held-out RMSE is no higher (birds no choice has seen); the reason,
    with the figures, either way."""
    different = comparable(candidate, production)
    if different:
        return False, f"not comparable: {different}"
    cv = rmse(candidate, CV), rmse(production, CV)
    held = rmse(candidate, HELD_OUT), rmse(production, HELD_OUT)
    figures = (
        f"CV RMSE {cv[0]:.0f} g against {cv[1]:.0f} g, "
        f"held-out RMSE {held[0]:.0f} g against {held[1]:.0f} g"
    )
    if cv[0] < cv[1] and held[0] <= held[1]:
        return True, f"better: {figures}"
    return False, f"not better: {figures}"


class Stages:
    """The stage record of a model store."""

    def __init__(self, store: ModelStore, record: Path | None = None) -> None:
        self.store = store
        self.record = record or store.root.parent / f"{store.root.name}-stages.json"

    def events(self) -> list[Event]:
        if not self.record.is_file():
            return []
        try:
            return [Event(**e) for e in json.loads(self.record.read_text(encoding="utf-8"))]
        except (ValueError, TypeError) as err:
            raise DsopsError(f"{self.record}: not a stage record ({err}).") from None

    def _append(self, event: Event) -> Event:
        lines = [asdict(e) for e in [*self.events(), event]]
        text = json.dumps(lines, indent=1) + "\n"
        write_atomically(self.record, lambda tmp: tmp.write_text(text, encoding="utf-8"))
        return event

    def _record(self, name: str, stage: str, version: str, action: str, reason: str) -> Event:
        now = datetime.now(UTC).isoformat(timespec="seconds")
        return self._append(Event(now, name, stage, version, action, reason))

    def history(self, name: str, stage: str) -> list[str]:
        """The versions a stage pointed at, in order (a version may come back)."""
        moves = [e for e in self.events() if e.model == name and e.stage == stage]
        return [e.version for e in moves if e.action in MOVES]

    def current(self, name: str, stage: str) -> ModelVersion | None:
        """The version a stage points at now, or None."""
        history = self.history(name, stage)
        return self.store.get(name, history[-1]) if history else None

    def stage(self, version: ModelVersion, reason: str) -> Event:
        """Point staging at a stored version: the candidate."""
        self.store.get(version.name, version.version)  # one sentence if it is not stored
        return self._record(version.name, STAGING, version.version, "staged", reason)

    def promote(self, name: str) -> Event:
        """Staging's candidate replaces production if it passes the gate (or if nothing
        is in production yet); otherwise the refusal is recorded and production stays."""
        candidate = self.current(name, STAGING)
        if candidate is None:
            raise DsopsError(f"no version of {name!r} is in staging: stage one first.")
        production = self.current(name, PRODUCTION)
        if production is None:
            passed, reason = True, "the first version in production"
        elif production.version == candidate.version:
            raise DsopsError(f"{name} {candidate.version} is already in production.")
        else:
            passed, reason = gate(candidate.card, production.card)
        action = "promoted" if passed else "refused"
        return self._record(name, PRODUCTION, candidate.version, action, reason)

    def rollback(self, name: str, reason: str) -> Event:
        """Point production back at the version it held before its latest move."""
        history = self.history(name, PRODUCTION)
        if len(history) < 2:
            raise DsopsError(f"{name} has no earlier production version to roll back to.")
        back_to = self.store.get(name, history[-2])  # one sentence if it was pruned
        return self._record(name, PRODUCTION, back_to.version, "rolled back", reason)

    def table(self) -> pd.DataFrame:
        """The record, one row per event."""
        columns = ["at", "model", "stage", "version", "action", "reason"]
        return pd.DataFrame([asdict(e) for e in self.events()], columns=columns)
