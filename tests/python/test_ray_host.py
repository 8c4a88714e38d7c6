"""The Ray host example runs a small trace end to end on a local Ray cluster it starts itself."""
import json
import os
import subprocess
import sys

import pytest

from conftest import SOURCE_DIR

pytest.importorskip("ray")


def test_ray_host_runs_every_job_to_the_end(tmp_path):
    out = tmp_path / "ray.json"
    script = os.path.join(SOURCE_DIR, "examples", "python", "ray_host.py")
    proc = subprocess.run([sys.executable, script, "--json", str(out)], capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    s = json.loads(out.read_text())
    assert s["all_finished"] and all(j["state"] == "finished" and j["ray_jct_s"] > 0 for j in s["jobs"])
    assert s["violations"] == []
    # Ray's own placement-group table never held more than the cluster has (8 A100s, 2 A40s; 4, 4, 2 per node).
    peak = s["peak_resources_held"]
    assert peak["gpu:a100-40gb"] <= 8 and peak.get("gpu:a40", 0) <= 2
    assert all(peak.get(f"cellsched-node-{i}", 0) <= cap for i, cap in enumerate([4, 4, 2]))
    assert s["starts"] >= len(s["jobs"])
    assert s["total_wall_s"] <= 60, f"the example took {s['total_wall_s']:.0f} s"
