"""``/classify``: zero-shot classification of an index's videos (Twelve Labs' shapes).

Served by :func:`videoscope.classify.classify_videos` (see docs/classify_embed.md).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import ValidationError

from videoscope.api.deps import State
from videoscope.api.services.models import classifier
from videoscope.classify import ClassifyRequest, classify_videos
from videoscope.errors import InvalidRequestError

router = APIRouter(tags=["embed"])


@router.post("/classify")
def classify(body: dict[str, Any], state: State) -> dict[str, Any]:
    """Zero-shot classification of an index's videos into ``classes`` (Twelve Labs' classify
    shapes: ``{index_id, video_ids?, options, classes: [{name, prompts}], threshold,
    include_clips, show_detailed_score}``; see docs/classify_embed.md)."""
    try:
        request = ClassifyRequest.model_validate(body)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "request"
        raise InvalidRequestError(where, str(first["msg"]), "see docs/classify_embed.md") from error
    response = classify_videos(state.library.store, request, classifier(state))
    return dict(response.model_dump(mode="json"))
