"""Development, preview and production for this site, read from its GitHub workflows.

The gates between the three are not restated here: they are read from
`.github/workflows/*.yml` as data, and `what_if_fails` replays GitHub's rules on them to
say, for a failure at any step, whether a preview is still uploaded and whether the live
site is replaced. GitHub's rules, as its documentation states them:

- a step runs only if every earlier step of its job succeeded, unless its `if:` calls a
  status function (`always()`, `failure()`, `!cancelled()`), which lets it run after a
  failure; `continue-on-error: true` lets a step fail without failing its job;
- a job runs only if every job it `needs` succeeded, with the same exception;
- a job that calls a reusable workflow fails if any job of that workflow failed.

`if:` expressions are evaluated by a small reader that knows the forms these workflows
use (terms joined by `&&`); any other form stops with its text, so nothing is guessed.
"""

import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml

from dsops.shared import paths
from dsops.shared.errors import DsopsError

WORKFLOWS_DIR = paths.PROJ_ROOT / ".github" / "workflows"
STATUS_AFTER_FAILURE = ("always()", "failure()", "!cancelled()")
STATUS_FUNCTIONS = (*STATUS_AFTER_FAILURE, "success()", "cancelled()")


def load_workflow(name: str, folder: Path = WORKFLOWS_DIR) -> dict:
    """A workflow file as data. YAML 1.1 reads the key `on` as True; it is put back."""
    path = folder / name
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as err:
        raise DsopsError(f"{path}: cannot read this workflow ({err}).") from None
    if True in data:
        data["on"] = data.pop(True)
    return data


def expression(text: str | bool | None) -> str:
    """An `if:` value without its `${{ }}` wrapper ("" when there is none)."""
    if text is None:
        return ""
    text = str(text).strip()
    wrapped = re.fullmatch(r"\$\{\{(.*)\}\}", text, re.S)
    return " ".join((wrapped[1] if wrapped else text).split())


def runs_after_failure(condition: str) -> bool:
    """Whether an `if:` lets a step or job run after an earlier failure."""
    return any(status in condition for status in STATUS_AFTER_FAILURE)


def evaluate(condition: str, context: dict[str, object]) -> bool:
    """The value of an `if:` expression's terms other than status functions, which the
    caller applies (see `should_run`). Knows `name`, `!name` and `name == 'text'`, joined
    by `&&`; `context` gives each name's value."""
    value = True
    for term in filter(None, (t.strip() for t in condition.split("&&"))):
        if term in STATUS_FUNCTIONS:
            continue
        compared = re.fullmatch(r"([\w.-]+) == '([^']*)'", term)
        negated = re.fullmatch(r"!([\w.-]+)", term)
        name = compared[1] if compared else negated[1] if negated else term
        if not re.fullmatch(r"[\w.-]+", name) or name not in context:
            raise DsopsError(f"cannot evaluate the workflow condition {condition!r} (at {term!r}).")
        if compared:
            value &= context[name] == compared[2]
        elif negated:
            value &= not context[name]
        else:
            value &= bool(context[name])
    return value


def should_run(condition: str, failed_before: bool, context: dict[str, object]) -> bool:
    """GitHub's rule: without a status function an `if:` is ANDed with success()."""
    if failed_before and not runs_after_failure(condition):
        return False
    return evaluate(condition, context)


def step_name(step: dict) -> str:
    """A step as a reader names it: its name, else its command without options (`make
    test`), else its action."""
    if "name" in step:
        return step["name"]
    if "run" in step:
        return " ".join(w for w in step["run"].split()[:2] if not w.startswith("-"))
    return step["uses"].split("@")[0]


@dataclass
class JobRun:
    """What happened to one job of a simulated run."""

    ran: bool
    failed: bool = False
    steps: list[str] = field(default_factory=list)  # success, failure or skipped, in order


Failing = tuple[str, int] | None  # (job, index of the step in it) that fails, or none


def run_job(
    job_id: str, job: dict, failing: Failing, context: dict[str, object], needs_failed: bool
) -> JobRun:
    """One job's steps in order, with the step `failing` failing."""
    if not should_run(expression(job.get("if")), needs_failed, context):
        return JobRun(ran=False)
    run = JobRun(ran=True)
    outcomes: dict[str, str] = {}  # step id -> outcome, for `steps.<id>.outcome`
    for index, step in enumerate(job.get("steps", [])):
        step_context = {**context, **{f"steps.{i}.outcome": o for i, o in outcomes.items()}}
        if not should_run(expression(step.get("if")), run.failed, step_context):
            outcome = "skipped"
        elif failing == (job_id, index):
            outcome = "failure"
            run.failed |= not step.get("continue-on-error", False)
        else:
            outcome = "success"
        run.steps.append(outcome)
        if "id" in step:
            outcomes[step["id"]] = outcome
    return run


def run_workflow(workflow: dict, failing: Failing, context: dict[str, object]) -> dict[str, JobRun]:
    """Each job of a workflow (in the order written, which follows `needs`) with the
    step `failing` failing."""
    runs: dict[str, JobRun] = {}
    for job_id, job in workflow["jobs"].items():
        runs[job_id] = run_job(job_id, job, failing, context, needs_failed(job, runs))
    return runs


