"""cellsched.sweep: many simulations (policies x traces x seeds x option sets) collected into one table.

On a Ray cluster (``ray.init()`` already called) every run is a Ray task; otherwise the runs go to local
processes (``concurrent.futures``), or run in this process with ``executor="sequential"``. Each run is a
pure function of its inputs, so every executor gives the same table, row for row."""
from __future__ import annotations

import concurrent.futures
import itertools
import os
from typing import Any, Callable, Dict, List, Optional, Sequence, Union

#: Metrics that measure this machine's speed rather than the schedule; a row keeps them under "timing".
TIMING_KEYS = ("decision_ms_mean", "decision_ms_median", "decision_ms_p99", "decision_ms_max", "wall_s")


def _run_one(spec: Dict[str, Any]) -> Dict[str, Any]:
    """One simulation of one policy: the row of the table (metrics, no per-round series or job rows)."""
    from .core import load_cluster, simulate

    cluster = load_cluster(spec["cluster"]) if spec["cluster"] else None
    result = simulate(cluster, spec["trace"], [spec["policy"]], spec["oracle"], seed=spec["seed"], **spec["options"])
    p = result["policies"][0]
    row: Dict[str, Any] = {"policy": spec["policy"], "trace": spec["trace_name"], "seed": spec["seed"],
                           "options": dict(spec["options"])}
    for k, v in p.items():
        if k in ("series", "jobs", "finished_jct_s", "reference"):
            continue
        if k not in TIMING_KEYS:
            row[k] = v
    row["timing"] = {k: p[k] for k in TIMING_KEYS}
    return row


def _ray_available() -> bool:
    try:
        import ray  # noqa: F401
    except ImportError:
        return False
    return ray.is_initialized()


def sweep(policies: Sequence[str], traces: Sequence[Union[str, Sequence[Any]]], seeds: Sequence[int] = (0,),
          options: Sequence[Dict[str, Any]] = ({},), *, cluster: Optional[str] = None,
          oracle: Union[str, Callable[..., Any]] = "auto", executor: str = "auto",
          max_workers: Optional[int] = None) -> List[Dict[str, Any]]:
    """Runs every combination of ``policies`` x ``traces`` x ``seeds`` x ``options`` and returns one row
    per run, in that nested order.

    ``traces``: trace file paths or lists of jobs; ``cluster``: a cluster file path (None: the bundled
    1,280-GPU cluster); ``options``: keyword arguments of ``cellsched.simulate`` (rounds, round_s,
    reference, fault_rate, ...); ``oracle``: "auto" (as ``simulate``), "table", "estimator" or a picklable
    callable.
    ``executor``: "auto" (Ray tasks when ``ray.is_initialized()``, else local processes), "ray",
    "processes" or "sequential".

    Each row: policy, trace, seed, options, every metric of the run, and "timing" (decision times and
    wall time, which depend on the machine and are the only fields that differ between executors)."""
    specs = []
    for policy, (ti, trace), seed, opts in itertools.product(policies, enumerate(traces), seeds, options):
        name = trace if isinstance(trace, str) else f"traces[{ti}]"
        specs.append({"policy": policy, "trace": trace, "trace_name": name, "seed": int(seed), "options": dict(opts),
                      "cluster": cluster, "oracle": oracle})
    if executor == "auto":
        executor = "ray" if _ray_available() else "processes"
    if executor == "sequential":
        return [_run_one(s) for s in specs]
    if executor == "ray":
        import ray

        if not ray.is_initialized():
            raise RuntimeError("executor='ray' needs ray.init() first")
        task = ray.remote(num_cpus=1)(_run_one)
        return ray.get([task.remote(s) for s in specs])
    if executor == "processes":
        workers = max_workers or min(len(specs), os.cpu_count() or 1) or 1
        with concurrent.futures.ProcessPoolExecutor(max_workers=workers) as pool:
            return list(pool.map(_run_one, specs))
    raise ValueError(f"executor must be auto, ray, processes or sequential, got {executor!r}")
