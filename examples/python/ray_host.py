"""A Ray host for a cellsched policy: training jobs run as Ray actors placed where the policy says.

The example starts its own local Ray cluster, one Ray node per cellsched node, whose custom resources
stand for the node's GPUs ("gpu:a100-40gb": 4, plus "cellsched-node-<i>" naming the node). Every round
of the host loop it
  1. polls the running jobs' actors for their step count and measured iteration time (the measured
     times go back into the policy's performance oracle, a Python callable that prefers them to the
     reference table's estimates);
  2. submits the jobs that arrived, asks the policy for a decision on the scheduler state, and applies it;
  3. carries the decision out: a preempted job is checkpointed (its step count) and its actor and
     placement group are removed; a started, resized or migrated job gets a placement group with one
     bundle per GPU on exactly the decided nodes (STRICT_PACK for one node, PACK for several) and an
     actor restarted from its checkpoint, which steps a simulated training loop at the estimated
     iteration time, scaled so that the whole trace takes a few tens of seconds.
At the end it prints every job's JCT beside the simulator's for the same trace and checks that no
resource was over-subscribed, from Ray's own placement-group table.

Run: python examples/python/ray_host.py [--policy crius] [--target-wall-s 12] [--json out.json]
(needs `pip install . ray`; docs/python.md).
"""
from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from typing import Any, Dict, List, Optional, Tuple

import ray
from ray.cluster_utils import Cluster as RayCluster
from ray.util.placement_group import placement_group, placement_group_table, remove_placement_group
from ray.util.scheduling_strategies import PlacementGroupSchedulingStrategy

import cellsched

ROUND_S = 300.0  # simulated seconds per scheduling round, as in the simulator

CLUSTER = {"kind": "cluster", "name": "ray-demo",
           "node_groups": [{"gpu_type": "a100-40gb", "num_nodes": 2, "gpus_per_node": 4},
                           {"gpu_type": "a40", "num_nodes": 1, "gpus_per_node": 2}]}

# (model, global batch, requested GPU type, requested GPUs, submission round, rounds of work on the
# requested allocation): jobs of the bundled Philly trace's kinds, sized to a few rounds each.
JOBS = [("moe__690M", 256, "a100-40gb", 4, 0, 3), ("moe__2.4B", 256, "a100-40gb", 4, 0, 4),
        ("moe__1.3B", 256, "a40", 2, 1, 2), ("moe__690M", 256, "a40", 2, 1, 3),
        ("moe__2.4B", 256, "a100-40gb", 2, 2, 2), ("moe__10B", 256, "a100-40gb", 4, 3, 2)]


@ray.remote(num_cpus=0)
class TrainingJob:
    """One job's rank-0 worker: steps a simulated training loop from a checkpointed step, sleeping the
    (scaled) iteration time per step, and reports its progress and measured iteration time."""

    def __init__(self, job_id: str, start_step: int, total_steps: int, iter_wall_s: float):
        self.job_id = job_id
        self.step = start_step
        self.start_step = start_step
        self.total = total_steps
        self.iter_wall_s = iter_wall_s
        self.started = time.time()
        self.finished_at: Optional[float] = None
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def _loop(self) -> None:
        next_t = time.time()
        while self.step < self.total and not self.stop.is_set():
            next_t += self.iter_wall_s
            delay = next_t - time.time()
            if delay > 0:
                time.sleep(delay)
            self.step += 1
        if self.step >= self.total:
            self.finished_at = time.time()

    def progress(self) -> Dict[str, Any]:
        done = self.step - self.start_step
        elapsed = (self.finished_at or time.time()) - self.started
        return {"step": self.step, "finished_at": self.finished_at,
                "measured_iter_wall_s": elapsed / done if done > 0 else None}

    def checkpoint(self) -> int:
        """Stops the loop and returns the step to resume from."""
        self.stop.set()
        self.thread.join()
        return self.step


