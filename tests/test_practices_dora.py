"""The DORA metrics of the scripted two weeks (dsops.practices.history), worked out by
hand from the script, and the ways a history can be read wrongly.

The script, hour by hour (UTC, March 2024), with each change's lead time:
  deploy-01 Tue 05 10:00  ships Mon 04 09:00 (25 h) and Mon 04 14:00 (20 h)
  deploy-02 Wed 06 15:00  ships Wed 06 11:00 (4 h)
  deploy-03 Thu 07 10:00  ships Thu 07 09:30 (0.5 h), "kilograms"       -> failed
  deploy-04 Thu 07 11:30  ships the revert of "kilograms", Thu 07 11:00 (0.5 h)
  deploy-05 Mon 11 16:00  ships Mon 11 09:00 (7 h), "one-pass", and Mon 11 13:00 (3 h) -> failed
  deploy-06 Tue 12 12:00  ships the fix of "one-pass", Tue 12 10:00 (2 h)
  deploy-07 Fri 15 09:00  ships Wed 13 09:00 (48 h)
Lead times sorted: 0.5, 0.5, 2, 3, 4, 7, 20, 25, 48 -> median 4 h.
Restores: deploy-03 -> deploy-04 is 1.5 h; deploy-05 -> deploy-06 is 20 h -> median 10.75 h.
"""

from datetime import UTC, datetime, timedelta

import pytest

from dsops.practices import dora, history
from dsops.practices.gitdemo import git
from dsops.practices.history import Commit, Deploy, Fix, Revert
from dsops.shared.errors import DsopsError


@pytest.fixture(scope="module")
def two_weeks(tmp_path_factory):
    return history.write_history(tmp_path_factory.mktemp("history") / "repo")


def hours(h: float) -> timedelta:
    return timedelta(hours=h)


def test_the_scripted_history_gives_the_metrics_worked_out_by_hand(two_weeks):
    metrics = dora.dora_metrics(two_weeks, *history.WINDOW)
    assert [d.tag for d in metrics.deployments] == [f"deploy-0{n}" for n in range(1, 8)]
    assert metrics.deployments_per_week == 3.5  # 7 deployments in 14 days
    assert metrics.lead_time == hours(4)
    assert metrics.change_failure_rate == 2 / 7
    assert metrics.time_to_restore == hours(10.75)


def test_each_deployment_ships_the_changes_since_the_one_before(two_weeks):
    deployments = dora.read_deployments(two_weeks)
    assert [len(d.changes) for d in deployments] == [2, 1, 1, 1, 2, 1, 1]
    assert [t / hours(1) for d in deployments for t in d.lead_times()] == [
        25, 20, 4, 0.5, 0.5, 7, 3, 2, 48,
    ]  # fmt: skip
    assert deployments[0].changes[0].subject == "Add the penguins cleaning step"
    assert deployments[0].deployed == datetime(2024, 3, 5, 10, tzinfo=UTC)


def test_a_revert_and_a_fix_trailer_each_mark_a_failed_deployment(two_weeks):
    failures = dora.dora_metrics(two_weeks).failures
    assert [(f.deployment.tag, f.restored_by.tag) for f in failures] == [
        ("deploy-03", "deploy-04"),  # reverted
        ("deploy-05", "deploy-06"),  # fixed (Fixes: trailer)
    ]
    assert [f.time_to_restore for f in failures] == [hours(1.5), hours(20)]


def test_the_table_says_what_happened_to_each_deployment(two_weeks):
    table = dora.dora_metrics(two_weeks).table()
    assert table["outcome"].tolist() == [
        "ok", "ok", "failed", "restores deploy-03", "failed", "restores deploy-05", "ok",
    ]  # fmt: skip
    assert table["lead_time_h"].tolist() == [22.5, 4, 0.5, 0.5, 5, 2, 48]


def test_without_a_window_it_runs_from_the_first_change_to_the_last_deployment(two_weeks):
    metrics = dora.dora_metrics(two_weeks)
    assert metrics.start == datetime(2024, 3, 4, 9, tzinfo=UTC)
    assert metrics.end == datetime(2024, 3, 15, 9, tzinfo=UTC)
    assert metrics.deployments_per_week == pytest.approx(7 / (11 / 7))  # 11 days


