"""The automation recipes' introduction (analyses/recipes/index.qmd) says only what is
true of this repository:

- the set-up block's commands are real: the clone address is the site's repository,
  every `make X` is a target `make help` lists and `make -n X` accepts, a comment that
  says a target runs `dsops SUB` is what its recipe runs, and every `uv run dsops SUB`
  is a command (`dsops SUB --help` exits 0) with the options it is given (the same check
  runs on every page's commands: tests/test_page_commands.py); the flights ETL runs for
  real, twice, and the second run writes nothing, as the page says;
- every link of the page reaches a page of the site (and a section id that exists), and
  every glossary entry links to where it runs or names what will show it;
- the exercise's solution cell, run as shown, gives the answer the prose states.
"""

import hashlib
import re
import shlex
import subprocess
from pathlib import Path

import duckdb
import pytest

from conftest import installed_tool
from dsops.shared import paths
from sitebuild.project import load_project

PAGE = paths.PROJ_ROOT / "analyses" / "recipes" / "index.qmd"
SETUP_HEADING = "## Set-up {#sec-setup}"
GLOSSARY_HEADINGS = ("### Data words, for DevOps people", "### DevOps words, for data people")
MAKE_TIMEOUT = 60
ETL_TIMEOUT = 300


def page_text() -> str:
    return PAGE.read_text(encoding="utf-8")


def section(text: str, heading: str) -> str:
    """The text under a heading, up to the next heading of the same or a higher level."""
    assert heading in text, f"{PAGE.name} has no heading {heading!r}"
    level = heading.split(" ", 1)[0]
    body = text.split(heading, 1)[1]
    return re.split(rf"\n#{{1,{len(level)}}} ", body, maxsplit=1)[0]


def setup_commands(text: str) -> list[tuple[str, str]]:
    """(command, comment) for each line of the first ```{.bash} block under Set-up."""
    block = re.search(r"```\{\.bash\}\n(.*?)\n```", section(text, SETUP_HEADING), re.S)
    assert block, f"the set-up section of {PAGE.name} has no ```{{.bash}} block"
    lines = []
    for line in block.group(1).splitlines():
        command, _, comment = line.partition(" #")
        if command.strip():
            lines.append((command.strip(), comment.strip()))
    return lines


def make(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["make", "--no-print-directory", *args],
        cwd=paths.PROJ_ROOT,
        capture_output=True,
        text=True,
        timeout=MAKE_TIMEOUT,
    )


def make_help_targets() -> set[str]:
    listed = make("help")
    assert listed.returncode == 0, listed.stderr
    return set(re.findall(r"^\s+make (\S+)", listed.stdout, re.M))


# `dsops SUB` in a make recipe, after the options every command takes
RECIPE_RUNS = re.compile(r"\bdsops (?:(?:--verbose|-v|--log-file \S+) )*([a-z][a-z-]*)")
GLOBAL_OPTIONS = {  # option -> how many values it takes
    "dsops": {"--verbose": 0, "-v": 0, "--log-file": 1},
    "sitebuild": {"--verbose": 0},
}


def without_global_options(words: list[str]) -> list[str]:
    """`uv run dsops --log-file F etl ...` as `uv run dsops etl ...`: the options every
    command takes come before the command (`dsops --help` lists them: a test checks)."""
    if words[:2] != ["uv", "run"] or len(words) < 3 or words[2] not in GLOBAL_OPTIONS:
        return words
    rest, known = words[3:], GLOBAL_OPTIONS[words[2]]
    while rest and rest[0].split("=")[0] in known:
        option = rest.pop(0)
        if known[option.split("=")[0]] and "=" not in option:
            rest = rest[1:]
    return [*words[:3], *rest]


