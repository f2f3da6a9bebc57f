"""The exercise of analyses/practices/containers.qmd: its solution cell, run exactly as
the page shows it, fixes the first attempt so that hadolint finds nothing."""


def test_practices_containers_exercise(run_solution):
    namespace = run_solution("analyses/practices/containers.qmd", "solution-hadolint-clean")
    assert namespace["linted"].returncode == 0
    assert namespace["findings"] == []
    # and the fix keeps what the exercise asks for
    assert "python:3.11.14-slim-bookworm" in namespace["fixed"]
    assert "--no-cache-dir" in namespace["fixed"]
    assert 'CMD ["python", "serve.py"]' in namespace["fixed"]
    assert "USER 10001" in namespace["fixed"]
