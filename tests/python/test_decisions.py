"""Every policy's decisions on random snapshots are valid: no GPU double-booked, no GPU beyond a node's
capacity or on a node that is down, allocations that match their layout and type. The snapshot built
in Python and the one the scheduler state builds in C++ give the same decision."""
import random

import pytest

import cellsched

MODELS = [("bert__760M", 128), ("moe__690M", 256), ("bert__1.3B", 256), ("wide_resnet__500M", 256)]


def _speed(job, gpu_type, layout):
    """A host's oracle: faster on H100, scaling sublinearly with GPUs, slower across nodes."""
    gpus = sum(layout)
    base = {"bert__760M": 1.0, "moe__690M": 1.5, "bert__1.3B": 2.0, "wide_resnet__500M": 1.2}[job["model"]]
    factor = 0.6 if gpu_type == "h100-sxm" else 1.0
    return base * factor / gpus ** 0.8 * (1.0 + 0.1 * (len(layout) - 1))


def _random_state(cluster, rng):
    """A scheduler state with random running and pending jobs (placed by hand on free GPUs) and maybe a
    failed node."""
    state = cellsched.SchedulerState(cluster)
    nodes = cluster.nodes()
    free = {n["id"]: list(range(n["first_gpu"], n["first_gpu"] + n["num_gpus"])) for n in nodes}
    run = []
    for i in range(rng.randint(3, 14)):
        model, batch = rng.choice(MODELS)
        t = rng.choice(["h100-sxm", "a100-80gb"])
        job = cellsched.Job(f"j{i}", model, batch, rng.randint(50, 5000), submit_time_s=float(i),
                            requested_gpu_type=t, requested_gpus=rng.choice([1, 2, 4]))
        state.submit(job)
        candidates = [n for n in nodes if n["gpu_type"] == t and len(free[n["id"]]) >= job.requested_gpus]
        if candidates and rng.random() < 0.5:
            n = rng.choice(candidates)
            gpus = sorted(rng.sample(free[n["id"]], job.requested_gpus))
            for g in gpus:
                free[n["id"]].remove(g)
            run.append(cellsched.Placement(job.id, cellsched.Allocation(t, [len(gpus)], gpus)))
    state.apply(cellsched.Decision(run=run))
    for r in run:
        state.set_remaining(r.job_id, rng.randint(1, 50))
    if rng.random() < 0.3:
        state.fail_node(rng.randrange(len(nodes)))
    return state


def _check(decision, snapshot, cluster):
    nodes = {n["id"]: n for n in cluster.nodes()}
    up = {n.id: n.up for n in snapshot.nodes}
    node_of = {g: n for n in nodes.values() for g in range(n["first_gpu"], n["first_gpu"] + n["num_gpus"])}
    jobs = {j.spec.id: j for j in snapshot.jobs}
    placed = {p.job_id for p in decision.run}
    held = {}
    for j in snapshot.jobs:  # running jobs neither preempted nor moved keep their GPUs
        if j.state == "running" and j.spec.id not in decision.preempt and j.spec.id not in placed:
            for g in j.alloc.gpus:
                held.setdefault(g, []).append(j.spec.id)
    for p in decision.run:
        assert p.job_id in jobs, f"{p.job_id} is not in the snapshot"
        a = p.alloc
        assert len(set(a.gpus)) == len(a.gpus) and sum(a.layout) == len(a.gpus)
        per_node = {}
        for g in a.gpus:
            assert g in node_of, f"GPU {g} does not exist"
            n = node_of[g]
            assert n["gpu_type"] == a.gpu_type and up[n["id"]], f"GPU {g} of {p.job_id}: wrong type or node down"
            per_node[n["id"]] = per_node.get(n["id"], 0) + 1
            held.setdefault(g, []).append(p.job_id)
        assert sorted(per_node.values(), reverse=True) == sorted(a.layout, reverse=True)
    for g, owners in held.items():
        assert len(owners) == 1, f"GPU {g} double-booked by {owners}"
    for n in nodes.values():  # capacity: never more GPUs in use on a node than it has
        used = sum(1 for g in held if node_of[g]["id"] == n["id"])
        assert used <= n["num_gpus"]


def _policies():
    return [p["name"] for p in cellsched.available_policies() if p["available"]]


@pytest.mark.parametrize("policy", _policies())
def test_decisions_valid_on_random_snapshots(policy, small_cluster):
    oracle = cellsched.Oracle.from_callable(small_cluster, _speed)
    rng = random.Random(17)
    placed = 0
    for trial in range(12):
        state = _random_state(small_cluster, rng)
        snap = state.snapshot(now_s=300.0 * trial, events=[cellsched.Event("arrival", j["spec"]["id"])
                                                           for j in state.jobs() if j["state"] == "pending"])
        from_python = cellsched.Policy(policy).decide(snap, small_cluster, oracle)
        in_cpp = state.decide(cellsched.Policy(policy), snap.now_s, oracle, snap.events, costs=snap.costs)
        assert from_python == in_cpp
        _check(from_python, snap, small_cluster)
        placed += len(from_python.run)
        assert state.validate(from_python) == []
        state.apply(from_python)
        assert state.check_invariants() == []
    assert placed > 0, "no decision placed anything: the checks above checked nothing"


def test_state_rejects_double_booking_and_round_trips(small_cluster):
    state = cellsched.SchedulerState(small_cluster)
    for i in range(2):
        state.submit(cellsched.Job(f"j{i}", "bert__760M", 128, 100))
    same = cellsched.Allocation("a100-80gb", [1], [16])
    bad = cellsched.Decision(run=[cellsched.Placement("j0", same), cellsched.Placement("j1", same)])
    assert any("16" in v for v in state.validate(bad))
    with pytest.raises(cellsched.InternalError):
        state.apply(bad)
    state.apply(cellsched.Decision(run=[cellsched.Placement("j0", same)]))
    again = cellsched.SchedulerState.from_dict(state.to_dict(), small_cluster)
    assert again.to_dict() == state.to_dict() and again.busy_gpus() == 1


def test_policy_state_save_and_load(small_cluster):
    oracle = cellsched.Oracle.from_callable(small_cluster, _speed)
    state = _random_state(small_cluster, random.Random(3))
    p = cellsched.Policy("crius")
    first = state.decide(p, 0.0, oracle)
    saved = p.save_state()
    restarted = cellsched.Policy("crius")
    restarted.load_state(saved, small_cluster)
    assert restarted.save_state() == saved
    assert state.decide(restarted, 300.0, oracle) == state.decide(p, 300.0, oracle)
    assert isinstance(first, cellsched.Decision)
