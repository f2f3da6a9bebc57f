"""dsops.practices.security: each check against a baseline, on small trees in temporary
folders (a risky call, a key, an unpinned action: new until a baseline accepts them
with a reason); the repository's own baselines give a reason for every accepted
finding; and keyed-hash pseudonyms keep counts and resist a dictionary attack."""

import json
import math
import shutil

import pandas as pd
import pytest

from dsops.cli import app
from dsops.practices import security
from dsops.practices.gitdemo import git
from dsops.shared import pseudonyms
from dsops.shared.errors import DsopsError

RISKY = (
    'import subprocess\n\n\ndef run(name):\n    return subprocess.run(f"ls {name}", shell=True)\n'
)
KEY = "AKIA" + "IOSFODNN7EXAMPLE"  # split, so this file holds no key


def test_the_repository_baselines_give_a_reason_for_every_accepted_finding():
    bandit = security.read_baseline(security.BANDIT_BASELINE)["results"]
    assert bandit and all(len(entry["reason"]) > 40 for entry in bandit)
    for entry in bandit:
        assert (security.paths.PROJ_ROOT / entry["filename"]).is_file(), entry["filename"]
    found = security.read_baseline(security.SECRETS_BASELINE)
    for entries in found["results"].values():
        assert all(e["is_secret"] is False and len(e["reason"]) > 40 for e in entries)
    filters = {f["path"].rsplit(".", 1)[1]: f.get("pattern") for f in found["filters_used"]}
    assert filters["should_exclude_file"] == [security.SECRETS_EXCLUDE_FILES]
    assert filters["should_exclude_line"] == [security.SECRETS_EXCLUDE_LINES]
    assert security.ZIZMOR_CONFIG.is_file()
    assert len(security.accepted_findings()) == len(bandit) + sum(
        len(v) for v in found["results"].values()
    )


def test_this_repository_passes_its_own_security_checks():
    """What the security job runs (`make security`), here too: a new finding (a changed
    image id in a record, a new subprocess call) fails `make test`, not only CI."""
    checks = security.run_checks()
    assert [f"{check.summary()}: {check.new}" for check in checks if not check.passed] == []


def test_a_baseline_entry_without_a_reason_is_refused(tmp_path):
    baseline = tmp_path / "bandit-baseline.json"
    baseline.write_text(json.dumps({"results": [{"filename": "a.py", "line_number": 3}]}))
    with pytest.raises(DsopsError, match=r"a.py \(line 3\) has no reason: add one"):
        security.read_baseline(baseline)
    baseline.write_text("{")
    with pytest.raises(DsopsError, match="cannot read this baseline"):
        security.read_baseline(baseline)


def test_bandit_finds_a_shell_call_until_the_baseline_accepts_it(tmp_path):
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "tool.py").write_text(RISKY)
    baseline = tmp_path / "baseline.json"
    baseline.write_text('{"results": []}')
    check = security.bandit_check(tmp_path, baseline)
    assert not check.passed and check.findings == 2 and check.accepted == 0
    assert any("B602" in line and "tool.py:5" in line for line in check.new)

    report = security.run_tool("bandit", "-r", "scripts", "-f", "json", "-q", cwd=tmp_path)
    results = json.loads(report.stdout)["results"]
    baseline.write_text(json.dumps({"results": [{**r, "reason": "a test"} for r in results]}))
    check = security.bandit_check(tmp_path, baseline)
    assert check.passed and check.findings == check.accepted == 2
    assert "2 findings, 2 accepted in the baseline, ok" in check.summary()


def test_detect_secrets_finds_a_key_in_a_tracked_file_until_the_baseline_accepts_it(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "--quiet")
    (repo / "settings.ini").write_text(f"aws_access_key_id = {KEY}\n")
    (repo / "record.json").write_text('{"commit": "' + "ab" * 20 + '"}\n')  # excluded line
    git(repo, "add", ".")
    baseline = tmp_path / "secrets-baseline.json"
    shutil.copy(security.SECRETS_BASELINE, baseline)
    data = json.loads(baseline.read_text())
    data["results"] = {}
    baseline.write_text(json.dumps(data))
    check = security.secrets_check(repo, baseline)
    assert check.new == ["settings.ini:1 AWS Access Key"]

    found = security.secrets_scan(repo)["results"]
    for entries in found.values():
        for entry in entries:
            entry |= {"is_secret": False, "reason": "a test"}
    data["results"] = found
    baseline.write_text(json.dumps(data))
    check = security.secrets_check(repo, baseline)
    assert check.passed and check.findings == check.accepted == 1


