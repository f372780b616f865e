"""Fixtures of the classification tests."""

from __future__ import annotations

import pytest

from tests.classify.media import Indexed, index_shared
from tests.conftest import MediaFactory
from videoscope.classify import Classifier


@pytest.fixture(scope="session")
def indexed(media: MediaFactory, tmp_path_factory: pytest.TempPathFactory) -> Indexed:
    """The shared test video, indexed with every stage."""
    return index_shared(media, tmp_path_factory)


@pytest.fixture(scope="session")
def classifier() -> Classifier:
    """A classifier on the default backends."""
    return Classifier.from_settings()
