"""Cluster fixtures: a real local Ray cluster (a head and one more worker node, each its own
set of processes on this machine) and the session's real PostgreSQL server."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.library.conftest import postgres_url  # noqa: F401  (the session's PostgreSQL)

ray = pytest.importorskip(
    "ray", reason="Ray is the cluster engine (pip install 'videoscope[cluster]')"
)


@pytest.fixture(scope="session")
def ray_cluster() -> Iterator[Any]:
    """A head node and a second node, one CPU each, with this process connected as driver."""
    from ray.cluster_utils import Cluster

    cluster = Cluster(
        initialize_head=True, head_node_args={"num_cpus": 1, "include_dashboard": False}
    )
    cluster.add_node(num_cpus=1)
    cluster.wait_for_nodes()
    ray.init(address=cluster.address, log_to_driver=False)
    yield cluster
    ray.shutdown()
    cluster.shutdown()
