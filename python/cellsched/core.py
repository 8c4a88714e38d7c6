"""cellsched from Python: loaders, the estimator and plan search, policies, the scheduler state and the
simulator. Everything returns plain Python values (dicts, lists, the dataclasses of cellsched.types);
bad input raises cellsched.InputError naming the file and the field."""
from __future__ import annotations

import json
import os
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Union

from . import _core
from .types import Costs, Decision, Event, Job, JobStatus, NodeStatus, Snapshot

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))

JobLike = Union[Job, Dict[str, Any]]
ModelLike = Union[str, Dict[str, Any]]
OracleLike = Union["Oracle", str, Callable[[Dict[str, Any], str, List[int]], Any]]


def data_path(*parts: str) -> str:
    """A path inside the bundled data (clusters/, traces/, perf/, models/), e.g.
    ``data_path("traces", "philly.csv")``."""
    return os.path.join(_PACKAGE_DIR, "data", *parts)


def _job_dict(job: JobLike) -> Dict[str, Any]:
    """A job as the library's JSON takes it; a dict is passed on as given (so that its errors name its
    fields), except that keys holding None or a zero GPU request (an oracle's job dicts) are left out."""
    if isinstance(job, Job):
        return job.to_dict()
    return {k: v for k, v in job.items() if v is not None and not (k == "requested_gpus" and v == 0)}


def _model_args(model: ModelLike) -> tuple:
    """(zoo name, model document text) as the core takes a model."""
    if isinstance(model, str):
        return model, ""
    return "", json.dumps(model)


# ---------------------------------------------------------------------------------------------- loading

class Cluster:
    """A cluster: nodes of GPU types with their links (cellsched::cluster). Load one with
    ``load_cluster(path)`` or build it from a dict in the cluster file format (docs/formats/)."""

    def __init__(self, core: "_core.Cluster"):
        self._c = core

    @classmethod
    def from_dict(cls, doc: Dict[str, Any], origin: str = "<cluster>") -> "Cluster":
        return cls(_core.parse_cluster(json.dumps(doc), origin))

    @property
    def name(self) -> str:
        return self._c.name

    @property
    def total_gpus(self) -> int:
        return self._c.total_gpus

    def to_dict(self) -> Dict[str, Any]:
        """The cluster in its file format."""
        return json.loads(self._c.to_json())

    def nodes(self) -> List[Dict[str, Any]]:
        """One entry per node: id, gpu_type, num_gpus, first_gpu (global id of its first GPU)."""
        return json.loads(self._c.nodes_json())

    def gpus_by_type(self) -> Dict[str, int]:
        """GPU count per GPU type."""
        out: Dict[str, int] = {}
        for n in self.nodes():
            out[n["gpu_type"]] = out.get(n["gpu_type"], 0) + n["num_gpus"]
        return out

    def __repr__(self) -> str:
        return f"Cluster({self.name!r}, {self.total_gpus} GPUs)"


def load_cluster(path: str) -> Cluster:
    """Loads a cluster file (strict: unknown or bad fields raise InputError)."""
    return Cluster(_core.load_cluster(os.fspath(path)))


def load_trace(path: str, *, cluster: Optional[Cluster] = None, iteration_divisor: int = 1) -> List[Job]:
    """Loads a trace, reference CSV or JSON, in the file's order. Models must be in the built-in zoo;
    with ``cluster`` the requested GPU types must be ones it knows. ``iteration_divisor`` divides each
    job's iterations as loaded (5 reproduces the reference simulator's reading of its CSV trace)."""
    doc = json.loads(_core.load_trace(os.fspath(path), iteration_divisor, cluster._c if cluster else None))
    return [Job.from_dict(j) for j in doc["jobs"]]


def load_job(path: str) -> Job:
    """Loads a {"kind": "job"} file."""
    return Job.from_dict(json.loads(_core.load_job(os.fspath(path))))


def load_model(path: str) -> Dict[str, Any]:
    """Loads a model file; the dict can be passed wherever a model is taken."""
    return json.loads(_core.load_model(os.fspath(path)))


def load_profile(path: str) -> Dict[str, Any]:
    """Loads a probe profile (GEMM, memory bandwidth and collective measurements of one GPU type)."""
    return json.loads(_core.load_profile(os.fspath(path)))


def model_names() -> List[str]:
    """The names of the built-in model zoo (e.g. "bert__2.6B")."""
    return list(_core.model_names())


# ------------------------------------------------------------------------------- estimate and plan search

