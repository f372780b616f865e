"""Running indexing on a cluster: Ray for compute, the shared store (PostgreSQL) for state.

``index`` in the CLI (and anything else that indexes many files) goes through
:class:`~videoscope.cluster.ray_indexer.RayIndexer` when ``[cluster] engine = "ray"``; see
``docs/scale.md``. Ray is an optional dependency (``pip install 'videoscope[cluster]'``).
"""

from videoscope.cluster.ray_indexer import IndexedFile, RayIndexer

__all__ = ["IndexedFile", "RayIndexer"]
