"""Plain Python values for what crosses into and out of cellsched: jobs, allocations, a policy's
snapshot and its decision. Each has ``to_dict()`` / ``from_dict()`` in the library's JSON layout
(docs/python.md), and every field carries its unit in its name as the C++ library does."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional


@dataclass
class Job:
    """A training job as submitted (cellsched::job)."""

    id: str
    model: str
    global_batch: int
    iterations: int
    submit_time_s: float = 0.0
    requested_gpu_type: Optional[str] = None
    requested_gpus: int = 0
    deadline_s: Optional[float] = None
    weight: float = 1.0
    queue: str = ""  # the host's queue or partition; read by pilot selectors only
    labels: List[str] = field(default_factory=list)

    def to_dict(self) -> Dict[str, Any]:
        d: Dict[str, Any] = {"id": self.id, "model": self.model, "global_batch": self.global_batch,
                             "iterations": self.iterations, "submit_time_s": self.submit_time_s}
        if self.requested_gpu_type is not None:
            d["requested_gpu_type"] = self.requested_gpu_type
        if self.requested_gpus:
            d["requested_gpus"] = self.requested_gpus
        if self.deadline_s is not None:
            d["deadline_s"] = self.deadline_s
        if self.weight != 1.0:
            d["weight"] = self.weight
        if self.queue:
            d["queue"] = self.queue
        if self.labels:
            d["labels"] = list(self.labels)
        return d

    @classmethod
    def from_dict(cls, d: Dict[str, Any]) -> "Job":
        return cls(id=d["id"], model=d["model"], global_batch=d["global_batch"], iterations=d["iterations"],
                   submit_time_s=d.get("submit_time_s", 0.0), requested_gpu_type=d.get("requested_gpu_type"),
                   requested_gpus=d.get("requested_gpus", 0) or 0, deadline_s=d.get("deadline_s"),
                   weight=d.get("weight", 1.0), queue=d.get("queue", ""), labels=list(d.get("labels", [])))


@dataclass
class Allocation:
    """The GPUs a job holds: one type, the GPUs per node (largest first), the exact global GPU ids."""

    gpu_type: str
    layout: List[int]
    gpus: List[int]

    def to_dict(self) -> Dict[str, Any]:
        return {"gpu_type": self.gpu_type, "layout": list(self.layout), "gpus": list(self.gpus)}

    @classmethod
    def from_dict(cls, d: Dict[str, Any]) -> "Allocation":
        return cls(gpu_type=d["gpu_type"], layout=list(d["layout"]), gpus=list(d["gpus"]))


@dataclass
class JobStatus:
    """A pending or running job as a policy sees it (cellsched::job_status)."""

    spec: Job
    state: str = "pending"  # "pending" or "running"
    remaining_iterations: int = 0
    alloc: Optional[Allocation] = None
    plan: Optional[Dict[str, Any]] = None
    opportunistic: bool = False
    queued_s: float = 0.0
    tune_debt_s: float = 0.0

    def to_dict(self) -> Dict[str, Any]:
        d: Dict[str, Any] = {"spec": self.spec.to_dict(), "state": self.state,
                             "remaining_iterations": self.remaining_iterations, "opportunistic": self.opportunistic,
                             "queued_s": self.queued_s, "tune_debt_s": self.tune_debt_s}
        if self.alloc is not None:
            d["alloc"] = self.alloc.to_dict()
        if self.plan is not None:
            d["plan"] = self.plan
        return d

    @classmethod
    def from_dict(cls, d: Dict[str, Any]) -> "JobStatus":
        return cls(spec=Job.from_dict(d["spec"]), state=d["state"], remaining_iterations=d["remaining_iterations"],
                   alloc=Allocation.from_dict(d["alloc"]) if "alloc" in d else None, plan=d.get("plan"),
                   opportunistic=d.get("opportunistic", False), queued_s=d.get("queued_s", 0.0),
                   tune_debt_s=d.get("tune_debt_s", 0.0))


@dataclass
class NodeStatus:
    """One node: up or down, and which of its GPUs are busy (by local index)."""

    id: int
    up: bool
    gpu_busy: List[bool]

    def to_dict(self) -> Dict[str, Any]:
        return {"id": self.id, "up": self.up, "gpu_busy": list(self.gpu_busy)}


@dataclass
class Event:
    """What happened since the previous decision: arrival, departure, job_failure (with job_id), or
    node_failure, node_repair (with node)."""

    kind: str
    job_id: str = ""
    node: int = -1

    def to_dict(self) -> Dict[str, Any]:
        if self.kind in ("node_failure", "node_repair"):
            return {"kind": self.kind, "node": self.node}
        return {"kind": self.kind, "job_id": self.job_id}


@dataclass
class Costs:
    """Re-tuning and restart costs charged when a job is (re)placed (cellsched::cost_options)."""

    tune_s_per_gpu: float = 10.0
    tune_cap_s: float = 40.0
    restart_s: float = 0.0

    def to_dict(self) -> Dict[str, Any]:
        return {"tune_s_per_gpu": self.tune_s_per_gpu, "tune_cap_s": self.tune_cap_s, "restart_s": self.restart_s}


@dataclass
class Snapshot:
    """What a policy reads: the time, the jobs not yet finished or dropped (submission order), the
    events since the last call, the nodes (None: every node up, busy where a running job's allocation
    says), the costs and a seed. The cluster and the oracle are given to ``Policy.decide`` beside it."""

    now_s: float
    jobs: List[JobStatus] = field(default_factory=list)
    events: List[Event] = field(default_factory=list)
    nodes: Optional[List[NodeStatus]] = None
    costs: Optional[Costs] = None
    seed: int = 0

    def to_dict(self) -> Dict[str, Any]:
        d: Dict[str, Any] = {"now_s": self.now_s, "jobs": [j.to_dict() for j in self.jobs],
                             "events": [e.to_dict() for e in self.events], "seed": self.seed}
        if self.nodes is not None:
            d["nodes"] = [n.to_dict() for n in self.nodes]
        if self.costs is not None:
            d["costs"] = self.costs.to_dict()
        return d


@dataclass
class Placement:
    """Start (or move) ``job_id`` on exactly ``alloc``'s GPUs, with the plan when the oracle gave one."""

    job_id: str
    alloc: Allocation
    plan: Optional[Dict[str, Any]] = None
    opportunistic: bool = False

    def to_dict(self) -> Dict[str, Any]:
        d: Dict[str, Any] = {"job_id": self.job_id, "alloc": self.alloc.to_dict(), "opportunistic": self.opportunistic}
        if self.plan is not None:
            d["plan"] = self.plan
        return d


@dataclass
class Decision:
    """What the host must do: start or move the jobs in ``run``, stop the ones in ``preempt`` (back to
    pending), drop the ones in ``dropped`` (job_id, reason); running jobs named nowhere keep their GPUs."""

    run: List[Placement] = field(default_factory=list)
    preempt: List[str] = field(default_factory=list)
    dropped: List[Dict[str, str]] = field(default_factory=list)

    def to_dict(self) -> Dict[str, Any]:
        return {"run": [p.to_dict() for p in self.run], "preempt": list(self.preempt), "dropped": list(self.dropped)}

    @classmethod
    def from_dict(cls, d: Dict[str, Any]) -> "Decision":
        return cls(run=[Placement(job_id=p["job_id"], alloc=Allocation.from_dict(p["alloc"]), plan=p.get("plan"),
                                  opportunistic=p.get("opportunistic", False)) for p in d["run"]],
                   preempt=list(d["preempt"]), dropped=[dict(x) for x in d["dropped"]])