def estimate(model: ModelLike, global_batch: int, cluster: Cluster, gpu_type: str, layout: Sequence[int],
             stages: int = 1, plan: Optional[Dict[str, Any]] = None, profiles: Sequence[str] = (),
             software: str = "megatron-lm") -> Dict[str, Any]:
    """One Cell's iteration time from the analytic estimator.

    With ``plan`` (a dict as in a plan's "plan" field of the scheduler-state format) it estimates that
    plan: {"iter_time_s", "breakdown", "stages": per-stage time and memory, "cell", "plan", ...}.
    Without it, it searches the Cell's best plan (the plan space of ``plan``: plans Megatron-LM launches
    as they are) and returns the search result (feasible, reason, plan, estimate, launch). ``layout`` is GPUs per node, largest first; ``profiles`` are probe-profile
    files that calibrate the estimator; ``software`` names the software stack the job runs on
    ("megatron-lm", "megatron-lm-2021"; docs/estimator.md)."""
    name, doc = _model_args(model)
    text = _core.estimate(name, doc, int(global_batch), cluster._c, gpu_type, [int(g) for g in layout], int(stages),
                          json.dumps(plan) if plan is not None else "", [os.fspath(p) for p in profiles], software)
    return json.loads(text)


def rank_plans(model: ModelLike, global_batch: int, cluster: Cluster, *, gpu_type: Optional[str] = None,
               top: int = 10, max_stages: int = 0, software: str = "megatron-lm",
               allow_nonuniform: bool = False) -> List[Dict[str, Any]]:
    """Every Cell of the job on the cluster (GPU type, count, layout, stages), searched and ranked best
    first; the first ``top``. Each entry: cell, feasible, plan, estimate, throughput_samples_per_s, and
    "launch" with the Megatron-LM arguments and the torchrun command line. The plan space is that of
    ``plan``."""
    name, doc = _model_args(model)
    return json.loads(_core.plan(name, doc, int(global_batch), cluster._c, gpu_type, None, int(top), int(max_stages),
                                 software, bool(allow_nonuniform)))


def plan(model: ModelLike, global_batch: int, cluster: Cluster, gpu_type: Optional[str] = None,
         layout: Optional[Sequence[int]] = None, max_stages: int = 0, software: str = "megatron-lm",
         allow_nonuniform: bool = False) -> Dict[str, Any]:
    """The best plan of a job: over every Cell of the cluster, or on exactly ``layout`` (GPUs per node
    of ``gpu_type``, e.g. a launcher handed two nodes of four: ``[4, 4]``) over every stage count.

    Returns {"feasible", "reason" (when not), "cell", "plan" (stages with dp x tp and layers,
    micro-batching, schedule), "estimate" (iter_time_s, breakdown, per-stage memory),
    "throughput_samples_per_s", "launch" ({"megatron_args", "nnodes", "nproc_per_node",
    "megatron_compatible", "notes", "command_line": the torchrun line})}.

    The plan space is that of ``cellsched plan``: recomputation none/selective/full, sequence
    parallelism, overlapped gradient reduction, interleaved stages, ZeRO-1, and only plans Megatron-LM
    launches as they are (one stage shape, a layer split it accepts, 1F1B). ``allow_nonuniform=True``
    opens stages of different shapes; such a plan's "launch" says "megatron_compatible": false.

    >>> c = cellsched.load_cluster(cellsched.data_path("clusters", "small-2type.json"))
    >>> best = cellsched.plan("bert__760M", 128, c)
    >>> best["estimate"]["iter_time_s"], best["launch"]["command_line"]
    """
    name, doc = _model_args(model)
    lay = None if layout is None else [int(g) for g in layout]
    found = json.loads(_core.plan(name, doc, int(global_batch), cluster._c, gpu_type, lay, 1, int(max_stages), software,
                                  bool(allow_nonuniform)))
    if not found:
        return {"feasible": False, "reason": "the cluster has no Cell for this model"}
    return found[0]


# ---------------------------------------------------------------------------------------------- oracles

