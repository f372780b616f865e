"""Models a server builds once and shares between routes and task handlers (by name)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from videoscope.api.deps import ServerState

if TYPE_CHECKING:
    from videoscope.classify import Classifier
    from videoscope.embed import Embedder


def embedder(state: ServerState) -> Embedder:
    """The server's :class:`videoscope.embed.Embedder` (built once)."""
    from videoscope.embed import Embedder

    with state.models_lock:
        if "embedder" not in state.models:
            state.models["embedder"] = Embedder.from_settings(state.settings)
        built: Embedder = state.models["embedder"]
        return built


def classifier(state: ServerState) -> Classifier:
    """The server's :class:`videoscope.classify.Classifier` (built once)."""
    from videoscope.classify import Classifier

    with state.models_lock:
        if "classifier" not in state.models:
            state.models["classifier"] = Classifier.from_settings(state.settings)
        built: Classifier = state.models["classifier"]
        return built


def dump(response: Any) -> dict[str, Any]:
    """An embedding response as the JSON object Twelve Labs returns (aliases, no nulls)."""
    data: dict[str, Any] = response.model_dump(mode="json", by_alias=True, exclude_none=True)
    return data
