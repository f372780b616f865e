"""Classification of a really indexed generated video, checked against its exact truth."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from tests.classify.media import Indexed
from videoscope.classify import (
    Classifier,
    ClassifyRequest,
    ClassifyThreshold,
    ClassSpec,
    classify_videos,
)
from videoscope.errors import InvalidRequestError
from videoscope.timeline.interval import Interval, total_length

PHOTO_CLASSES = {
    "rocket": ClassSpec(name="rocket", prompts=["a rocket on the launch pad"]),
    "coffee": ClassSpec(name="coffee", prompts=["a cup of coffee"]),
    "chelsea": ClassSpec(name="cat", prompts=["a cat", "a kitten"]),
}
COOKING = ClassSpec(name="cooking tutorial", prompts=["cooking tutorial", "a recipe for a meal"])
SPORTS = ClassSpec(name="sports", prompts=["a football game"])
NEWS = ClassSpec(name="news", prompts=["a news broadcast"])
UNRELATED = ClassSpec(name="cars", prompts=["a car driving on a highway"])


def _inside(start: float, end: float, shot: tuple[float, float], slack: float = 0.5) -> bool:
    return shot[0] - slack <= start and end <= shot[1] + slack


@pytest.mark.parametrize("photo", sorted(PHOTO_CLASSES))
def test_class_of_a_shown_photo_scores_highest_on_its_shot(
    indexed: Indexed, classifier: Classifier, photo: str
) -> None:
    spec = PHOTO_CLASSES[photo]
    result = classifier.classify(indexed.timeline, [spec], options=["visual"], include_clips=True)
    assert [c.name for c in result.classes] == [spec.name]
    found = result.classes[0]
    assert found.clips
    best = max(found.clips, key=lambda c: c.score)
    assert _inside(best.start, best.end, indexed.shot(photo))
    assert all(_inside(c.start, c.end, indexed.shot(photo)) for c in found.clips)
    assert all(c.option == "visual" and c.prompt in spec.prompts for c in found.clips)


def test_speech_class_wins_on_the_spoken_segment(indexed: Indexed, classifier: Classifier) -> None:
    result = classifier.classify(
        indexed.timeline, [COOKING, SPORTS], include_clips=True, show_detailed_score=True
    )
    names = {c.name: c for c in result.classes}
    for spec, spoken in ((COOKING, indexed.truth.speech[0]), (SPORTS, indexed.truth.speech[1])):
        found = names[spec.name]
        best = max(found.clips or [], key=lambda c: c.score)
        assert best.option == "conversation"
        assert abs(best.start - spoken.start) <= 1.0 and abs(best.end - spoken.end) <= 1.0
        assert found.detailed_scores is not None
        assert found.detailed_scores.max_score == found.score >= 50


def test_on_screen_text_class_holds_over_its_overlay(
    indexed: Indexed, classifier: Classifier
) -> None:
    result = classifier.classify(indexed.timeline, [NEWS], include_clips=True)
    overlay = indexed.truth.overlays[0]
    clips = [c for c in result.classes[0].clips or [] if c.option == "text_in_video"]
    assert clips and clips[0].start <= overlay.start + 1.0 and clips[0].end >= overlay.end - 1.0


def test_multi_label_ratio_and_unrelated_classes(indexed: Indexed, classifier: Classifier) -> None:
    classes = [*PHOTO_CLASSES.values(), COOKING, SPORTS, NEWS, UNRELATED]
    result = classifier.classify(indexed.timeline, classes, include_clips=True, video_id="v")
    names = [c.name for c in result.classes]
    assert {"rocket", "coffee", "cat", "cooking tutorial", "sports", "news"} <= set(names)
    assert "cars" not in names
    assert result.video_id == "v"
    assert [c.score for c in result.classes] == sorted(
        (c.score for c in result.classes), reverse=True
    )
    for found in result.classes:
        covered = total_length(Interval(c.start, c.end) for c in found.clips or [])
        assert found.duration_ratio == pytest.approx(covered / indexed.truth.duration, abs=1e-3)
    cat = next(c for c in result.classes if c.name == "cat")
    assert 0.15 <= cat.duration_ratio <= 0.35  # one shot of four (plus the overlay's evidence)


def test_options_and_thresholds_filter(indexed: Indexed, classifier: Classifier) -> None:
    visual_only = classifier.classify(indexed.timeline, [COOKING, NEWS], options=["visual"])
    assert visual_only.classes == []
    strict = ClassifyThreshold(min_duration_ratio=0.9)
    assert classifier.classify(indexed.timeline, [SPORTS], threshold=strict).classes == []
    loose = classifier.classify(indexed.timeline, [SPORTS])
    assert loose.classes and loose.classes[0].clips is None  # clips only when asked


def test_every_shot_labelled_with_its_best_class(indexed: Indexed, classifier: Classifier) -> None:
    classes = [*PHOTO_CLASSES.values(), UNRELATED]
    labels = classifier.label_shots(indexed.timeline, classes, options=["visual"])
    assert len(labels) == len(indexed.truth.shots)
    expected = {shot.photo: PHOTO_CLASSES.get(shot.photo) for shot in indexed.truth.shots}
    for label, truth in zip(labels, indexed.truth.shots, strict=True):
        assert abs(label.start - truth.start) <= 0.5
        spec = expected[truth.photo]
        if spec is not None:
            assert label.label == spec.name and label.score >= 50
        assert set(label.scores) == {c.name for c in classes}
        assert label.scores.get("cars", 0) < 50


def test_empty_or_duplicate_classes_are_refused(indexed: Indexed, classifier: Classifier) -> None:
    with pytest.raises(InvalidRequestError):
        classifier.classify(indexed.timeline, [])
    with pytest.raises(InvalidRequestError):
        classifier.label_shots(indexed.timeline, [NEWS, NEWS])


def test_request_shapes_validate() -> None:
    with pytest.raises(ValidationError):
        ClassSpec(name="x", prompts=[" "])
    with pytest.raises(ValidationError):
        ClassifyRequest(index_id="i", classes=[NEWS, NEWS])
    with pytest.raises(ValidationError):
        ClassifyRequest(index_id="i", classes=[NEWS], options=["smell"])  # type: ignore[list-item]
    request = ClassifyRequest.model_validate(
        {"index_id": "i", "classes": [{"name": "a", "prompts": ["b"]}], "threshold": {}}
    )
    assert request.options == ["visual", "conversation", "text_in_video"]
    assert request.threshold.min_clip_score == 50


def test_classify_videos_of_a_library_index(
    indexed: Indexed, classifier: Classifier, tmp_path_factory: pytest.TempPathFactory
) -> None:
    from videoscope.library import IndexModel, SQLiteStore
    from videoscope.library.ingest import add_to_library

    store = SQLiteStore(tmp_path_factory.mktemp("classify-library"))
    index = store.create_index("classify", [IndexModel(model_name="videoscope-1")])
    record = add_to_library(store, index.id, indexed.path, indexed.timeline, text_embedder=None)
    request = ClassifyRequest(index_id=index.id, classes=[COOKING, UNRELATED], include_clips=True)
    response = classify_videos(store, request, classifier)
    assert response.page_info is not None and response.page_info.total_results == 1
    assert response.data[0].video_id == record.id
    assert [c.name for c in response.data[0].classes] == ["cooking tutorial"]
    none = classify_videos(
        store, ClassifyRequest(index_id=index.id, classes=[UNRELATED]), classifier
    )
    assert none.data == []
