"""A sweep on a local Ray cluster gives the table of the same sweep run sequentially."""
import pytest

import cellsched

ray = pytest.importorskip("ray")


def test_sweep_on_ray_equals_sequential():
    policies = ["crius", "fcfs", "gandiva"]
    traces = [cellsched.data_path("traces", "tiny.json")]
    cluster = cellsched.data_path("clusters", "arena-1280.json")
    options = [{"round_s": 300.0}, {"round_s": 120.0, "fault_rate": 2.0, "rounds": 60}]
    sequential = cellsched.sweep(policies, traces, seeds=[1, 2], options=options, cluster=cluster,
                                 executor="sequential")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        on_ray = cellsched.sweep(policies, traces, seeds=[1, 2], options=options, cluster=cluster)  # auto: Ray
    finally:
        ray.shutdown()
    assert len(sequential) == len(policies) * 2 * 2
    strip = lambda rows: [{k: v for k, v in r.items() if k != "timing"} for r in rows]  # noqa: E731
    assert strip(on_ray) == strip(sequential)
    # The fault-injected runs depend on the seed: a sweep over seeds that ignored them would not see it.
    faulted = [r for r in sequential if "fault_rate" in r["options"]]
    assert all(r["faults"]["invariant_violations"] == 0 for r in faulted)
    assert len({str(r["faults"]) for r in faulted}) > 1


def test_sweep_in_local_processes_equals_sequential():
    args = (["fcfs", "crius"], [cellsched.data_path("traces", "tiny.json")])
    kw = {"cluster": cellsched.data_path("clusters", "arena-1280.json")}
    a = cellsched.sweep(*args, executor="processes", max_workers=2, **kw)
    b = cellsched.sweep(*args, executor="sequential", **kw)
    assert [{k: v for k, v in r.items() if k != "timing"} for r in a] == \
        [{k: v for k, v in r.items() if k != "timing"} for r in b]
    assert [r["policy"] for r in a] == ["fcfs", "crius"]