class RayHost:
    def __init__(self, policy_name: str, target_wall_s: float):
        self.cluster = cellsched.Cluster.from_dict(CLUSTER)
        self.nodes = self.cluster.nodes()
        self.table = cellsched.Oracle.table(self.cluster)
        self.measured: Dict[Tuple[str, str, Tuple[int, ...]], float] = {}
        # The policy's oracle: measured iteration times where a job has reported them, the table elsewhere
        # (a closure over the two, not a method: the oracle must not hold the host that holds the oracle).
        measured, table = self.measured, self.table

        def iteration_time(job: Dict[str, Any], gpu_type: str, layout: List[int]) -> Any:
            key = (job["id"], gpu_type, tuple(layout))
            return measured[key] if key in measured else table.query(job, gpu_type, layout)

        self.oracle = cellsched.Oracle.from_callable(self.cluster, iteration_time)
        self.policy = cellsched.Policy(policy_name)
        self.state = cellsched.SchedulerState(self.cluster)
        self.jobs = self._make_jobs()
        self.sim = cellsched.simulate(self.cluster, self.jobs, [policy_name], self.table, round_s=ROUND_S)
        sim_end = max(r["end_s"] for r in self.sim["policies"][0]["jobs"] if r["end_s"] is not None)
        self.scale = target_wall_s / sim_end  # wall seconds per simulated second
        self.actors: Dict[str, Any] = {}
        self.groups: Dict[str, Any] = {}
        self.alloc: Dict[str, cellsched.Allocation] = {}
        self.checkpoints: Dict[str, int] = {}
        self.finish_s: Dict[str, float] = {}
        self.log: List[str] = []
        self.counts = {"starts": 0, "preemptions": 0, "moves": 0}
        self.peak: Dict[str, float] = {}
        self.violations: List[str] = []

    def _make_jobs(self) -> List[cellsched.Job]:
        jobs = []
        for i, (model, batch, gpu_type, gpus, round_no, rounds) in enumerate(JOBS):
            layout = [gpus] if gpus <= 4 else [4] * (gpus // 4)
            probe = cellsched.Job(f"job{i}", model, batch, 1)
            t = self.table.query(probe, gpu_type, layout)
            if not t["feasible"]:
                raise SystemExit(f"the reference table cannot run {model} on {gpus} x {gpu_type}: {t['reason']}")
            jobs.append(cellsched.Job(f"job{i}", model, batch, int(rounds * ROUND_S / t["iter_time_s"]),
                                      submit_time_s=round_no * ROUND_S, requested_gpu_type=gpu_type,
                                      requested_gpus=gpus))
        return jobs

    def start_ray(self) -> None:
        """One Ray node per cellsched node; its custom resources stand for its GPUs."""
        def resources(n: Dict[str, Any]) -> Dict[str, float]:
            return {f"gpu:{n['gpu_type']}": n["num_gpus"], f"cellsched-node-{n['id']}": n["num_gpus"]}

        self.ray_cluster = RayCluster(initialize_head=True, head_node_args={
            "num_cpus": 1, "resources": resources(self.nodes[0]), "include_dashboard": False})
        for n in self.nodes[1:]:
            self.ray_cluster.add_node(num_cpus=0, resources=resources(n))
        ray.init(address=self.ray_cluster.address, log_to_driver=False)
        self.ray_cluster.wait_for_nodes()

    def stop_ray(self) -> None:
        ray.shutdown()
        self.ray_cluster.shutdown()

    def now_s(self) -> float:
        return (time.time() - self.t0) / self.scale

    def _node_of(self, gpu: int) -> Dict[str, Any]:
        for n in self.nodes:
            if n["first_gpu"] <= gpu < n["first_gpu"] + n["num_gpus"]:
                return n
        raise ValueError(f"GPU {gpu} is on no node")

    def _stop(self, job_id: str) -> None:
        """Checkpoints the job's step count and removes its actor and placement group."""
        self.checkpoints[job_id] = ray.get(self.actors[job_id].checkpoint.remote())
        ray.kill(self.actors.pop(job_id))
        remove_placement_group(self.groups.pop(job_id))
        self.alloc.pop(job_id)

    def _start(self, job: cellsched.Job, alloc: cellsched.Allocation) -> None:
        bundles = [{f"gpu:{alloc.gpu_type}": 1, f"cellsched-node-{self._node_of(g)['id']}": 1} for g in alloc.gpus]
        pg = placement_group(bundles, strategy="STRICT_PACK" if len(alloc.layout) == 1 else "PACK")
        ray.get(pg.ready(), timeout=60)
        est = self.oracle.query(job, alloc.gpu_type, alloc.layout)
        iter_wall_s = est["iter_time_s"] * self.scale
        actor = TrainingJob.options(scheduling_strategy=PlacementGroupSchedulingStrategy(
            placement_group=pg, placement_group_bundle_index=0)).remote(
                job.id, self.checkpoints.get(job.id, 0), job.iterations, iter_wall_s)
        self.actors[job.id], self.groups[job.id], self.alloc[job.id] = actor, pg, alloc

    def _check_ray_capacity(self) -> None:
        """Resources held by live placement groups, from Ray's table, against each node's capacity."""
        held: Dict[str, float] = {}
        for pg in placement_group_table().values():
            if pg["state"] != "CREATED":
                continue
            for bundle in pg["bundles"].values():
                for k, v in bundle.items():
                    held[k] = held.get(k, 0.0) + v
        capacity: Dict[str, float] = {}
        for n in self.nodes:
            for k in (f"gpu:{n['gpu_type']}", f"cellsched-node-{n['id']}"):
                capacity[k] = capacity.get(k, 0.0) + n["num_gpus"]
        for k, v in held.items():
            self.peak[k] = max(self.peak.get(k, 0.0), v)
            if k in capacity and v > capacity[k]:
                self.violations.append(f"{k}: {v} held, capacity {capacity[k]}")
        gpus = [g for a in self.alloc.values() for g in a.gpus]
        if len(gpus) != len(set(gpus)):
            self.violations.append("a GPU is held by two jobs")

    def run(self) -> Dict[str, Any]:
        by_id = {j.id: j for j in self.jobs}
        pending = sorted(self.jobs, key=lambda j: j.submit_time_s)
        self.t0 = time.time()
        round_no = 0
        while True:
            target = self.t0 + round_no * ROUND_S * self.scale
            time.sleep(max(0.0, target - time.time()))
            now = round_no * ROUND_S
            events: List[cellsched.Event] = []
            # 1. progress and measured iteration times from the running jobs
            for job_id in list(self.actors):
                p = ray.get(self.actors[job_id].progress.remote())
                a = self.alloc[job_id]
                if p["measured_iter_wall_s"] is not None:
                    self.measured[(job_id, a.gpu_type, tuple(a.layout))] = p["measured_iter_wall_s"] / self.scale
                if p["finished_at"] is not None:
                    self.finish_s[job_id] = (p["finished_at"] - self.t0) / self.scale
                    self._stop(job_id)
                    self.state.finish(job_id, now)
                    events.append(cellsched.Event("departure", job_id))
                else:
                    self.state.set_remaining(job_id, by_id[job_id].iterations - p["step"])
            # 2. arrivals, the decision
            while pending and pending[0].submit_time_s <= now:
                job = pending.pop(0)
                self.state.submit(job)
                events.append(cellsched.Event("arrival", job.id))
            decision = self.state.decide(self.policy, now, self.oracle, events)
            report = self.state.apply(decision)
            # 3. carry it out: stop first (preempted, moved), then start on the decided GPUs
            for job_id in decision.preempt + report["moved"]:
                if job_id in self.actors:
                    self._stop(job_id)
            self.counts["preemptions"] += len(decision.preempt)
            self.counts["moves"] += len(report["moved"])
            for p in decision.run:
                if p.job_id in self.actors:
                    continue  # kept where it was
                self._start(by_id[p.job_id], p.alloc)
                self.counts["starts"] += 1
                self.log.append(f"t={now:7.0f}  {p.job_id} on {len(p.alloc.gpus)} x {p.alloc.gpu_type} {p.alloc.layout}")
            self.state.add_queued(ROUND_S)
            self._check_ray_capacity()
            self.violations += self.state.check_invariants()
            if not pending and all(r["state"] in ("finished", "dropped") for r in self.state.jobs()):
                break
            round_no += 1
        wall_s = time.time() - self.t0
        sim_rows = {r["id"]: r for r in self.sim["policies"][0]["jobs"]}
        jobs_out = []
        for j in self.jobs:
            rec = next(r for r in self.state.jobs() if r["spec"]["id"] == j.id)
            jobs_out.append({"id": j.id, "model": j.model, "state": rec["state"], "submit_s": j.submit_time_s,
                             "ray_jct_s": self.finish_s[j.id] - j.submit_time_s if j.id in self.finish_s else None,
                             "simulator_jct_s": sim_rows[j.id]["jct_s"]})
        return {"policy": self.policy.name, "scale_wall_s_per_s": self.scale, "loop_wall_s": wall_s,
                "rounds": round_no + 1, "jobs": jobs_out, "all_finished": all(j["state"] == "finished" for j in jobs_out),
                "peak_resources_held": self.peak, "violations": self.violations, **self.counts}


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--policy", default="crius", help="policy name (default crius)")
    ap.add_argument("--target-wall-s", type=float, default=12.0,
                    help="wall seconds the simulator's makespan is scaled to (default 12)")
    ap.add_argument("--json", help="write the summary as JSON here")
    args = ap.parse_args(argv)
    t_start = time.time()
    host = RayHost(args.policy, args.target_wall_s)
    host.start_ray()
    try:
        summary = host.run()
    finally:
        host.stop_ray()
    summary["total_wall_s"] = time.time() - t_start
    print("\n".join(host.log))
    print(f"\n{'job':6} {'model':11} {'state':9} {'JCT on Ray, s':>14} {'JCT simulated, s':>17}")
    for j in summary["jobs"]:
        ray_jct = f"{j['ray_jct_s']:.0f}" if j["ray_jct_s"] is not None else "-"
        sim_jct = f"{j['simulator_jct_s']:.0f}" if j["simulator_jct_s"] is not None else "-"
        print(f"{j['id']:6} {j['model']:11} {j['state']:9} {ray_jct:>14} {sim_jct:>17}")
    print(f"\nwall {summary['total_wall_s']:.1f} s (host loop {summary['loop_wall_s']:.1f} s, 1 simulated s = "
          f"{summary['scale_wall_s_per_s'] * 1000:.2f} ms); starts {summary['starts']}, preemptions "
          f"{summary['preemptions']}, moves {summary['moves']}; violations: {summary['violations'] or 'none'}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(summary, f, indent=2)
    return 0 if summary["all_finished"] and not summary["violations"] else 1


if __name__ == "__main__":
    sys.exit(main())