def needs_failed(job: dict, runs: dict[str, JobRun]) -> bool:
    """Whether a job that the given job `needs` failed or did not run."""
    needs = job.get("needs", [])
    needs = [needs] if isinstance(needs, str) else needs
    return any(runs[n].failed or not runs[n].ran for n in needs)


def step_index(job: dict, found) -> int:
    """The index of the first step of a job for which `found(step)` is true."""
    return next(i for i, step in enumerate(job["steps"]) if found(step))


@dataclass(frozen=True)
class Outcome:
    failing: str  # the step that fails, or "nothing"
    job: str  # its job
    preview_uploaded: bool  # a pull request's site artifact
    pages_artifact: bool  # the GitHub Pages artifact a push to main makes
    deployed: bool  # the deploy job of publish.yml ran: the live site was replaced


PREVIEW_STEP = "Upload the rendered site (preview)"
PAGES_ACTION = "actions/upload-pages-artifact"
MAIN_CONTEXT = {
    "github.repository": "devops-for-data-science/devops-for-data-science",
    "github.ref": "refs/heads/main",
}


def what_if_fails(folder: Path = WORKFLOWS_DIR) -> list[Outcome]:
    """For no failure, then for each step that runs one of the project's commands:
    replay a pull request's check and a push to main's publish with that step failing."""
    build = load_workflow("build.yml", folder)
    publish = load_workflow("publish.yml", folder)
    deploy = publish["jobs"]["deploy"]
    site_job = build["jobs"]["build"]
    preview = step_index(site_job, lambda s: s.get("name") == PREVIEW_STEP)
    pages = step_index(site_job, lambda s: s.get("uses", "").startswith(PAGES_ACTION + "@"))
    failures: list[Failing] = [None] + [
        (job_id, index)
        for job_id, job in build["jobs"].items()
        for index, step in enumerate(job.get("steps", []))
        if "run" in step  # the project's own commands; actions are GitHub's
    ]
    outcomes = []
    for failing in failures:
        check = run_workflow(build, failing, {"inputs.pages-artifact": False})
        published = run_workflow(build, failing, {"inputs.pages-artifact": True})
        # publish.yml's job `build` calls build.yml: it fails if any job there failed
        called = JobRun(ran=True, failed=any(run.failed for run in published.values()))
        publish_runs = {job_id: called for job_id in publish["jobs"] if job_id != "deploy"}
        job_id = failing[0] if failing else ""
        outcomes.append(
            Outcome(
                failing=step_name(build["jobs"][job_id]["steps"][failing[1]])
                if failing
                else "nothing",
                job=job_id,
                preview_uploaded=check["build"].steps[preview] == "success",
                pages_artifact=published["build"].steps[pages] == "success",
                deployed=should_run(
                    expression(deploy.get("if")), needs_failed(deploy, publish_runs), MAIN_CONTEXT
                ),
            )
        )
    return outcomes


def outcome_table(outcomes: list[Outcome]) -> pd.DataFrame:
    yes_no = {True: "yes", False: "no"}
    return pd.DataFrame(
        {
            "fails": [o.failing for o in outcomes],
            "job": [o.job for o in outcomes],
            "preview": [yes_no[o.preview_uploaded] for o in outcomes],
            "pages artifact": [yes_no[o.pages_artifact] for o in outcomes],
            "live site replaced": [yes_no[o.deployed] for o in outcomes],
        }
    )


def environments(folder: Path = WORKFLOWS_DIR) -> pd.DataFrame:
    """Development, preview and production: what starts a build for each, and where its
    result goes, read from the workflows (development is a contributor's machine)."""
    check, publish = load_workflow("check.yml", folder), load_workflow("publish.yml", folder)
    build = load_workflow("build.yml", folder)
    upload = next(s for s in build["jobs"]["build"]["steps"] if s.get("name") == PREVIEW_STEP)
    deploy = publish["jobs"]["deploy"]
    pushes = ", ".join(publish["on"]["push"]["branches"])
    schedule = publish["on"]["schedule"][0]["cron"]
    return pd.DataFrame(
        [
            {
                "environment": "development",
                "started by": "a contributor: make preview",
                "builds": "the site on their machine, live reload",
                "result goes to": "localhost only",
            },
            {
                "environment": "preview",
                "started by": f"check.yml on {', '.join(check['on'])}",
                "builds": f"check.yml calls {check['jobs']['build']['uses'].rsplit('/', 1)[1]}",
                "result goes to": "artifact "
                + re.findall(r"format\('([^']*)'", upload["with"]["name"])[0].format("<number>"),
            },
            {
                "environment": "production",
                "started by": f"publish.yml on push to {pushes}, cron {schedule!r}, by hand",
                "builds": f"publish.yml calls {publish['jobs']['build']['uses'].rsplit('/', 1)[1]}"
                f", then deploy (needs: {deploy['needs']})",
                "result goes to": f"environment {deploy['environment']['name']}",
            },
        ]
    )
