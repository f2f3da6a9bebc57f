"""The test suite as data (dsops.shared.testsuite): levels read from markers, the hooks
and CI jobs read from their files, and an in-process pytest run with line coverage."""

import textwrap

from dsops.shared import testsuite


def write(path, text):
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_a_test_takes_its_level_from_its_own_or_its_modules_marker(tmp_path):
    write(
        tmp_path / "test_a.py",
        """
        import pytest

        def test_plain():
            pass

        @pytest.mark.render
        def test_rendered():
            pass

        @pytest.mark.parametrize("x", [1, 2])
        def test_many(x):
            pass

        def helper():
            pass
        """,
    )
    write(
        tmp_path / "test_b.py",
        """
        import pytest
        pytestmark = [pytest.mark.workflows]

        def test_one():
            pass
        """,
    )
    assert testsuite.test_functions(tmp_path / "test_a.py") == [
        ("test_plain", "package"),
        ("test_rendered", "render"),
        ("test_many", "package"),
    ]
    table = testsuite.inventory(tmp_path).set_index("level")
    assert table.loc["package", "tests"] == 2 and table.loc["package", "files"] == 1
    assert table.loc["render", "tests"] == 1 and table.loc["workflows", "tests"] == 1
    assert table.loc["browser", "tests"] == 0


def test_this_repository_has_every_level():
    table = testsuite.inventory().set_index("level")
    assert (table["tests"] > 0).all(), table
    assert table.loc["pages", "tests"] == 1  # one function, parametrised over the pages


def test_hooks_and_jobs_are_read_from_their_files(tmp_path):
    config = write(
        tmp_path / "hooks.yaml",
        """
        repos:
          - repo: local
            hooks:
              - id: first
              - id: second
        """,
    )
    workflow = write(
        tmp_path / "ci.yml",
        """
        jobs:
          lint:
            steps:
              - uses: actions/checkout
              - run: make lint
          test:
            steps:
              - run: |
                  echo hello
                  make test QUARTO=skip
        """,
    )
    assert testsuite.pre_commit_hooks(config) == ["first", "second"]
    assert testsuite.ci_jobs(workflow) == {"lint": ["lint"], "test": ["test"]}
    assert "ruff" in testsuite.pre_commit_hooks()
    assert "test" in testsuite.ci_jobs()


def test_an_in_process_run_reports_its_result_and_the_lines_it_ran(tmp_path, monkeypatch):
    package = tmp_path / "demo_cov_pkg"
    package.mkdir()
    write(package / "__init__.py", "")
    write(
        package / "maths.py",
        """
        def half(x):
            return x / 2


        def never_called(x):
            return x * 3
        """,
    )
    write(
        tmp_path / "test_demo.py",
        """
        from demo_cov_pkg.maths import half

        def test_half():
            assert half(4) == 2
        """,
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    code, report, lines = testsuite.run_with_coverage(
        ["-q", "--no-header", "--rootdir", str(tmp_path), str(tmp_path / "test_demo.py")],
        "demo_cov_pkg.maths",
    )
    assert code == 0 and "1 passed" in report
    last = lines.strip().splitlines()[-1].split()
    assert last[1:4] == ["4", "1", "75%"]  # 4 statements, the body of never_called missed


def test_the_workers_are_read_from_the_makefile(tmp_path):
    makefile = write(tmp_path / "Makefile", "test:\n\t$(RUN) pytest -n 3 --durations=20\n")
    assert testsuite.parallel_workers(makefile) == 3
    assert testsuite.parallel_workers(write(tmp_path / "M2", "test:\n\tpytest\n")) == 1
