"""The API benchmark drives the real server and writes a valid record with its goals."""

import json

import jsonschema

from dsops.penguins import serving_bench
from dsops.shared import benchmarks, paths

SCHEMA = json.loads((paths.BENCHMARKS_DIR / benchmarks.SCHEMA_FILE).read_text())


def test_latency_figures_are_throughput_and_percentiles():
    seconds = [0.010] * 98 + [0.020, 0.500]
    figures = serving_bench.latency_figures(seconds, birds=100, wall_s=2.0)
    assert figures == {
        "calls": 100,
        "birds_per_call": 100,
        "calls_per_s": 50.0,
        "birds_per_s": 5000.0,
        "p50_ms": 10.0,
        "p99_ms": 24.8,  # between the 99th and the 100th value, as `inclusive` places it
    }


def test_a_small_run_records_every_load_and_the_goals(tmp_path):
    path = serving_bench.run(requests=32, calls=10, folder=tmp_path)
    data = json.loads(path.read_text())
    jsonschema.validate(data, SCHEMA, format_checker=jsonschema.FormatChecker())
    figures = data["figures"]
    assert figures["http_1_bird_16_clients"]["calls"] == 32
    assert figures["http_100_birds_16_clients"]["calls"] == 6  # a fifth, shared by 6 clients
    assert figures["http_1_bird_1_client"]["calls"] == 4
    assert (
        figures["in_process_1_bird"]["birds_per_s"]
        >= figures["in_process_1_bird_other_run"]["birds_per_s"]
    )
    goals = figures["goals"]
    single, ceiling = figures["http_1_bird_16_clients"], figures["in_process_1_bird"]
    assert goals["single_vs_ceiling"] == round(single["birds_per_s"] / ceiling["birds_per_s"], 2)
    assert goals["p99_vs_p50"] >= 1


def test_the_page_tables_list_every_load_and_judge_each_goal():
    figures = {
        key: {"calls": 10, "birds_per_s": 5.0, "p50_ms": 1.0, "p99_ms": 2.0}
        for key in serving_bench.LOADS
    }
    loads = serving_bench.loads_table(figures)
    assert list(loads["load"]) == list(serving_bench.LOADS.values())
    assert list(loads.columns) == ["load", "calls", "birds_per_s", "p50_ms", "p99_ms"]
    goals = {
        "single_vs_ceiling": 0.45,
        "single_vs_ceiling_at_least": 0.5,
        "hundred_vs_one_p50": 2.0,
        "hundred_vs_one_p50_under": 3.0,
        "p99_vs_p50": 10.0,
        "p99_vs_p50_under": 10.0,
    }
    judged = serving_bench.goals_table(goals)
    assert list(judged["met"]) == ["no", "yes", "no"]  # 0.45 < 0.5; 10 is not under 10
    assert list(judged["goal"]) == ["at least 0.5", "under 3.0", "under 10.0"]
