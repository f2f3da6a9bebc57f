"""The gates of the site's deployments, read from its workflow files and replayed
(dsops.practices.deployments): GitHub's rules checked on small workflows written here,
then what the real workflows do when each step fails."""

import pytest

from dsops.practices import deployments
from dsops.practices.deployments import evaluate, expression, run_workflow, should_run
from dsops.shared.errors import DsopsError


def test_expression_strips_the_wrapper_and_spacing():
    assert expression("${{ !cancelled() &&\n  steps.upload.outcome == 'success' }}") == (
        "!cancelled() && steps.upload.outcome == 'success'"
    )
    assert expression(None) == ""
    assert expression("inputs.x") == "inputs.x"


def test_evaluate_knows_names_negations_and_comparisons():
    context = {"inputs.on": True, "github.ref": "refs/heads/main"}
    assert evaluate("inputs.on && github.ref == 'refs/heads/main'", context)
    assert not evaluate("!inputs.on", context)
    assert not evaluate("github.ref == 'refs/heads/other'", context)
    assert evaluate("!cancelled() && inputs.on", context)  # status functions are the caller's


@pytest.mark.parametrize("condition", ["inputs.unknown", "a || b", "contains(x, 'y')"])
def test_evaluate_refuses_what_it_does_not_know(condition):
    with pytest.raises(DsopsError, match="cannot evaluate the workflow condition"):
        evaluate(condition, {"a": True, "b": True})


def test_after_a_failure_only_status_functions_run():
    assert should_run("", failed_before=False, context={})
    assert not should_run("", failed_before=True, context={})
    assert not should_run("success()", failed_before=True, context={})
    assert should_run("always()", failed_before=True, context={})
    assert should_run("!cancelled()", failed_before=True, context={})


AFTER_UPLOAD = "${{ !cancelled() && steps.upload.outcome == 'success' }}"
SMALL = {
    "jobs": {
        "test": {"steps": [{"run": "make test"}, {"run": "make report", "if": "always()"}]},
        "build": {
            "needs": "test",
            "steps": [
                {"run": "make site"},
                {"name": "upload", "id": "upload", "uses": "actions/upload@x"},
                {"run": "make check"},
                {"run": "make summary", "if": AFTER_UPLOAD},
                {"run": "make extra", "continue-on-error": True},
            ],
        },
    }
}  # fmt: skip


def test_a_failed_job_skips_the_jobs_that_need_it():
    runs = run_workflow(SMALL, ("test", 0), {})
    assert runs["test"].steps == ["failure", "success"]  # always() ran after the failure
    assert runs["test"].failed and not runs["build"].ran


def test_a_step_after_a_failure_runs_only_with_a_status_function():
    runs = run_workflow(SMALL, ("build", 2), {})
    assert runs["build"].steps == ["success", "success", "failure", "success", "skipped"]
    before_upload = run_workflow(SMALL, ("build", 0), {})
    # the summary's `steps.upload.outcome == 'success'` is false: the upload was skipped
    assert before_upload["build"].steps == ["failure", "skipped", "skipped", "skipped", "skipped"]


def test_continue_on_error_does_not_fail_the_job():
    runs = run_workflow(SMALL, ("build", 4), {})
    assert runs["build"].steps[-1] == "failure" and not runs["build"].failed


@pytest.fixture(scope="module")
def outcomes():
    return {o.failing: o for o in deployments.what_if_fails()}


def test_with_nothing_failing_the_site_is_previewed_and_deployed(outcomes):
    nothing = outcomes["nothing"]
    assert nothing.preview_uploaded and nothing.pages_artifact and nothing.deployed


def test_only_the_step_marked_continue_on_error_lets_a_deployment_through(outcomes):
    through = [name for name, o in outcomes.items() if o.deployed and name != "nothing"]
    assert through == ["Fetch this run's page-execution report"]


def test_a_failed_check_never_replaces_the_live_site(outcomes):
    for name in ["make lint", "make test", "Build the site", "make test-render", "Lighthouse"]:
        assert not outcomes[name].deployed, name


def test_the_preview_survives_failures_after_it_is_uploaded(outcomes):
    assert outcomes["make test"].preview_uploaded  # the build runs after failed tests
    assert outcomes["make test-render"].preview_uploaded
    assert outcomes["Lighthouse"].preview_uploaded
    assert not outcomes["Build the site"].preview_uploaded


def test_a_failed_lint_makes_the_pages_artifact_but_deploys_nothing(outcomes):
    assert outcomes["make lint"].pages_artifact and not outcomes["make lint"].deployed


def test_the_three_environments_are_read_from_the_workflows():
    table = deployments.environments().set_index("environment")
    assert list(table.index) == ["development", "preview", "production"]
    assert "pull_request" in table.loc["preview", "started by"]
    assert table.loc["preview", "result goes to"] == "artifact site-pr-<number>"
    assert "push to main" in table.loc["production", "started by"]
    assert table.loc["production", "result goes to"] == "environment github-pages"


def test_a_workflow_that_is_not_yaml_is_named(tmp_path):
    (tmp_path / "build.yml").write_text("jobs: [unclosed\n", encoding="utf-8")
    with pytest.raises(DsopsError, match=r"build.yml: cannot read this workflow"):
        deployments.load_workflow("build.yml", tmp_path)


def test_a_deploy_without_needs_would_be_caught(tmp_path):
    """The replay reads the files: a publish workflow whose deploy does not need the
    build would deploy after a failed test, and the replay says so."""
    for name in ("build.yml", "check.yml"):
        (tmp_path / name).write_text(
            (deployments.WORKFLOWS_DIR / name).read_text(encoding="utf-8"), encoding="utf-8"
        )
    publish = (deployments.WORKFLOWS_DIR / "publish.yml").read_text(encoding="utf-8")
    assert "    needs: build\n" in publish
    (tmp_path / "publish.yml").write_text(publish.replace("    needs: build\n", ""))
    replayed = {o.failing: o for o in deployments.what_if_fails(tmp_path)}
    assert replayed["make test"].deployed
