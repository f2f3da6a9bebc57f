"""Mutation testing of the clock-time parsers (dsops.flights.mutation): the copy mutmut
runs in, reading its verdicts, and one real mutmut run on that copy."""

import pytest

from dsops.flights import mutation
from dsops.shared import paths
from dsops.shared.errors import DsopsError


def test_the_copy_holds_the_parsers_and_tests_pointed_at_them(tmp_path):
    folder = mutation.make_copy(tmp_path / "copy", [mutation.EXAMPLE_TESTS])
    copied = folder / "src" / mutation.COPY_PACKAGE / "parse.py"
    assert copied.read_text() == mutation.SOURCE.read_text()
    test = (folder / "tests" / mutation.EXAMPLE_TESTS.name).read_text()
    assert "from parsecopy.parse import" in test and mutation.IMPORT not in test
    assert test.replace("parsecopy.parse", "dsops.flights.parse") == (
        mutation.EXAMPLE_TESTS.read_text()
    )
    assert "deadline=None" in (folder / "tests" / "conftest.py").read_text()


def test_a_test_file_that_does_not_import_the_parsers_is_refused(tmp_path):
    other = tmp_path / "test_other.py"
    other.write_text("def test_x():\n    pass\n")
    with pytest.raises(DsopsError, match="does not import the parsers"):
        mutation.make_copy(tmp_path / "copy", [other])


def test_verdicts_are_read_from_mutmuts_results():
    text = (
        "    parsecopy.parse.x_invalid_hhmm__mutmut_1: killed\n"
        "    parsecopy.parse.x_invalid_hhmm__mutmut_2: survived\n"
        "    parsecopy.parse.x_local_timestamps__mutmut_3: no tests\n"
        "something else\n"
    )
    status = mutation.parse_results(text)
    assert status == {
        "x_invalid_hhmm__mutmut_1": "killed",
        "x_invalid_hhmm__mutmut_2": "survived",
        "x_local_timestamps__mutmut_3": "no tests",
    }
    run = mutation.MutationRun(paths.PROJ_ROOT, status, 1.0)
    assert run.score == 0.5  # mutants no test ran against do not count
    assert run.survivors() == ["x_invalid_hhmm__mutmut_2"]
    assert mutation.summary(run)["no_tests"] == 1


def test_mutmut_runs_on_the_copy_and_the_examples_kill_a_mutant(tmp_path):
    run = mutation.run_mutmut(tmp_path / "run", [mutation.EXAMPLE_TESTS], only="hhmm_to_minutes")
    assert run.status and all(n.startswith("x_hhmm_to_minutes__") for n in run.status)
    # The examples alone kill every mutant of hhmm_to_minutes (the properties do not).
    assert run.count("killed") == len(run.status) > 10
    dtype = next(
        n
        for n in run.status
        if n.startswith("x_hhmm_to_minutes") and ".astype(None)" in mutation.show(run, n)
    )
    assert run.status[dtype] == "killed"
    assert mutation.killing_tests(run, dtype) == [
        "test_flights_parse_examples.py::test_minutes_keep_the_nullable_integer_type"
    ]