def test_a_window_counts_only_its_deployments(two_weeks):
    second_week = dora.dora_metrics(
        two_weeks, datetime(2024, 3, 11, tzinfo=UTC), datetime(2024, 3, 18, tzinfo=UTC)
    )
    assert [d.tag for d in second_week.deployments] == ["deploy-05", "deploy-06", "deploy-07"]
    assert second_week.change_failure_rate == 1 / 3
    assert second_week.time_to_restore == hours(20)
    assert second_week.lead_time == hours(5)  # 7, 3, 2, 48 h


def test_the_repositories_commits_carry_role_names_and_the_scripted_dates(two_weeks):
    authors = set(git(two_weeks, "log", "--format=%an <%ae>").splitlines())
    assert authors == {"analyst <analyst@example.org>", "engineer <engineer@example.org>"}
    assert git(two_weeks, "branch", "--show-current").strip() == "main"
    first = git(two_weeks, "log", "--reverse", "--format=%aI %cI").splitlines()[0]
    assert first == "2024-03-04T09:00:00+00:00 2024-03-04T09:00:00+00:00"


def test_a_fix_not_yet_deployed_leaves_the_failure_unrestored(tmp_path):
    repo = history.write_history(
        tmp_path / "repo",
        [
            Commit("2024-03-04T09:00+00:00", "Load the data", name="load"),
            Deploy("2024-03-04T10:00+00:00"),
            Fix("2024-03-04T12:00+00:00", "Load every row", of="load"),
        ],
    )
    metrics = dora.dora_metrics(repo)
    assert metrics.change_failure_rate == 1
    assert [(f.deployment.tag, f.restored_by) for f in metrics.failures] == [("deploy-01", None)]
    assert metrics.time_to_restore is None


def test_a_change_repaired_before_it_is_deployed_is_no_failure(tmp_path):
    repo = history.write_history(
        tmp_path / "repo",
        [
            Commit("2024-03-04T09:00+00:00", "Load the data", name="load"),
            Revert("2024-03-04T09:30+00:00", of="load"),
            Deploy("2024-03-04T10:00+00:00"),
        ],
    )
    metrics = dora.dora_metrics(repo)
    assert metrics.failures == [] and metrics.change_failure_rate == 0
    assert metrics.lead_time == hours(0.75)  # 1 h and 0.5 h


def test_a_history_without_deployments_or_with_a_lightweight_tag_is_refused(tmp_path):
    repo = history.write_history(tmp_path / "repo", [Commit("2024-03-04T09:00+00:00", "Start")])
    with pytest.raises(DsopsError, match=r"has no deployment tags \(deploy-\*\)"):
        dora.read_deployments(repo)
    git(repo, "tag", "deploy-01")
    with pytest.raises(DsopsError, match=r"deploy-01 is a lightweight tag, which records no date"):
        dora.read_deployments(repo)


def test_a_window_without_deployments_is_refused(two_weeks):
    with pytest.raises(DsopsError, match="has no deployment between"):
        dora.dora_metrics(
            two_weeks, datetime(2024, 4, 1, tzinfo=UTC), datetime(2024, 4, 8, tzinfo=UTC)
        )


def test_each_change_carries_its_lead_time_and_its_deployments_outcome(two_weeks):
    changes = dora.dora_metrics(two_weeks).changes_table()
    assert changes["lead_time_h"].tolist() == [25, 20, 4, 0.5, 0.5, 7, 3, 2, 48]
    assert changes["outcome"].tolist() == [
        "ok", "ok", "ok", "failed", "restores deploy-03",
        "failed", "failed", "restores deploy-05", "ok",
    ]  # fmt: skip
    assert changes["subject"].iloc[3] == "Show body mass in kilograms"


@pytest.mark.parametrize(
    ("duration", "text"),
    [
        (timedelta(0), "0 min"),
        (timedelta(minutes=45), "45 min"),
        (hours(4), "4 h"),
        (hours(10.75), "10 h 45 min"),
        (hours(24), "1 day"),
        (hours(51), "2 days 3 h"),
    ],
)
def test_durations_read_as_a_reader_says_them(duration, text):
    assert dora.duration_text(duration) == text