class Oracle:
    """Where policies get iteration times: "how long is one iteration of job J on (GPU type, layout)?".

    * ``Oracle.table(cluster, path)``: the reference profile table (default: the bundled one);
    * ``Oracle.estimator(cluster, models=())``: our estimator's best plan per (model, batch, type,
      layout), searched once and cached; ``models`` adds model dicts beyond the built-in zoo;
    * ``Oracle.from_callable(cluster, fn)``: a host's own measurements. ``fn(job: dict, gpu_type: str,
      layout: list[int])`` returns seconds per iteration (> 0), ``None``/0 when the job cannot run
      there, or a dict {"iter_time_s", "feasible", "reason", "stages"}.
    """

    def __init__(self, core: "_core.Oracle", cluster: Cluster):
        self._o = core
        self.cluster = cluster

    @classmethod
    def table(cls, cluster: Cluster, path: Optional[str] = None) -> "Oracle":
        return cls(_core.table_oracle(cluster._c, os.fspath(path or data_path("perf", "arena-profile-db.json"))),
                   cluster)

    @classmethod
    def estimator(cls, cluster: Cluster, models: Iterable[Dict[str, Any]] = ()) -> "Oracle":
        return cls(_core.estimator_oracle(cluster._c, [json.dumps(m) for m in models]), cluster)

    @classmethod
    def auto(cls, cluster: Cluster, trace: Sequence[JobLike], path: Optional[str] = None) -> "Oracle":
        """The reference table for the jobs of ``trace`` whose model and batch it measured (when it has
        every GPU type of the cluster), our estimator for the rest: ``cellsched simulate --oracle auto``.
        ``coverage()`` says which."""
        text = json.dumps({"kind": "trace", "jobs": [_job_dict(j) for j in trace]})
        return cls._auto(cluster, text, path)

    @classmethod
    def _auto(cls, cluster: Cluster, trace_text: str, path: Optional[str] = None) -> "Oracle":
        return cls(_core.auto_oracle(cluster._c, trace_text,
                                     os.fspath(path or data_path("perf", "arena-profile-db.json")), []), cluster)

    def coverage(self) -> Dict[str, Any]:
        """For an "auto" oracle: table_jobs, estimator_jobs, uncovered_models, uncovered_gpu_types and the
        warnings the command line prints; empty for the others."""
        return json.loads(self._o.coverage_json()) or {}

    @classmethod
    def from_callable(cls, cluster: Cluster, fn: Callable[[Dict[str, Any], str, List[int]], Any]) -> "Oracle":
        return cls(_core.callable_oracle(cluster._c, fn), cluster)

    @property
    def kind(self) -> str:
        return self._o.kind

    def query(self, job: JobLike, gpu_type: str, layout: Sequence[int]) -> Dict[str, Any]:
        """{"feasible", "iter_time_s", "stages", "reason", "plan" (when known)}."""
        return json.loads(_core.oracle_query(self._o, json.dumps(_job_dict(job)), gpu_type, [int(g) for g in layout]))


def _oracle(oracle: OracleLike, cluster: Cluster) -> Oracle:
    if isinstance(oracle, Oracle):
        return oracle
    if oracle == "table":
        return Oracle.table(cluster)
    if oracle == "estimator":
        return Oracle.estimator(cluster)
    if callable(oracle):
        return Oracle.from_callable(cluster, oracle)
    raise ValueError(f"oracle must be an Oracle, 'auto', 'table', 'estimator' or a callable, got {oracle!r}")


# --------------------------------------------------------------------------------------------- policies

def available_policies() -> List[Dict[str, Any]]:
    """Every policy by name: name, summary, available (False without COIN-OR CBC for Gavel and Sia),
    unavailable_reason, costs (what the simulator charges for re-placing a job)."""
    return json.loads(_core.policies())


class Policy:
    """A scheduling policy by name ("crius", "fcfs", "gandiva", "gavel", "sia", "sia-paper",
    "elasticflow-ls", "crius-ddl"; see available_policies()). Snapshot in, decision out; it never reads
    a clock and keeps its own state between calls, so keep one object for the host's lifetime."""

    def __init__(self, name: str):
        self._p = _core.Policy(name)

    @property
    def name(self) -> str:
        return self._p.name

    @property
    def costs(self) -> Costs:
        """The re-tuning costs this policy is simulated with (a host may pass its own in a snapshot)."""
        return Costs(**json.loads(self._p.costs))

    def decide(self, snapshot: Snapshot, cluster: Cluster, oracle: Oracle) -> Decision:
        """The decision for ``snapshot`` on ``cluster`` with iteration times from ``oracle``. A bad
        snapshot raises InputError naming the field (e.g. ``jobs[3].alloc.gpus[0]``)."""
        return Decision.from_dict(json.loads(self._p.decide(json.dumps(snapshot.to_dict()), cluster._c, oracle._o)))

    def save_state(self) -> Any:
        """What the policy carries between calls, as JSON-able data (None for a policy that keeps none)."""
        return json.loads(self._p.save_state())

    def load_state(self, state: Any, cluster: Cluster) -> None:
        """Restores a saved state (after a host restart); raises PolicyStateError when it cannot."""
        self._p.load_state(json.dumps(state), cluster._c)

    def __repr__(self) -> str:
        return f"Policy({self.name!r})"