def command_problems(commands: list[tuple[str, str]]) -> list[str]:
    """What is wrong with each set-up command, as sentences; none when all are real."""
    repo_url = load_project().website["repo-url"]
    repo_name = repo_url.rstrip("/").rsplit("/", 1)[1]
    targets = make_help_targets()
    problems = []
    for command, comment in commands:
        words = without_global_options(shlex.split(command))
        match words:
            case ["git", "clone", url]:
                if url.removesuffix(".git") != repo_url:
                    problems.append(f"`{command}` does not clone {repo_url}")
            case ["cd", folder]:
                if folder != repo_name:
                    problems.append(f"`{command}` is not the clone's folder {repo_name}")
            case ["make", target]:
                if target not in targets:
                    problems.append(f"`{command}`: `make help` lists no target {target!r}")
                    continue
                dry = make("-n", target)
                if dry.returncode != 0:
                    problems.append(f"`make -n {target}` fails: {dry.stderr.strip()}")
                named = re.findall(r"\bdsops ([a-z][a-z-]*)", comment)
                if named:
                    recipe = make("-n", "-B", target).stdout
                    ran = set(RECIPE_RUNS.findall(recipe))
                    problems += [
                        f"the comment of `{command}` says it runs `dsops {sub}`; it does not"
                        for sub in named
                        if sub not in ran
                    ]
            case ["uv", "run", ("dsops" | "sitebuild") as program, sub, *rest]:
                helped = subprocess.run(
                    [installed_tool(program), sub, "--help"],
                    capture_output=True,
                    text=True,
                    timeout=60,
                )
                if helped.returncode != 0:
                    problems.append(
                        f"`{command}`: `{program} {sub} --help` exits {helped.returncode}"
                    )
                    continue
                options = [word.split("=")[0] for word in rest if word.startswith("--")]
                problems += [
                    f"`{command}`: `{program} {sub}` has no option {option}"
                    for option in options
                    if option not in helped.stdout
                ]
            case [("dsops" | "sitebuild") as program, *_]:
                problems.append(
                    f"`{command}` fails in a fresh clone, where `{program}` is not on PATH: "
                    f"show it as `uv run {command}`"
                )
            case _:
                problems.append(f"`{command}` is not a command this test knows how to check")
    return problems


def test_the_setup_block_names_the_commands_the_brief_promises():
    commands = [command for command, _ in setup_commands(page_text())]
    for expected in [
        "make setup",
        "make data",
        "uv run dsops flights-etl",
        "make test",
        "make preview",
    ]:
        assert expected in commands, f"the set-up block lacks `{expected}`"
    assert commands[0].startswith("git clone ")


def test_every_setup_command_is_real():
    assert command_problems(setup_commands(page_text())) == []


def test_the_command_check_names_what_is_not_real():
    problems = command_problems(
        [
            ("git clone https://example.org/elsewhere.git", ""),
            ("cd elsewhere", ""),
            ("make no-such-target", ""),
            ("make setup", "runs dsops train"),
            ("uv run dsops no-such-command", ""),
            ("uv run dsops etl --raw x.csv --no-such-option", ""),
            ("dsops verify-raw", ""),
            ("curl https://example.org | sh", ""),
        ]
    )
    assert problems == [
        "`git clone https://example.org/elsewhere.git` does not clone "
        "https://github.com/devops-for-data-science/devops-for-data-science",
        "`cd elsewhere` is not the clone's folder devops-for-data-science",
        "`make no-such-target`: `make help` lists no target 'no-such-target'",
        "the comment of `make setup` says it runs `dsops train`; it does not",
        "`uv run dsops no-such-command`: `dsops no-such-command --help` exits 2",
        "`uv run dsops etl --raw x.csv --no-such-option`: `dsops etl` has no option "
        "--no-such-option",
        "`dsops verify-raw` fails in a fresh clone, where `dsops` is not on PATH: show it as "
        "`uv run dsops verify-raw`",
        "`curl https://example.org | sh` is not a command this test knows how to check",
    ]


def test_options_before_the_command_are_real_and_skipped():
    words = shlex.split("uv run dsops --log-file run.jsonl --verbose etl --out o")
    assert without_global_options(words) == ["uv", "run", "dsops", "etl", "--out", "o"]
    assert without_global_options(["uv", "run", "dsops", "--log-file=x", "train"])[3] == "train"
    recipe = "uv run --no-sync dsops --log-file logs/p.jsonl etl --raw x\nuv run dsops train"
    assert RECIPE_RUNS.findall(recipe) == ["etl", "train"]
    for program, options in GLOBAL_OPTIONS.items():
        helped = subprocess.run(
            [installed_tool(program), "--help"], capture_output=True, text=True, timeout=60
        )
        assert all(option in helped.stdout for option in options), (program, helped.stdout)


