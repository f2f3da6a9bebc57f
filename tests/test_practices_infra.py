"""Infrastructure as blocks of Python code (dsops.practices.infra): the blocks and the
checks of a stack, reading pyinfra's tables, and pyinfra itself run against the local
machine in a temporary folder: plan, apply, apply again, drift and repair, with nothing
outside the folder changed."""

import os
from pathlib import Path

import pytest

from dsops.practices import infra
from dsops.shared.errors import DsopsError


def test_blocks_compose_into_a_stack_with_folders_before_their_files():
    resources = infra.stack(infra.data_service("flights", 8000), infra.shared_folders())
    paths = [r.path for r in resources]
    assert paths.index("srv") < paths.index("srv/flights") < paths.index("srv/flights/raw")
    assert len(paths) == len(set(paths)) == 7
    conf = next(r for r in resources if isinstance(r, infra.TextFile))
    assert conf.content == "name=flights\nport=8000\nlog_level=info\n"


def test_a_stack_that_reaches_outside_or_contradicts_itself_is_refused_in_one_message():
    bad = [
        infra.Folder("../etc"),
        infra.Folder("/etc"),
        infra.Folder("srv", mode="rwx"),
        infra.Folder("srv"),
        infra.TextFile("srv/a.conf", ("x=1",)),
        infra.Folder("srv/a.conf/inner"),
    ]
    with pytest.raises(DsopsError) as raised:
        infra.stack(bad)
    message = str(raised.value)
    for expected in [
        "'../etc' is not a relative path inside the folder",
        "'/etc' is not a relative path inside the folder",
        "'srv' has mode 'rwx', not three octal digits",
        "'srv' is declared twice",
        "'srv/a.conf/inner' is inside the file 'srv/a.conf'",
    ]:
        assert expected in message


PLAN = """--> Detected changes:
    Operation           Change       Conditional Change
    folder srv          1 (@local)   -
    file srv/a.conf     -            -

    Detected changes may not include every change pyinfra will execute.
"""
RESULTS = """--> Results:
    Operation           Hosts   Success   Error   No Change
    folder srv          1       1         -       -
    file srv/a.conf     1       -         -       1
    Grand total         2       1         -       1

--> Disconnecting from hosts...
"""


def test_pyinfras_plan_and_results_tables_are_read_by_column():
    assert infra.parse_run(PLAN) == ({"folder srv": True, "file srv/a.conf": False}, {})
    assert infra.parse_run(PLAN + RESULTS)[1] == {"folder srv": True, "file srv/a.conf": False}
    assert infra.parse_run("no tables") == ({}, {})


def snapshot(folder: Path) -> dict[str, tuple]:
    return {
        str(p.relative_to(folder)): (p.stat().st_mode, p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
    }


def test_pyinfra_plans_applies_once_and_repairs_drift_inside_its_folder_only(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("untouched\n")
    os.chmod(outside, 0o700)
    root = tmp_path / "machine"
    root.mkdir()
    before_outside, before_home = snapshot(outside), sorted(os.listdir(Path.home()))
    resources = infra.stack(infra.shared_folders(), infra.data_service("flights", 8000))
    declared = {r.path for r in resources}

    plan = infra.pyinfra(resources, root, apply=False)
    assert len(plan.plan_changes) == len(resources)
    assert plan.applied == {} and infra.state(root) == {}  # a plan changes nothing

    first = infra.pyinfra(resources, root)
    assert len(first.changes) == len(resources)
    made = infra.state(root)
    assert set(made) == declared
    assert made["srv/flights/raw"] == "folder 550"
    assert (
        made["srv/flights/service.conf"]
        == "file 640: 'name=flights\\nport=8000\\nlog_level=info\\n'"
    )

    second = infra.pyinfra(resources, root)
    assert second.plan_changes == [] and second.changes == []  # idempotent
    assert infra.state(root) == made

    os.chmod(root / "srv/flights/logs", 0o777)  # drift: changed by hand
    (root / "srv/flights/service.conf").write_text("port=9999\n")
    repair = infra.pyinfra(resources, root)
    assert repair.plan_changes == ["folder srv/flights/logs", "file srv/flights/service.conf"]
    assert repair.changes == repair.plan_changes
    assert infra.state(root) == made

    assert sorted(p.name for p in tmp_path.iterdir()) == ["machine", "outside"]
    assert snapshot(outside) == before_outside
    assert sorted(os.listdir(Path.home())) == before_home


def test_a_missing_folder_is_named(tmp_path):
    with pytest.raises(DsopsError, match="is not a folder: create it first"):
        infra.pyinfra(infra.shared_folders(), tmp_path / "nope")


def test_the_excerpt_keeps_the_two_tables():
    text = infra.excerpt("--> Loading config...\n" + PLAN + "\n--> Beginning...\n" + RESULTS)
    assert text.splitlines()[0] == "--> Detected changes:"
    assert "Detected changes may not" not in text and "Loading" not in text
    assert "--> Results:" in text and "Grand total         2       1         -       1" in text