def test_zizmor_reports_an_action_pinned_to_a_tag(tmp_path):
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "ci.yml").write_text(
        "name: ci\non: [pull_request]\npermissions: {}\njobs:\n  test:\n"
        "    name: test\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - uses: actions/checkout@v4\n"
    )
    config = tmp_path / "zizmor.yml"
    config.write_text("rules: {}\n")
    check = security.zizmor_check(tmp_path, config)
    assert not check.passed
    assert any("unpinned-uses" in line for line in check.new)
    assert any("artipacked" in line for line in check.new)  # credentials left by checkout


def test_keyed_pseudonyms_are_stable_keyed_and_keep_missing_values():
    key, other = b"k" * 32, b"o" * 32
    assert pseudonyms.pseudonym("N14228", key) == pseudonyms.pseudonym("N14228", key)
    assert pseudonyms.pseudonym("N14228", key) != pseudonyms.pseudonym("N14228", other)
    assert pseudonyms.pseudonym("N14228", key) != security.plain_hash("N14228")
    values = pd.Series(["N14228", None, "N14228", "N24211"], dtype="object")
    named = pseudonyms.pseudonymise(values, key)
    assert named[0] == named[2] != named[3] and (named[1] is None or math.isnan(named[1]))
    with pytest.raises(DsopsError, match="shorter than 16 bytes"):
        pseudonyms.pseudonym("N14228", b"short")


def test_a_dictionary_attack_reverses_plain_hashes_and_not_keyed_ones():
    tails = pd.Series(["N14228", "N24211", "N619AA", "N804JB"])
    registry = pd.Series(["N14228", "N24211", "N619AA"])  # one aircraft not listed
    plain = tails.map(security.plain_hash)
    keyed = pseudonyms.pseudonymise(tails, b"k" * 32)
    assert security.recovered(plain, registry, security.plain_hash) == 0.75
    assert security.recovered(keyed, registry, security.plain_hash) == 0.0


def test_security_check_exits_1_and_names_each_new_finding(runner, monkeypatch):
    checks = [
        security.Check("bandit", "1.0", 3, 2, ["scripts/x.py:5 B602 shell"], 0.1),
        security.Check("zizmor", "1.0", 0, 0, [], 0.1),
    ]
    monkeypatch.setattr(security, "run_checks", lambda: checks)
    result = runner.invoke(app, ["security-check"])
    assert result.exit_code == 1
    assert "bandit 1.0: 3 findings, 2 accepted in the baseline, 1 NEW" in result.output
    assert "new: scripts/x.py:5 B602 shell" in result.output
    checks.pop(0)
    assert runner.invoke(app, ["security-check"]).exit_code == 0


def test_the_key_comes_from_the_environment_then_env_file_then_a_generated_file(tmp_path):
    env_file = tmp_path / ".env"
    given = {pseudonyms.KEY_ENV: "e" * 32, "XDG_CONFIG_HOME": str(tmp_path / "config")}
    assert pseudonyms.pseudonym_key(given, env_file) == b"e" * 32
    env_file.write_text(f"{pseudonyms.KEY_ENV}={'f' * 32}\n")
    assert pseudonyms.pseudonym_key({"XDG_CONFIG_HOME": given["XDG_CONFIG_HOME"]}, env_file) == (
        b"f" * 32
    )
    env_file.unlink()
    first = pseudonyms.pseudonym_key({"XDG_CONFIG_HOME": given["XDG_CONFIG_HOME"]}, env_file)
    stored = tmp_path / "config" / "dsops" / "pseudonym-key"
    assert stored.read_text().strip().encode() == first and len(first) == 64
    assert stored.stat().st_mode & 0o077 == 0  # the owner's only
    again = pseudonyms.pseudonym_key({"XDG_CONFIG_HOME": given["XDG_CONFIG_HOME"]}, env_file)
    assert again == first  # generated once, then reused
    assert [p.name for p in stored.parent.iterdir()] == ["pseudonym-key"]
    with pytest.raises(DsopsError, match="DSOPS_PSEUDONYM_KEY is shorter than 16 bytes"):
        pseudonyms.pseudonym_key({pseudonyms.KEY_ENV: "short"}, env_file)
    assert pseudonyms.key_fingerprint(first) != pseudonyms.key_fingerprint(b"e" * 32)