def test_a_page_without_the_setup_block_is_refused():
    with pytest.raises(AssertionError, match="has no heading"):
        setup_commands("---\ntitle: x\n---\n\nNo set-up here.\n")
    with pytest.raises(AssertionError, match=r"has no ```\{\.bash\} block"):
        setup_commands(f"{SETUP_HEADING}\n\nProse only.\n\n## Next\n")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_flights_etl_runs_and_a_second_run_writes_nothing(tmp_path):
    """`uv run dsops flights-etl`, as the page runs it, into a temporary folder."""
    dsops = installed_tool("dsops")

    def flights_etl() -> subprocess.CompletedProcess:
        return subprocess.run(
            [dsops, "flights-etl", "--out", str(tmp_path)],
            capture_output=True,
            text=True,
            timeout=ETL_TIMEOUT,
        )

    first = flights_etl()
    assert first.returncode == 0 and first.stderr == "", first.stderr
    database = tmp_path / paths.FLIGHTS_DUCKDB_NAME
    assert first.stdout.startswith(f"{database} holds ") and database.is_file(), first.stdout
    before = (sha256(database), database.stat().st_mtime_ns)
    second = flights_etl()
    assert second.returncode == 0 and second.stderr == "", second.stderr
    assert "is up to date" in second.stdout, second.stdout
    assert (sha256(database), database.stat().st_mtime_ns) == before


LINK = re.compile(r"\]\(([^)\s]+)\)")


def test_every_link_reaches_a_page_and_a_section_that_exist():
    text = page_text()
    links = LINK.findall(text)
    assert links, f"{PAGE.name} has no links"
    for link in links:
        if link.startswith(("http://", "https://")):
            continue
        target, _, anchor = link.partition("#")
        path = (PAGE.parent / target).resolve() if target else PAGE
        assert path.is_file(), f"{PAGE.name} links to {link}, which does not exist"
        if anchor:
            ids = re.findall(r"\{#([\w-]+)", path.read_text(encoding="utf-8"))
            assert anchor in ids, f"{PAGE.name} links to {link}: no section #{anchor} there"


def glossary_entries(text: str) -> dict[str, str]:
    """Term -> definition, from the definition lists under the glossary's two headings."""
    entries = {}
    for heading in GLOSSARY_HEADINGS:
        body = section(text, heading)
        for term, definition in re.findall(r"\n([^\n:][^\n]*)\n((?:: .*\n(?:  .*\n)*))", body):
            entries[term.strip()] = " ".join(definition.split())
    return entries


def test_every_glossary_term_links_to_where_it_runs_or_names_what_will_show_it():
    entries = glossary_entries(page_text())
    for term in ["ETL", "Idempotent", "Lineage", "Schema drift", "Incremental load", "CI"]:
        assert any(name.startswith(term) for name in entries), f"no glossary entry for {term}"
    assert len(entries) >= 16, sorted(entries)
    for term, definition in entries.items():
        linked = LINK.search(definition) or "](#" in definition
        coming = re.search(r"Recipe \d|recipe \d|practice will show", definition)
        assert linked or coming, f"the glossary entry {term!r} neither links nor names a page"


def test_the_exercise_answer_is_the_one_the_prose_gives(run_solution, capsys):
    ns = run_solution("analyses/recipes/index.qmd", "solution-etl-months")
    # The prose: the recorded counts add up to the flights table's rows.
    assert ns["recorded_total"] == ns["loaded"]
    assert [month for month, _ in ns["recorded"]] == list(range(1, 13))
    with duckdb.connect(str(paths.FLIGHTS_DUCKDB), read_only=True) as con:
        busiest = con.execute(
            "SELECT month, count(*) AS n FROM flights GROUP BY month ORDER BY n DESC LIMIT 1"
        ).fetchone()
    assert (ns["busiest"], ns["busiest_rows"]) == busiest
    assert f"month {busiest[0]}, {busiest[1]} flights" in capsys.readouterr().out
