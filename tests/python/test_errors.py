"""Bad input raises cellsched.InputError carrying the file, the field and what was expected."""
import importlib.metadata
import json
import os
import re

import pytest

import cellsched
from conftest import SOURCE_DIR


def test_bad_cluster_file_names_file_and_field(tmp_path):
    path = tmp_path / "c.json"
    path.write_text(json.dumps({"kind": "cluster", "name": "x",
                                "node_groups": [{"gpu_type": "a100-40gb", "num_nodes": 2, "gpus_per_node": 0}]}))
    with pytest.raises(cellsched.InputError) as e:
        cellsched.load_cluster(str(path))
    assert e.value.file == str(path)
    assert e.value.field == "node_groups[0].gpus_per_node"
    assert e.value.expected and str(path) in str(e.value)


def test_bad_trace_row_names_line_and_column(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("job_id,submission_time,num_iteration,model_name,deadline,batch_size,num_gpu,gpu_type\n"
                    "a,0,100,bert__760M,1000,128,1,a100\n"
                    "b,10,-5,bert__760M,1000,128,1,a100\n")
    with pytest.raises(cellsched.InputError) as e:
        cellsched.load_trace(str(path))
    assert e.value.file == str(path) and e.value.line == 3 and "num_iteration" in e.value.field


def test_unknown_gpu_type_in_trace_lists_known(tmp_path, small_cluster):
    path = tmp_path / "t.json"
    path.write_text(json.dumps({"kind": "trace", "jobs": [
        {"id": "a", "model": "bert__760M", "global_batch": 128, "iterations": 10, "submit_time_s": 0,
         "requested_gpu_type": "tpu"}]}))
    with pytest.raises(cellsched.InputError) as e:
        cellsched.load_trace(str(path), cluster=small_cluster)
    assert e.value.field == "jobs[0].requested_gpu_type" and "a100-80gb" in e.value.expected


def test_values_from_python_name_their_field(small_cluster):
    state = cellsched.SchedulerState(small_cluster)
    with pytest.raises(cellsched.InputError) as e:
        state.submit({"id": "a", "model": "bert__760M", "global_batch": 0, "iterations": 10})
    assert e.value.file == "<job>" and e.value.field == "global_batch"
    snap = cellsched.Snapshot(now_s=0, jobs=[cellsched.JobStatus(
        cellsched.Job("a", "bert__760M", 128, 10), state="running", remaining_iterations=10,
        alloc=cellsched.Allocation("a100-80gb", [1], [9999]))])
    with pytest.raises(cellsched.InputError) as e:
        cellsched.Policy("fcfs").decide(snap, small_cluster, cellsched.Oracle.table(small_cluster))
    assert e.value.file == "<snapshot>" and e.value.field == "jobs[0].alloc.gpus[0]"


def test_unknown_policy_and_bad_oracle_answer(small_cluster):
    with pytest.raises(ValueError, match="unknown policy 'nope'"):
        cellsched.Policy("nope")
    oracle = cellsched.Oracle.from_callable(small_cluster, lambda job, t, layout: {"feasible": True})
    with pytest.raises(ValueError, match="iter_time_s > 0"):
        oracle.query(cellsched.Job("a", "bert__760M", 128, 10), "a100-80gb", [1])


def test_version_is_the_cmake_project_version():
    text = open(os.path.join(SOURCE_DIR, "CMakeLists.txt"), encoding="utf-8").read()
    cmake_version = re.search(r"project\(cellsched VERSION ([0-9.]+)", text).group(1)
    assert cellsched.__version__ == cmake_version == importlib.metadata.version("cellsched")


@pytest.mark.parametrize("loader", [cellsched.load_job, cellsched.load_model, cellsched.load_profile])
def test_every_loader_checks_the_kind_of_file(loader):
    path = cellsched.data_path("clusters", "small-2type.json")
    with pytest.raises(cellsched.InputError) as e:
        loader(path)
    assert e.value.file == path and e.value.field == "kind"


def test_job_file_round_trip_and_bad_field(tmp_path):
    good = tmp_path / "job.json"
    good.write_text(json.dumps({"kind": "job", "id": "a", "model": "bert__760M", "global_batch": 128,
                                "iterations": 10, "submit_time_s": 0, "requested_gpus": 4}))
    assert cellsched.load_job(str(good)) == cellsched.Job("a", "bert__760M", 128, 10, requested_gpus=4)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"kind": "job", "id": "a", "model": "bert__760M", "global_batch": 128,
                               "iterations": 10, "submit_time_s": 0, "gpus": 4}))
    with pytest.raises(cellsched.InputError) as e:
        cellsched.load_job(str(bad))
    assert e.value.file == str(bad) and e.value.field == "gpus"
