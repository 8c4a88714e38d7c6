"""Shared fixtures of the Python suite (run by `make test` through cmake/python-tests.sh)."""
import os
import shutil

import pytest

import cellsched

SOURCE_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture(scope="session")
def cli() -> str:
    """The command-line tool built by the C++ build (make test passes its path in CELLSCHED_CLI)."""
    path = os.environ.get("CELLSCHED_CLI") or os.path.join(SOURCE_DIR, "build", "bin", "cellsched")
    if not os.access(path, os.X_OK):
        pytest.skip(f"no cellsched tool at {path} (set CELLSCHED_CLI; make test does)")
    return path


@pytest.fixture(scope="session")
def small_cluster() -> cellsched.Cluster:
    return cellsched.load_cluster(cellsched.data_path("clusters", "small-2type.json"))


def has_ray() -> bool:
    return shutil.which("ray") is not None or _importable("ray")


def _importable(name: str) -> bool:
    try:
        __import__(name)
    except ImportError:
        return False
    return True
