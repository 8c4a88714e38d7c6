"""The Python package gives the command-line tool's results on the bundled Philly experiment."""
import json
import subprocess

import cellsched
from cellsched.sweep import TIMING_KEYS

POLICIES = ["crius", "fcfs"]


def _without_timing(p):
    p = {k: v for k, v in p.items() if k not in TIMING_KEYS and k != "jobs"}
    p["series"] = {k: v for k, v in p["series"].items() if k != "decision_s"}
    return p


def test_philly_crius_and_fcfs_equal_the_cli(cli, tmp_path):
    out = tmp_path / "cli.json"
    subprocess.run([cli, "simulate", "--policy", ",".join(POLICIES), "--quiet", "--json", str(out)], check=True,
                   stdout=subprocess.DEVNULL)
    ours = cellsched.simulate(policies=POLICIES)
    theirs = json.loads(out.read_text())
    assert [p["policy"] for p in ours["policies"]] == POLICIES
    for a, b in zip(ours["policies"], theirs["policies"]):
        assert _without_timing(a) == _without_timing(b)
        assert a["jobs"] == b["jobs"]  # every job's row: allocations, plans, times, outcome
    crius, fcfs = ours["policies"]
    # The reference simulator's recorded figures for this experiment (docs/reference-simulator.md).
    assert crius["finished_jobs"] == 828 and fcfs["finished_jobs"] == 590
    assert crius["reference"]["finished_jobs"] == 828


def test_own_trace_with_the_auto_oracle_equals_the_cli(cli, tmp_path):
    """A trace the table covers only in part (gpt3-350m has no row): the table for the other jobs, our
    estimator for it, as `cellsched simulate --oracle auto` (the default) does."""
    cluster = cellsched.data_path("clusters", "arena-1280.json")
    trace = cellsched.data_path("traces", "tiny.json")
    out = tmp_path / "cli.json"
    subprocess.run([cli, "simulate", "--cluster", cluster, "--trace", trace, "--policy", ",".join(POLICIES), "--quiet",
                    "--json", str(out)], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ours = cellsched.simulate(cellsched.load_cluster(cluster), trace, POLICIES)
    theirs = json.loads(out.read_text())
    for a, b in zip(ours["policies"], theirs["policies"]):
        assert _without_timing(a) == _without_timing(b) and a["jobs"] == b["jobs"]
    cov = ours["inputs"]["oracle_coverage"]
    assert cov["estimator_jobs"] == theirs["inputs"]["oracle"]["estimator_jobs"] > 0
    assert cov["table_jobs"] == theirs["inputs"]["oracle"]["table_jobs"] > 0
