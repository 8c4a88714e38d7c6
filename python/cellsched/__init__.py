"""cellsched: schedule large-model training jobs on heterogeneous GPU clusters together with their
parallelisation (DP x TP x PP), from Python.

Loading: load_cluster, load_trace, load_job, load_model, load_profile, data_path.
Planning: plan (best plan and Megatron-LM/torchrun arguments), rank_plans, estimate.
Scheduling: Policy (snapshot in, decision out), available_policies, Oracle, SchedulerState.
Simulating: simulate, sweep.
Errors: InputError (file, field, expected), InternalError, PolicyStateError.
See docs/python.md.
"""
from ._core import __version__
from ._errors import Error, InputError, InternalError, PolicyStateError
from .core import (Cluster, Oracle, Policy, SchedulerState, available_policies, data_path, estimate, load_cluster,
                   load_job, load_model, load_profile, load_trace, model_names, plan, rank_plans, simulate)
from .sweep import sweep
from .types import (Allocation, Costs, Decision, Event, Job, JobStatus, NodeStatus, Placement, Snapshot)

__all__ = ["__version__", "Error", "InputError", "InternalError", "PolicyStateError", "Cluster", "Oracle", "Policy",
           "SchedulerState", "available_policies", "data_path", "estimate", "load_cluster", "load_job", "load_model",
           "load_profile", "load_trace", "model_names", "plan", "rank_plans", "simulate", "sweep", "Allocation",
           "Costs", "Decision", "Event", "Job", "JobStatus", "NodeStatus", "Placement", "Snapshot"]
