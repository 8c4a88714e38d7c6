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
