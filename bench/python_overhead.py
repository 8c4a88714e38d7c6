"""What calling a policy from Python costs over calling it from C++, and how long `import cellsched` takes.

A 1,000-job snapshot on the bundled 1,280-GPU cluster (jobs drawn in turn from the bundled Philly trace,
submitted 100 per round and scheduled by Crius until 1,000 are in the system; then 1 % of the running
jobs finish and as many arrive, as bench/policy_decision_time.cpp does) with the reference table as the
oracle. On that one snapshot, each repetition asks a freshly made policy for its decision three ways, interleaved:
  cpp          decide() in C++ on the snapshot parsed once (no Python, no JSON in the timed region);
  python       Policy.decide(Snapshot): the snapshot dataclasses to JSON, parsed and checked in C++,
               decide(), the decision back to dataclasses;
  python_state SchedulerState.decide(): the snapshot built from the state in C++, the decision to Python.
Prints the medians and the overhead, and writes everything as JSON.

usage: python bench/python_overhead.py [--jobs 1000] [--repeats 15] [--policies crius,fcfs] [--out FILE]
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time

import cellsched


def build_state(cluster, oracle, jobs: int):
    templates = cellsched.load_trace(cellsched.data_path("traces", "philly.csv"), cluster=cluster)
    state = cellsched.SchedulerState(cluster)
    crius = cellsched.Policy("crius")
    now, next_id, order = 0.0, 0, []

    def submit(events):
        nonlocal next_id
        t = templates[next_id % len(templates)]
        j = cellsched.Job(f"job{next_id}", t.model, t.global_batch, t.iterations, submit_time_s=now,
                          requested_gpu_type=t.requested_gpu_type, requested_gpus=t.requested_gpus)
        next_id += 1
        order.append(j.id)
        state.submit(j)
        events.append(cellsched.Event("arrival", j.id))

    while next_id < jobs:
        events = []
        for _ in range(min(100, jobs - next_id)):
            submit(events)
        state.apply(state.decide(crius, now, oracle, events))
        now += 300.0
    events = []
    running = [r["spec"]["id"] for r in state.jobs() if r["state"] == "running"]
    for job_id in running[: max(1, jobs // 100)]:
        state.finish(job_id, now)
        events.append(cellsched.Event("departure", job_id))
    for _ in range(len(events)):
        submit(events)
    return state, now, events


def median_ms(values):
    return statistics.median(values) * 1000.0


def import_time_s(repeats: int) -> dict:
    def run(code):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        return time.perf_counter() - t
    bare = [run("pass") for _ in range(repeats)]
    full = [run("import cellsched") for _ in range(repeats)]
    return {"python_startup_s": statistics.median(bare), "with_import_s": statistics.median(full),
            "import_s": statistics.median(full) - statistics.median(bare)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--jobs", type=int, default=1000)
    ap.add_argument("--repeats", type=int, default=15)
    ap.add_argument("--policies", default="crius,fcfs")
    ap.add_argument("--out", default="python_overhead.json")
    args = ap.parse_args()

    cluster = cellsched.load_cluster(cellsched.data_path("clusters", "arena-1280.json"))
    oracle = cellsched.Oracle.table(cluster)
    state, now, events = build_state(cluster, oracle, args.jobs)
    snap = state.snapshot(now, events)
    snap_text = json.dumps(snap.to_dict())
    running = sum(1 for j in snap.jobs if j.state == "running")
    print(f"snapshot: {len(snap.jobs)} jobs ({running} running, {len(snap.jobs) - running} pending), "
          f"{len(snap.events)} events, cluster {cluster.name} ({cluster.total_gpus} GPUs), oracle: reference table, "
          f"median of {args.repeats}")
    results = []
    for name in args.policies.split(","):
        # Interleaved, one of each per repetition, so that a change in the machine's load hits all three.
        cpp, py, py_state = [], [], []
        for _ in range(args.repeats):
            cpp += cellsched._core._time_decide(name, snap_text, cluster._c, oracle._o, 1)
            p = cellsched.Policy(name)
            t = time.perf_counter()
            p.decide(snap, cluster, oracle)
            py.append(time.perf_counter() - t)
            p = cellsched.Policy(name)
            t = time.perf_counter()
            state.decide(p, now, oracle, events)
            py_state.append(time.perf_counter() - t)
        r = {"policy": name, "cpp_ms": median_ms(cpp), "python_ms": median_ms(py), "python_state_ms": median_ms(py_state)}
        r["python_extra_ms"] = r["python_ms"] - r["cpp_ms"]
        r["python_state_extra_ms"] = r["python_state_ms"] - r["cpp_ms"]
        r["python_overhead"] = r["python_ms"] / r["cpp_ms"] - 1.0
        r["python_state_overhead"] = r["python_state_ms"] / r["cpp_ms"] - 1.0
        results.append(r)
        print(f"  {name:8} C++ {r['cpp_ms']:8.2f} ms   Python (Snapshot) {r['python_ms']:8.2f} ms "
              f"({100 * r['python_overhead']:+.1f} %)   Python (SchedulerState) {r['python_state_ms']:8.2f} ms "
              f"({100 * r['python_state_overhead']:+.1f} %)")
        print(f"  {'':8} extra over C++: {r['python_extra_ms']:.2f} ms (Snapshot), {r['python_state_extra_ms']:.2f} ms "
              f"(SchedulerState)")
    imp = import_time_s(5)
    print(f"import cellsched: {imp['import_s'] * 1000:.0f} ms (python -c 'import cellsched' {imp['with_import_s']:.3f} s, "
          f"bare interpreter {imp['python_startup_s']:.3f} s; median of 5)")
    doc = {"kind": "python_overhead", "jobs": len(snap.jobs), "running": running, "events": len(snap.events),
           "cluster": cluster.name, "repeats": args.repeats, "cellsched_version": cellsched.__version__,
           "results": results, "import": imp}
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=2)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
