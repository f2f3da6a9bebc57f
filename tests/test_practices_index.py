"""The DevOps practices section's index page (analyses/practices/index.qmd) says only
what is true of the site:

- its map names ten practices, each linking a page of the section that exists (with
  that page's title) or marked "to come", and every page of the section is on the map;
- the exercise's solution cell, run as shown, gives the answer the prose states.
"""

import re
from datetime import timedelta

from dsops.shared import paths
from sitebuild.project import load_project

SECTION = paths.ANALYSES_DIR / "practices"
INDEX = SECTION / "index.qmd"
MAP_HEADING = "## The ten practices {#sec-map}"
ENTRY = re.compile(r"^\s*(\d+)\. (.*)$", re.M)
LINKED = re.compile(r"^\[(?P<title>[^\]]+)\]\((?P<page>[a-z0-9-]+\.qmd)\): ")
TO_COME = re.compile(r"^\*\*(?P<title>[^*]+)\*\* \(to come\): ")


def map_entries() -> list[str]:
    text = INDEX.read_text(encoding="utf-8")
    assert MAP_HEADING in text, f"{INDEX.name} has no heading {MAP_HEADING!r}"
    body = text.split(MAP_HEADING, 1)[1].split("\n## ", 1)[0]
    entries = ENTRY.findall(body)
    assert [int(number) for number, _ in entries] == list(range(1, len(entries) + 1))
    return [entry for _, entry in entries]


def test_the_map_names_ten_practices_each_linked_or_to_come():
    entries = map_entries()
    assert len(entries) == 10
    for entry in entries:
        assert LINKED.match(entry) or TO_COME.match(entry), entry


def test_every_link_of_the_map_is_a_page_of_the_section_with_that_title():
    project = load_project()
    for entry in map_entries():
        linked = LINKED.match(entry)
        if linked:
            page = SECTION / linked["page"]
            assert page in project.pages, f"{linked['page']} is not a page of the site"
            title = project.front_matter(page)["title"]
            assert title.startswith(linked["title"]), (linked["title"], title)


def test_every_page_of_the_section_is_on_the_map():
    project = load_project()
    linked = {m["page"] for e in map_entries() if (m := LINKED.match(e))}
    pages = {p.name for p in project.pages if p.parent == SECTION and p.name != "index.qmd"}
    assert pages == linked


def test_the_second_week_exercise(run_solution):
    ns = run_solution("analyses/practices/index.qmd", "solution-second-week")
    assert ns["tags"] == ["deploy-05", "deploy-06", "deploy-07"]
    # The prose: one failure of three, above the two weeks' 2 of 7, and a longer median
    # lead time (5 h: 7, 3, 2 and 48 h) than the two weeks' 4 h.
    assert ns["week"].change_failure_rate == 1 / 3 > 2 / 7
    assert ns["week"].lead_time == timedelta(hours=5) > timedelta(hours=4)
