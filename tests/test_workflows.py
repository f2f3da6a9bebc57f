"""Static checks of the GitHub Actions workflows: they cannot run here, so they must be
right by construction (marker `workflows`)."""

import re
import subprocess
from pathlib import Path

import pytest
import yaml

from dsops.shared import paths

pytestmark = pytest.mark.workflows
WORKFLOWS = paths.PROJ_ROOT / ".github" / "workflows"
FILES = sorted(WORKFLOWS.glob("*.yml"))
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")


def load(name: str) -> dict:
    data = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads the key `on` as True
    return data


def steps(workflow: dict):
    for job in workflow["jobs"].values():
        yield from job.get("steps", [])


def test_there_are_the_three_workflows():
    assert [f.name for f in FILES] == ["build.yml", "check.yml", "publish.yml"]


@pytest.mark.parametrize("path", FILES, ids=[f.name for f in FILES])
def test_workflow_matches_the_github_schema(path: Path, tool):
    done = subprocess.run(
        [tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(path)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_zizmor_finds_nothing(tool):
    done = subprocess.run(
        [
            tool("zizmor"),
            "--offline",
            "--config",
            str(WORKFLOWS.parent / "zizmor.yml"),
            str(WORKFLOWS),
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "No findings to report" in done.stdout + done.stderr


def test_check_builds_each_pull_request_commit_once():
    """Not on push too: a push to a pull request's branch would build its commit twice
    (once per trigger), and publish.yml builds every push to main."""
    check = load("check.yml")
    assert set(check["on"]) == {"pull_request", "workflow_dispatch"}
    assert check["on"]["pull_request"] is None
    assert check["jobs"]["build"]["uses"] == "./.github/workflows/build.yml"
    assert load("publish.yml")["on"]["push"] == {"branches": ["main"]}


def test_publish_triggers_reuse_the_build_and_never_overlap():
    publish = load("publish.yml")
    assert publish["on"]["push"] == {"branches": ["main"]}
    assert "workflow_dispatch" in publish["on"]
    assert len(publish["on"]["schedule"]) == 1
    assert publish["concurrency"] == {"group": "pages", "cancel-in-progress": False}
    build, deploy = publish["jobs"]["build"], publish["jobs"]["deploy"]
    assert build["uses"] == "./.github/workflows/build.yml"
    assert build["with"] == {"pages-artifact": True}
    assert deploy["needs"] == "build"  # a failed build or test never deploys
    assert deploy["environment"]["name"] == "github-pages"
    assert deploy["outputs"]["page_url"] == "${{ steps.deployment.outputs.page_url }}"
    assert [s["uses"].split("@")[0] for s in deploy["steps"]] == ["actions/deploy-pages"]


def test_the_pages_artifact_is_named_per_run_attempt_and_passed_to_the_deploy_step():
    build_file = load("build.yml")
    job = build_file["jobs"]["build"]
    name = "github-pages-${{ github.run_id }}-${{ github.run_attempt }}"
    assert job["env"]["PAGES_ARTIFACT"] == name
    upload = next(
        s for s in job["steps"] if s.get("uses", "").startswith("actions/upload-pages-artifact@")
    )
    assert upload["with"]["name"] == "${{ env.PAGES_ARTIFACT }}"
    assert job["outputs"]["pages-artifact"] == "${{ env.PAGES_ARTIFACT }}"
    output = build_file["on"]["workflow_call"]["outputs"]["pages-artifact"]
    assert output["value"] == "${{ jobs.build.outputs.pages-artifact }}"
    deploy = load("publish.yml")["jobs"]["deploy"]
    assert deploy["steps"][0]["with"] == {
        "artifact_name": "${{ needs.build.outputs.pages-artifact }}"
    }


def test_least_privilege():
    for path in FILES:
        workflow = load(path.name)
        assert workflow["permissions"] == {}, path.name
        for name, job in workflow["jobs"].items():
            expected = {"contents": "read"}
            if (path.name, name) == ("publish.yml", "deploy"):
                expected = {"pages": "write", "id-token": "write"}
            elif name == "build":
                # the build job lists this run's artifacts; callers grant what it uses
                expected = {"contents": "read", "actions": "read"}
            assert job["permissions"] == expected, f"{path.name}: {name}"


def test_every_action_is_pinned_to_a_commit_with_its_version():
    for path in FILES:
        for line in path.read_text(encoding="utf-8").splitlines():
            match = re.match(r"^\s*(?:-\s*)?uses:\s*(\S+)(.*)$", line)
            if not match or match[1].startswith("./"):
                continue
            assert PINNED.match(match[1]), f"{path.name}: {line.strip()}"
            assert re.match(r"^\s*#\s*v\d", match[2]), f"{path.name}: no version comment: {line}"


def verified_pins() -> dict[str, str]:
    """action -> commit SHA, from the table of verified pins in the workflows' README."""
    readme = (WORKFLOWS / "README.md").read_text(encoding="utf-8")
    return dict(
        re.findall(r"^\|\s*([\w-]+/[\w-]+)\s*\|\s*v[\d.]+\s*\|\s*`([0-9a-f]{40})`", readme, re.M)
    )


def unverified_uses(workflow_text: str, verified: dict[str, str]) -> list[str]:
    """`owner/repo@sha` of every action a workflow uses at a SHA not in `verified`."""
    return [
        f"{action}@{sha}"
        for action, sha in re.findall(
            r"uses:\s*([\w-]+/[\w-]+)(?:/[\w-]+)?@([0-9a-f]{40})", workflow_text
        )
        if verified.get(action) != sha
    ]


def test_pins_are_the_verified_ones():
    verified = verified_pins()
    assert len(verified) >= 5, "the workflows' README lists no verified pins"
    for path in FILES:
        assert unverified_uses(path.read_text(), verified) == [], (
            f"{path.name} uses an action at a commit the table of verified pins in "
            ".github/workflows/README.md does not list: verify the release's commit and add it"
        )


def test_an_unverified_pin_is_found():
    verified = verified_pins()
    good = f"uses: actions/checkout@{verified['actions/checkout']} # v7"
    bad = f"uses: actions/checkout@{'0' * 40} # v7"
    assert unverified_uses(good, verified) == []
    assert unverified_uses(bad, verified) == [f"actions/checkout@{'0' * 40}"]


def test_checkout_never_keeps_credentials_and_jobs_have_timeouts():
    build = load("build.yml")
    for name, job in build["jobs"].items():
        assert job["timeout-minutes"] <= 60, name
        checkout = [s for s in job["steps"] if s.get("uses", "").startswith("actions/checkout@")]
        assert checkout and checkout[0]["with"]["persist-credentials"] is False, name
    assert load("publish.yml")["jobs"]["deploy"]["timeout-minutes"] <= 60


def test_uv_comes_from_pypi_with_pinned_hashes_and_its_cache_is_keyed_on_the_locks():
    build = load("build.yml")
    assert build["env"]["UV"] == ".tools/uv/bin/uv"  # the Makefile's hash-pinned copy
    assert not any(s.get("uses", "").startswith("astral-sh/setup-uv@") for s in steps(build))
    for name, job in build["jobs"].items():
        caches = [s for s in job["steps"] if s.get("uses", "").startswith("actions/cache@")]
        caches = [s for s in caches if s["with"]["path"] == "~/.cache/uv"]
        assert len(caches) == 1, name
        assert "hashFiles('uv.lock', 'tools/uv-requirements.txt')" in caches[0]["with"]["key"]
    makefile = (paths.PROJ_ROOT / "Makefile").read_text()
    assert "--require-hashes" in makefile and "-r $(UV_REQUIREMENTS)" in makefile
    requirements = (paths.PROJ_ROOT / "tools" / "uv-requirements.txt").read_text()
    assert re.search(r"^uv==\d+\.\d+\.\d+ \\$", requirements, re.MULTILINE)
    assert len(re.findall(r"--hash=sha256:[0-9a-f]{64}", requirements)) >= 5


def test_dependabot_keeps_every_pinned_tool_current(tool):
    path = WORKFLOWS.parent / "dependabot.yml"
    config = yaml.safe_load(path.read_text())
    watched = {(u["package-ecosystem"], u["directory"]) for u in config["updates"]}
    assert watched == {
        ("github-actions", "/"),
        ("uv", "/"),
        ("npm", "/tools/browser"),  # Lighthouse and axe-core
        ("pip", "/tools"),  # tools/uv-requirements.txt, uv's hashed pin
    }
    assert (paths.PROJ_ROOT / "tools" / "browser" / "package-lock.json").is_file()
    assert (paths.PROJ_ROOT / "tools" / "uv-requirements.txt").is_file()
    done = subprocess.run(
        [tool("check-jsonschema"), "--builtin-schema", "vendor.dependabot", str(path)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_test_job_neither_installs_quarto_nor_renders():
    test = load("build.yml")["jobs"]["test"]
    command = next(s["run"] for s in test["steps"] if s.get("run", "").startswith("make test "))
    assert "QUARTO=skip" in command and "-m 'not render'" in command
    assert not any("quarto" in s.get("uses", "") for s in test["steps"])


def test_the_preview_is_uploaded_before_the_render_tests_and_may_be_overwritten():
    build = load("build.yml")["jobs"]["build"]
    order = [s.get("id") or s.get("run") or s.get("uses") for s in build["steps"]]
    upload = order.index("upload")
    assert (
        order.index("make site")
        < upload
        < order.index(next(r for r in order if str(r).startswith("make test-render")))
    )
    assert build["steps"][upload]["with"]["overwrite"] is True


def test_only_this_repositorys_main_deploys_and_only_pull_requests_cancel():
    deploy = load("publish.yml")["jobs"]["deploy"]
    assert "github.repository == 'devops-for-data-science/devops-for-data-science'" in deploy["if"]
    assert "github.ref == 'refs/heads/main'" in deploy["if"]
    check = load("check.yml")
    assert check["concurrency"]["cancel-in-progress"] == (
        "${{ github.event_name == 'pull_request' }}"
    )


def test_quarto_is_the_pinned_version_checked_against_its_sha256_and_cached():
    steps = load("build.yml")["jobs"]["build"]["steps"]
    cache = next(s for s in steps if s.get("name") == "Cache the Quarto release")
    assert cache["with"]["path"] == ".tools/quarto"  # the Makefile's QUARTO_CACHE
    assert "hashFiles('QUARTO_VERSION', 'tools/quarto-SHA256SUMS')" in cache["with"]["key"]
    runs = [s.get("run") for s in steps]
    assert runs.index("make quarto-release") == steps.index(cache) + 1
    assert runs.index("make quarto-release") < runs.index("make site")
    assert not any("quarto-actions" in s.get("uses", "") for s in steps)
    # what the target runs (make's dry run) keeps the archive in the folder CI caches
    dry = subprocess.run(
        ["make", "-n", "quarto-release"],
        cwd=paths.PROJ_ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert f"sitebuild install-quarto-release --cache {cache['with']['path']}" in dry


def test_jobs_call_the_readme_make_targets():
    jobs = load("build.yml")["jobs"]
    runs = {name: [s["run"] for s in job["steps"] if "run" in s] for name, job in jobs.items()}
    assert runs["lint"] == ["make lint"]
    assert runs["test"][0].startswith("make test ")
    assert "make site" in runs["build"]
    assert any(r.startswith("make test-render") for r in runs["build"])
    readme = (paths.PROJ_ROOT / "README.md").read_text()
    assert "make site" in readme and "make test" in readme


def test_preview_artifact_is_named_after_the_pull_request_or_commit():
    build = load("build.yml")["jobs"]["build"]
    upload = next(s for s in build["steps"] if s.get("id") == "upload")
    name = upload["with"]["name"]
    assert "github.event.pull_request.number" in name and "github.sha" in name
    assert upload["with"]["path"] == "site/"


def test_the_build_report_uses_the_test_report_of_the_same_run():
    from dsops.shared.build_report import REPORT_ENV

    build = load("build.yml")
    test, job = build["jobs"]["test"], build["jobs"]["build"]
    upload = next(
        s for s in test["steps"] if s.get("uses", "").startswith("actions/upload-artifact@")
    )
    assert upload["if"] == "${{ !cancelled() }}"  # also when a test failed
    assert upload["with"]["path"] == "test-results.xml" and upload["with"]["overwrite"] is True
    assert "--junitxml=test-results.xml" in next(s["run"] for s in test["steps"] if "run" in s)
    assert job["needs"] == "test" and job["if"] == "${{ !cancelled() }}"
    steps = job["steps"]
    fetch = next(i for i, s in enumerate(steps) if "gh run download" in s.get("run", ""))
    # no report (the tests stopped early): the site, its preview and summary still come
    assert steps[fetch]["continue-on-error"] is True
    run = steps[fetch]["run"].split()
    assert '"$GITHUB_RUN_ID"' in run  # this run's report, not another's
    assert run[run.index("--name") + 1] == upload["with"]["name"]
    folder = run[run.index("--dir") + 1].strip('"').replace("$RUNNER_TEMP", "${{ runner.temp }}")
    site = next(i for i, s in enumerate(steps) if s.get("run") == "make site")
    assert fetch < site
    assert steps[site]["env"] == {REPORT_ENV: f"{folder}/test-results.xml"}
    assert not any("download-artifact" in line for line in (WORKFLOWS / "build.yml").open())


def test_the_build_job_runs_the_browser_checks_and_enforces_the_lighthouse_goals():
    build = load("build.yml")
    assert build["env"]["CHROME_PATH"] == "/usr/bin/google-chrome"  # the runner's Chrome
    assert build["jobs"]["test"]["env"] == {"DSOPS_REQUIRE_BROWSER": "1"}
    steps = build["jobs"]["build"]["steps"]
    order = [s.get("id") or s.get("run") or s.get("uses", "").split("@")[0] for s in steps]
    check = order.index("make browser-check")
    lighthouse = next(i for i, r in enumerate(order) if str(r).startswith("make lighthouse "))
    pages = order.index("actions/upload-pages-artifact")
    assert order.index("upload") < check < lighthouse < pages
    for i in (check, lighthouse):
        assert steps[i]["if"] == "${{ !cancelled() && steps.upload.outcome == 'success' }}"
    scores = re.search(r'LIGHTHOUSE_JSON="([^"]+)"', steps[lighthouse]["run"])[1]
    assert steps[lighthouse]["run"].endswith(" LIGHTHOUSE_ARGS=--enforce")  # goals enforced
    summary = next(s for s in steps if s.get("name") == "Job summary")
    assert f"--lighthouse '{scores}'" in summary["run"]
    makefile = (paths.PROJ_ROOT / "Makefile").read_text()
    assert "\nbrowser-check: " in makefile and "\nlighthouse: " in makefile
