"""The estimator, the plan search and the oracles from Python."""
import pytest

import cellsched


def test_plan_gives_best_plan_and_launch_line(small_cluster):
    best = cellsched.plan("bert__760M", 128, small_cluster)
    ranked = cellsched.rank_plans("bert__760M", 128, small_cluster, top=5)
    assert best["feasible"] and ranked[0]["feasible"]
    assert best["estimate"]["iter_time_s"] == ranked[0]["estimate"]["iter_time_s"]
    times = [r["estimate"]["iter_time_s"] for r in ranked if r["feasible"]]
    assert times == sorted(times)
    assert "--global-batch-size 128" in best["launch"]["command_line"]
    on_layout = cellsched.plan("bert__760M", 128, small_cluster, gpu_type="a100-80gb", layout=[4])
    assert on_layout["cell"]["num_gpus"] == 4
    assert on_layout["estimate"]["iter_time_s"] >= best["estimate"]["iter_time_s"]


def test_estimate_of_a_plan_matches_the_search(small_cluster):
    found = cellsched.estimate("bert__760M", 128, small_cluster, "a100-80gb", [4], stages=1)
    assert found["feasible"]
    state_plan = cellsched.Oracle.estimator(small_cluster).query(
        cellsched.Job("x", "bert__760M", 128, 1), "a100-80gb", [4])
    stages = state_plan["stages"]
    again = cellsched.estimate("bert__760M", 128, small_cluster, "a100-80gb", [4], stages=stages,
                               plan=state_plan["plan"])
    assert abs(again["iter_time_s"] - state_plan["iter_time_s"]) < 1e-12
    b = again["breakdown_s"]
    assert b["compute"] > 0 and len(again["stages"]) == stages
    assert all(s["peak_mem_bytes"] > 0 and s["fits"] for s in again["stages"])


def test_software_stack_changes_tensor_parallel_time_and_unknown_names_are_refused(small_cluster):
    plan = {"stages": [{"first_layer": 0, "end_layer": 26, "dp": 1, "tp": 4}], "micro_batch_samples": 4,
            "num_micro_batches": 2, "schedule": "1f1b", "recompute": True, "zero1": False}
    now = cellsched.estimate("gpt3-1.3b", 8, small_cluster, "a100-80gb", [4], plan=plan)
    then = cellsched.estimate("gpt3-1.3b", 8, small_cluster, "a100-80gb", [4], plan=plan, software="megatron-lm-2021")
    assert then["breakdown_s"]["tp_comm"] > now["breakdown_s"]["tp_comm"]
    with pytest.raises(ValueError, match="megatron-lm-2021"):
        cellsched.estimate("gpt3-1.3b", 8, small_cluster, "a100-80gb", [4], plan=plan, software="deepspeed")


def test_python_oracle_drives_the_simulator(small_cluster):
    calls = []

    def oracle(job, gpu_type, layout):
        calls.append((job["id"], gpu_type, tuple(layout)))
        return 2.0 if gpu_type == "h100-sxm" else 4.0

    jobs = [cellsched.Job("a", "bert__760M", 128, 300, requested_gpu_type="h100-sxm", requested_gpus=1),
            cellsched.Job("b", "bert__760M", 128, 300, submit_time_s=10, requested_gpu_type="a100-80gb",
                          requested_gpus=1)]
    r = cellsched.simulate(small_cluster, jobs, ["fcfs"], oracle, round_s=100)
    rows = {j["id"]: j for j in r["policies"][0]["jobs"]}
    assert calls and all(rows[i]["state"] == "finished" for i in "ab")
    # 300 iterations at 2 s on H100 is 600 s; at 4 s on A100, 1200 s (whole rounds of 100 s, plus FCFS's
    # unguided re-tuning of 150 s per GPU charged at the start).
    assert rows["a"]["jct_s"] < rows["b"]["jct_s"]


def test_a_trace_from_a_file_or_a_list_simulates_the_same():
    cluster = cellsched.load_cluster(cellsched.data_path("clusters", "arena-1280.json"))
    path = cellsched.data_path("traces", "tiny.json")
    jobs = cellsched.load_trace(path)
    for divisor in (None, 2):
        a = cellsched.simulate(cluster, path, ["crius"], iteration_divisor=divisor)
        b = cellsched.simulate(cluster, jobs, ["crius"], iteration_divisor=divisor)
        assert a["policies"][0]["jobs"] == b["policies"][0]["jobs"]
    halved = {j["id"]: j["iterations"] for j in b["policies"][0]["jobs"]}
    assert halved == {j.id: j.iterations // 2 for j in jobs}


def test_plans_are_launchable_unless_nonuniform_is_allowed(small_cluster):
    # The plan space of `cellsched plan`: by default one stage shape that Megatron-LM launches as it is.
    for r in cellsched.rank_plans("gpt3-1.3b", 64, small_cluster, top=20):
        if not r["feasible"]:
            continue
        shapes = {(s["dp"], s["tp"]) for s in r["plan"]["stages"]}
        assert len(shapes) == 1, r["plan"]
        assert r["launch"]["megatron_compatible"], r["launch"]
    opened = cellsched.rank_plans("gpt3-1.3b", 64, small_cluster, top=200, allow_nonuniform=True)
    mixed = [r for r in opened if r["feasible"] and len({(s["dp"], s["tp"]) for s in r["plan"]["stages"]}) > 1]
    assert mixed and not any(r["launch"]["megatron_compatible"] for r in mixed)
    best = cellsched.plan("gpt3-1.3b", 64, small_cluster)
    assert opened[0]["estimate"]["iter_time_s"] <= best["estimate"]["iter_time_s"] + 1e-12
