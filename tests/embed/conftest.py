"""Fixtures of the embedding tests."""

from __future__ import annotations

import pytest

from tests.classify.media import Indexed, index_shared
from tests.conftest import MediaFactory
from videoscope.embed import Embedder
from videoscope.errors import VideoscopeError


@pytest.fixture(scope="session")
def indexed(media: MediaFactory, tmp_path_factory: pytest.TempPathFactory) -> Indexed:
    """The shared test video, indexed with every stage (cached: classify tests may have run it)."""
    return index_shared(media, tmp_path_factory)


@pytest.fixture(scope="session")
def embedder(tmp_path_factory: pytest.TempPathFactory) -> Embedder:
    """An embedder on the default backends, with the YAMNet tagger for the ``sound`` option."""
    from videoscope.backends import load_backend

    text = load_backend("text_embedder", "minilm")
    image = load_backend("image_text_embedder", "imagenet-concepts")
    try:
        tagger = load_backend(
            "audio_tagger", "yamnet", cache_dir=str(tmp_path_factory.mktemp("yamnet"))
        )
    except VideoscopeError:  # the optional extra is missing: the sound test skips
        tagger = None
    return Embedder(text, image, tagger)