def _events_text(events: Iterable[Union[Event, Dict[str, Any]]]) -> str:
    lst = [e.to_dict() if isinstance(e, Event) else dict(e) for e in events]
    return json.dumps(lst) if lst else ""


class SchedulerState:
    """A host's record keeper (cellsched::scheduler_state): every submitted job in exactly one state,
    the owner of every GPU, which nodes are up. ``apply`` checks a decision before applying it (a
    double-booked GPU or an unknown job raises InternalError), ``check_invariants`` lists broken
    invariants, and the whole state saves to and loads from JSON."""

    def __init__(self, cluster: Cluster, _core_state: Any = None):
        self.cluster = cluster
        self._s = _core_state if _core_state is not None else _core.SchedulerState(cluster._c)

    def submit(self, job: JobLike) -> None:
        self._s.submit(json.dumps(_job_dict(job)))

    def finish(self, job_id: str, now_s: float) -> None:
        """The job completed: its GPUs are released."""
        self._s.finish(job_id, float(now_s))

    def requeue(self, job_id: str) -> None:
        """A running job stops (crash, host decision) and waits again, keeping its progress."""
        self._s.requeue(job_id)

    def fail_node(self, node: int) -> List[str]:
        """A node goes down; returns the jobs that were running on it (now pending)."""
        return list(self._s.fail_node(int(node)))

    def repair_node(self, node: int) -> None:
        self._s.repair_node(int(node))

    def set_remaining(self, job_id: str, remaining_iterations: int) -> None:
        """Progress reported by the job: iterations still to run."""
        self._s.set_remaining(job_id, int(remaining_iterations))

    def add_queued(self, seconds: float) -> None:
        """Charges ``seconds`` of queueing to every pending job (call once per round)."""
        self._s.add_queued(float(seconds))

    def validate(self, decision: Decision) -> List[str]:
        """What is wrong with a decision (empty when it can be applied)."""
        return list(self._s.validate(json.dumps(decision.to_dict())))

    def apply(self, decision: Decision) -> Dict[str, List[str]]:
        """Applies a checked decision; returns the job ids started, moved, preempted and dropped."""
        return json.loads(self._s.apply(json.dumps(decision.to_dict())))

    def check_invariants(self) -> List[str]:
        return list(self._s.check_invariants())

    def busy_gpus(self) -> int:
        return self._s.busy_gpus()

    def snapshot(self, now_s: float, events: Iterable[Union[Event, Dict[str, Any]]] = (),
                 costs: Optional[Costs] = None, seed: int = 0) -> Snapshot:
        """The snapshot a policy would read now, as Python values."""
        d = json.loads(self._s.snapshot(float(now_s), _events_text(events),
                                        json.dumps(costs.to_dict()) if costs else "", int(seed)))
        return Snapshot(now_s=d["now_s"], jobs=[JobStatus.from_dict(j) for j in d["jobs"]],
                        events=[Event(**e) for e in d["events"]],
                        nodes=[NodeStatus(**n) for n in d["nodes"]], costs=Costs(**d["costs"]), seed=d["seed"])

    def decide(self, policy: Policy, now_s: float, oracle: Oracle, events: Iterable[Union[Event, Dict[str, Any]]] = (),
               costs: Optional[Costs] = None, seed: int = 0) -> Decision:
        """Builds the snapshot from this state in C++ and asks ``policy`` (the fast path: no snapshot
        crosses into Python). ``costs`` default to the policy's. The decision is not applied."""
        text = self._s.decide(policy._p, float(now_s), oracle._o, _events_text(events),
                              json.dumps(costs.to_dict()) if costs else "", int(seed))
        return Decision.from_dict(json.loads(text))

    def jobs(self) -> List[Dict[str, Any]]:
        """Every job record (spec, state, alloc, remaining_iterations, ...), in submission order."""
        return self.to_dict()["jobs"]

    def to_dict(self) -> Dict[str, Any]:
        return json.loads(self._s.to_json())

    @classmethod
    def from_dict(cls, doc: Dict[str, Any], cluster: Cluster) -> "SchedulerState":
        """A state saved by to_dict() on the same cluster; bad input raises InputError."""
        return cls(cluster, _core.SchedulerState.from_json(json.dumps(doc), cluster._c))

    def save(self, path: str) -> None:
        with open(path, "w", encoding="utf-8") as f:
            json.dump(self.to_dict(), f, indent=2)

    @classmethod
    def load(cls, path: str, cluster: Cluster) -> "SchedulerState":
        with open(path, encoding="utf-8") as f:
            text = f.read()
        return cls(cluster, _core.SchedulerState.from_json(text, cluster._c))


