"""The library as one object: a store, the embedders, indexing files into it, searching it.

The CLI and the API server both go through :class:`VideoLibrary`, so neither holds logic of its
own. Models load lazily on first use.

Example:
    >>> library = VideoLibrary()  # doctest: +SKIP
    >>> index = library.index_named("news", create=True)  # doctest: +SKIP
    >>> library.add_file(index.id, "clip.mp4")  # doctest: +SKIP
    >>> library.search(SearchRequest(index_id=index.id, query_text="rocket"))  # doctest: +SKIP
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from videoscope.backends.base import ImageTextEmbedder, TextEmbedder
from videoscope.backends.registry import load_backend
from videoscope.config import Settings, get_settings
from videoscope.errors import NotFoundError
from videoscope.library.ingest import add_to_library
from videoscope.library.open import open_store
from videoscope.library.records import IndexModel, IndexRecord, ModelOption, VideoRecord
from videoscope.library.store import Store
from videoscope.perceive.base import ProgressCallback
from videoscope.perceive.pipeline import index_video
from videoscope.perceive.registry import build_stages, stage_names
from videoscope.search.engine import SearchEngine, SearchPage, SearchRequest

#: The model name indexes report (Twelve Labs clients expect one per index).
MODEL_NAME = "videoscope-1"


class VideoLibrary:
    """A store plus the models that fill and search it."""

    def __init__(self, settings: Settings | None = None, store: Store | None = None) -> None:
        self.settings = settings or get_settings()
        self.store: Store = store or open_store(self.settings)
        self._lock = threading.Lock()
        self._engine: SearchEngine | None = None

    @property
    def text_embedder(self) -> TextEmbedder:
        """The configured text embedder (loaded on first use)."""
        backends = self.settings.backends
        return load_backend(
            "text_embedder",
            backends.text_embedder,
            **backends.options.get("text_embedder", {}),
        )

    @property
    def image_text_embedder(self) -> ImageTextEmbedder:
        """The configured image-text embedder (loaded on first use)."""
        backends = self.settings.backends
        return load_backend(
            "image_text_embedder",
            backends.image_text_embedder,
            **backends.options.get("image_text_embedder", {}),
        )

    @property
    def engine(self) -> SearchEngine:
        """The search engine over this library (keeps result pages for token paging)."""
        with self._lock:
            if self._engine is None:
                self._engine = SearchEngine(
                    self.store, self.text_embedder, self.image_text_embedder
                )
            return self._engine

    def index_named(
        self,
        name: str,
        *,
        create: bool = False,
        options: Sequence[ModelOption] = ("visual", "audio"),
    ) -> IndexRecord:
        """The index called ``name``; created with ``options`` if missing and ``create``."""
        found = self.store.list_indexes(name=name, limit=1).items
        if found:
            return found[0]
        if not create:
            raise NotFoundError(
                f"index {name!r}", "no index has this name", "create it, e.g. index --index NAME"
            )
        return self.store.create_index(
            name, [IndexModel(model_name=MODEL_NAME, model_options=list(options))]
        )

    def add_file(
        self,
        index_id: str,
        path: str | Path,
        *,
        user_metadata: dict[str, Any] | None = None,
        progress: ProgressCallback | None = None,
    ) -> VideoRecord:
        """Index the video at ``path`` with its index's options and store it in the index."""
        index = self.store.get_index(index_id)
        options: list[ModelOption] = sorted(
            {option for model in index.models for option in model.model_options}
        )
        stages = build_stages(stage_names(options), self.settings)
        timeline = index_video(path, stages, cache_dir=self.settings.cache_dir, progress=progress)
        return add_to_library(
            self.store,
            index_id,
            path,
            timeline,
            text_embedder=self.text_embedder,
            user_metadata=user_metadata,
        )

    def search(self, request: SearchRequest) -> SearchPage:
        """Search moments (see :class:`~videoscope.search.engine.SearchEngine`)."""
        return self.engine.search(request)