# -------------------------------------------------------------------------------------------- simulator

def simulate(cluster: Optional[Cluster] = None, trace: Union[None, str, Sequence[JobLike]] = None,
             policies: Optional[Sequence[str]] = None, oracle: OracleLike = "auto", *,
             rounds: Optional[int] = None, round_s: float = 300.0, reference: Optional[bool] = None,
             iteration_divisor: Optional[int] = None, trace_order: Optional[str] = None,
             exact_restarts: bool = False, seed: int = 0, fault_rate: Optional[float] = None) -> Dict[str, Any]:
    """Replays a trace on a cluster under each policy, as ``cellsched simulate --json`` does.

    Without ``cluster`` and ``trace`` it runs the bundled reference experiment (the Philly trace on the
    1,280-GPU cluster with the reference table, 2,000 rounds at most, the reference conventions). The
    defaults follow the command line: ``reference`` (default: True for the bundled inputs) divides a
    CSV trace's iterations by 5, reads it in file order and averages throughput over the rounds above
    100 samples/s; the run ends when every job is done unless ``rounds`` is given. ``oracle``: "auto"
    (default, as the command line: the bundled reference table for the jobs it covers, our estimator for
    the rest), "table", "estimator", an Oracle or a callable (see Oracle). ``fault_rate``
    injects node failures and job crashes at that rate per node-day and job-day, drawn from ``seed``.

    Returns {"inputs": {...}, "policies": [one dict per policy: the metrics (finished_jobs,
    avg_jct_s, avg_throughput_samples_per_s, gpu_utilisation, decision_ms_*, preemptions, ...),
    "series" per round, "finished_jct_s", and "jobs": one row per job (id, submit_s, start_s, end_s,
    jct_s, every allocation, preemptions, the reason it did not finish)]}."""
    bundled = cluster is None and trace is None
    if cluster is None:
        cluster = load_cluster(data_path("clusters", "arena-1280.json"))
    if trace is None:
        trace = data_path("traces", "philly.csv")
    if reference is None:
        reference = bundled
    explicit_rounds = rounds is not None
    if isinstance(trace, (str, os.PathLike)):
        path = os.fspath(trace)
        csv = path.endswith(".csv")
        divisor = iteration_divisor if iteration_divisor is not None else (5 if reference and csv else 1)
        order = trace_order or ("file" if reference and csv else "time")
        trace_text = _core.load_trace(path, divisor, cluster._c)
        trace_name = path
    else:
        divisor = iteration_divisor or 1
        order = trace_order or "time"
        trace_text = json.dumps({"kind": "trace", "jobs": [_job_dict(j) for j in trace]})
        trace_name = "<list of jobs>"
    orc = Oracle._auto(cluster, trace_text) if oracle == "auto" else _oracle(oracle, cluster)
    names = list(policies) if policies is not None else [p["name"] for p in available_policies() if p["available"]]
    options = {"rounds": rounds if explicit_rounds else (2000 if reference else 100_000), "round_s": float(round_s),
               "stop_when_done": not explicit_rounds, "stop_when_stalled": not explicit_rounds and not reference,
               "carry_exec_time_across_preemption": not exact_restarts, "trace_order": order, "seed": int(seed),
               "deadline_stretch": 5.0, "round_rule": "reference" if reference else "active",
               "with_reference": bool(bundled and reference and not explicit_rounds and round_s == 300.0
                                      and iteration_divisor is None and fault_rate is None)}
    if fault_rate is not None:
        options["fault_rate"] = float(fault_rate)
    if not isinstance(trace, (str, os.PathLike)):
        options["iteration_divisor"] = divisor  # a file's trace was divided as it was loaded
    doc = json.loads(_core.simulate(cluster._c, trace_text, orc._o, names, json.dumps(options)))
    doc["inputs"] = {"cluster": cluster.name, "cluster_gpus": cluster.total_gpus, "trace": trace_name,
                     "oracle": orc.kind, "reference_conventions": bool(reference), "iteration_divisor": divisor,
                     **{k: options[k] for k in ("rounds", "round_s", "trace_order", "seed", "round_rule")}}
    if fault_rate is not None:
        doc["inputs"]["fault_rate"] = fault_rate
    if orc.kind == "auto":
        doc["inputs"]["oracle_coverage"] = orc.coverage()
    return doc
