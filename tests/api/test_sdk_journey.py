"""The official ``twelvelabs`` SDK, unchanged, walks the whole journey against a real server."""

from __future__ import annotations

import io
import json
import sys
import time
import types
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest
from PIL import Image

from tests.api.conftest import ThreadServer
from videoscope.api.services.describer import NotAvailableError, require_describer
from videoscope.evaluate import check_format
from videoscope.samples import Truth, photo
from videoscope.segments import parse_request
from videoscope.segments.fields import metadata_json_schema

twelvelabs = pytest.importorskip("twelvelabs")
from twelvelabs.core.api_error import ApiError  # noqa: E402
from twelvelabs.errors import BadRequestError, NotFoundError  # noqa: E402
from twelvelabs.indexes import IndexesCreateRequestModelsItem  # noqa: E402

TBM_REQUEST: dict[str, Any] = {
    "type": "segment_definitions",
    "segment_definitions": [
        {
            "id": "shots",
            "description": "Segment any time there is a hard cut in the camera.",
            "fields": [
                {
                    "name": "framing",
                    "type": "string",
                    "description": "Camera framing.",
                    "enum": ["close", "medium", "wide"],
                },
                {"name": "objects", "type": "array", "items": {"type": "string"}},
            ],
        },
        {
            "id": "speech",
            "description": "Each time someone speaks.",
            "fields": [{"name": "transcript", "type": "string", "description": "What is said."}],
        },
    ],
}


@dataclass
class Indexed:
    """The journey's index, task and video, and what the task reported while it ran."""

    index_id: str
    task_id: str
    video_id: str
    asset_id: str
    truth: Truth
    statuses: list[str] = field(default_factory=list)
    progress: list[float] = field(default_factory=list)


def _models(*options: str) -> list[Any]:
    return [IndexesCreateRequestModelsItem(model_name="marengo3.0", model_options=list(options))]


@pytest.fixture(scope="module")
def indexed(client: Any, journey_video: tuple[Path, Truth]) -> Indexed:
    path, truth = journey_video
    index = client.indexes.create(index_name="journey", models=_models("visual", "audio"))
    with open(path, "rb") as video:
        task = client.tasks.create(
            index_id=index.id,
            video_file=video,
            user_metadata=json.dumps({"genre": "news", "episode": 3}),
        )
    assert task.id and task.video_id is None
    statuses: list[str] = []
    progress: list[float] = []

    def seen(t: Any) -> None:
        statuses.append(t.status)
        progress.append(float(getattr(t, "progress", 0.0)))

    done = client.tasks.wait_for_done(task_id=task.id, sleep_interval=0.5, callback=seen)
    assert done.status == "ready", done
    video = client.indexes.videos.retrieve(index.id, done.video_id)
    return Indexed(index.id, task.id, done.video_id, video.asset_id, truth, statuses, progress)


def test_task_reports_twelve_labs_statuses_and_progress(client: Any, indexed: Indexed) -> None:
    assert set(indexed.statuses) <= {"pending", "validating", "indexing", "ready"}
    assert indexed.statuses[-1] == "ready"
    assert indexed.progress == sorted(indexed.progress) and indexed.progress[-1] == 1.0
    task = client.tasks.retrieve(indexed.task_id)
    assert task.video_id == indexed.video_id and task.index_id == indexed.index_id
    assert task.system_metadata.filename == "api-journey.mp4"
    assert task.system_metadata.width == 640 and task.system_metadata.height == 360
    listed = list(client.tasks.list(index_id=indexed.index_id))
    assert [t.id for t in listed] == [indexed.task_id]


def test_video_has_system_metadata_transcript_and_user_metadata(
    client: Any, indexed: Indexed
) -> None:
    video = client.indexes.videos.retrieve(indexed.index_id, indexed.video_id, transcription=True)
    assert abs(video.system_metadata.duration - indexed.truth.duration) < 0.1
    assert video.user_metadata == {"genre": "news", "episode": 3}
    said = " ".join(t.value for t in video.transcription).lower()
    assert "rocket launch" in said and "coffee" in said
    first = video.transcription[0]
    assert abs(first.start - indexed.truth.speech[0].start) < 1.0
    index = client.indexes.retrieve(indexed.index_id)
    assert index.video_count == 1 and abs(index.total_duration - indexed.truth.duration) < 0.1
    assert index.models[0].model_options == ["visual", "audio"]


def test_search_by_text_finds_the_spoken_sentence(client: Any, indexed: Indexed) -> None:
    spoken = indexed.truth.speech[1]
    hits = list(
        client.search.query(
            index_id=indexed.index_id, search_options=["audio"], query_text="price of coffee beans"
        )
    )
    top = hits[0]
    assert top.video_id == indexed.video_id and top.rank == 1
    assert top.start <= spoken.start + 1.0 and top.end >= spoken.end - 1.0
    assert "coffee" in (top.transcription or "").lower()


def test_search_by_image_finds_its_shot(client: Any, indexed: Indexed) -> None:
    shot = next(s for s in indexed.truth.shots if s.photo == "coffee")
    buffer = io.BytesIO()
    Image.fromarray(photo("coffee")).save(buffer, format="JPEG")
    buffer.seek(0)
    hits = list(
        client.search.query(
            index_id=indexed.index_id,
            search_options=["visual"],
            query_media_type="image",
            query_media_file=("coffee.jpg", buffer, "image/jpeg"),
        )
    )
    top = hits[0]
    middle = (top.start + top.end) / 2
    assert shot.start - 0.5 <= middle <= shot.end + 0.5


def test_search_pages_group_and_filter(client: Any, indexed: Indexed) -> None:
    pager = client.search.query(
        index_id=indexed.index_id,
        search_options=["audio"],
        query_text="rocket launch and the price of coffee beans",
        page_limit=1,
    )
    pages = list(pager.iter_pages())
    clips = [item for page in pages for item in page.items]
    assert len(pages) >= 2 and all(len(page.items) == 1 for page in pages)
    assert [c.rank for c in clips] == list(range(1, len(clips) + 1))
    grouped = list(
        client.search.query(
            index_id=indexed.index_id,
            search_options=["audio"],
            query_text="rocket launch",
            group_by="video",
        )
    )
    assert grouped[0].id == indexed.video_id and grouped[0].clips
    kept = list(
        client.search.query(
            index_id=indexed.index_id,
            search_options=["audio"],
            query_text="rocket launch",
            filter='{"genre": "news"}',
            include_user_metadata=True,
        )
    )
    assert kept and kept[0].user_metadata["genre"] == "news"
    dropped = list(
        client.search.query(
            index_id=indexed.index_id,
            search_options=["audio"],
            query_text="rocket launch",
            filter='{"genre": "sports"}',
        )
    )
    assert dropped == []
    both = list(
        client.search.query(
            index_id=indexed.index_id,
            search_options=["visual", "audio"],
            operator="and",
            query_text="price of coffee beans",
        )
    )
    assert all({"visual", "transcription"} <= set(c.modules) for c in both)


def _wait_analysis(client: Any, task_id: str, timeout: float = 120.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        task = client.analyze_async.tasks.retrieve(task_id)
        if task.status in ("ready", "failed", "canceled"):
            return task
        time.sleep(0.5)
    raise AssertionError(f"analysis {task_id} did not finish")


def test_time_based_metadata_task_validates(client: Any, indexed: Indexed) -> None:
    created = client.analyze_async.tasks.create(
        video={"type": "asset_id", "asset_id": indexed.asset_id},
        analysis_mode="time_based_metadata",
        response_format=TBM_REQUEST,
    )
    assert created.status == "queued"
    task = _wait_analysis(client, created.task_id)
    assert task.status == "ready", task.error
    assert task.request_params.analysis_mode == "time_based_metadata"
    assert task.video_source.asset_id == indexed.asset_id
    data = json.loads(task.result.data)
    report = check_format(
        data, {"segment_definitions": TBM_REQUEST["segment_definitions"]}, indexed.truth.duration
    )
    assert report.valid, report.violations
    request = parse_request({"response_format": TBM_REQUEST})
    for definition in request.segment_definitions:
        for segment in data[definition.id]:
            schema = metadata_json_schema(definition, segment["start_time"], segment["end_time"])
            jsonschema.validate(segment["metadata"], schema)
    starts = [s["start_time"] for s in data["shots"][1:]]
    for cut in indexed.truth.boundaries:
        assert min(abs(cut - s) for s in starts) < 0.5
    spoken = [s["start_time"] for s in data["speech"]]
    for sentence in indexed.truth.speech:
        assert min(abs(sentence.start - s) for s in spoken) < 1.0
    listed = list(client.analyze_async.tasks.list(analysis_mode="time_based_metadata").data)
    assert created.task_id in [t.task_id for t in listed]
    with pytest.raises(twelvelabs.errors.ConflictError):
        client.analyze_async.tasks.cancel(created.task_id)
    client.analyze_async.tasks.delete(created.task_id)
    with pytest.raises(NotFoundError):
        client.analyze_async.tasks.retrieve(created.task_id)


def test_analysis_can_be_canceled(client: Any, indexed: Indexed) -> None:
    created = client.analyze_async.tasks.create(
        video={"type": "asset_id", "asset_id": indexed.asset_id},
        analysis_mode="time_based_metadata",
        response_format=TBM_REQUEST,
    )
    canceled = client.analyze_async.tasks.cancel(created.task_id)
    assert canceled.status == "canceled"
    time.sleep(1.0)
    assert client.analyze_async.tasks.retrieve(created.task_id).status == "canceled"


def test_bad_segment_definitions_are_a_bad_request(client: Any, indexed: Indexed) -> None:
    bad = json.loads(json.dumps(TBM_REQUEST))
    bad["segment_definitions"][0]["fields"][0]["enum"] = ["close", 2]
    with pytest.raises(BadRequestError) as raised:
        client.analyze_async.tasks.create(
            video={"type": "asset_id", "asset_id": indexed.asset_id},
            analysis_mode="time_based_metadata",
            response_format=bad,
        )
    assert "shots" in raised.value.body["message"] and "framing" in raised.value.body["message"]


def test_open_prompt_routes_answer_or_say_why_not(
    client: Any, server: ThreadServer, indexed: Indexed
) -> None:
    try:
        for function in ("analyze", "gist", "summarize"):
            require_describer(function)
        available = True
    except NotAvailableError:
        available = False
    gist = httpx.post(
        f"{server.url}/gist",
        json={"video_id": indexed.video_id, "types": ["title", "topic", "hashtag"]},
        timeout=120,
    )
    summary = httpx.post(
        f"{server.url}/summarize",
        json={"video_id": indexed.video_id, "type": "summary"},
        timeout=120,
    )
    if available:
        assert gist.status_code == 200 and gist.json()["title"]
        assert summary.status_code == 200 and summary.json()["summary"]
        answer = client.analyze(
            video={"type": "asset_id", "asset_id": indexed.asset_id},
            prompt="What is this video about?",
        )
        assert answer.data
        return
    for response in (gist, summary):
        assert response.status_code == 501
        assert response.json()["code"] == "not_implemented"
        assert "videoscope.describe" in response.json()["message"]
    with pytest.raises(ApiError) as raised:
        client.analyze(
            video={"type": "asset_id", "asset_id": indexed.asset_id},
            prompt="What is this video about?",
        )
    assert raised.value.status_code == 501


def test_unknown_ids_are_404_and_bad_requests_400(client: Any, indexed: Indexed) -> None:
    with pytest.raises(ApiError) as raised:
        client.indexes.retrieve("0" * 24)
    assert raised.value.status_code == 404
    assert set(raised.value.body) == {"code", "message"}
    with pytest.raises(NotFoundError):
        client.indexes.videos.retrieve(indexed.index_id, "0" * 24)
    with pytest.raises(ApiError) as raised:
        client.tasks.retrieve("nope")
    assert raised.value.status_code == 404
    with pytest.raises(BadRequestError):
        client.indexes.create(index_name="x", models=[])
    with pytest.raises(BadRequestError):
        client.search.query(index_id=indexed.index_id, search_options=["smell"], query_text="x")
    with pytest.raises(BadRequestError):
        client.tasks.create(index_id=indexed.index_id)
    with pytest.raises(BadRequestError) as raised:
        client.tasks.create(index_id=indexed.index_id, video_url="file:///etc/passwd")
    assert "http" in raised.value.body["message"]


def test_url_ingestion_into_a_second_index(client: Any, indexed: Indexed, file_host: str) -> None:
    index = client.indexes.create(index_name="from-url", models=_models("audio"))
    task = client.tasks.create(index_id=index.id, video_url=f"{file_host}/api-journey.mp4")
    done = client.tasks.wait_for_done(task_id=task.id, sleep_interval=0.5)
    assert done.status == "ready"
    videos = list(client.indexes.videos.list(index.id))
    assert [v.id for v in videos] == [done.video_id]
    assert videos[0].system_metadata.filename == "api-journey.mp4"
    missing = client.tasks.create(index_id=index.id, video_url=f"{file_host}/missing.mp4")
    failed = client.tasks.wait_for_done(task_id=missing.id, sleep_interval=0.5)
    assert failed.status == "failed"
    client.indexes.delete(index.id)


def test_embed_text_image_and_audio(
    client: Any, indexed: Indexed, journey_video: tuple[Path, Truth]
) -> None:
    text = client.embed.create(model_name="marengo3.0", text="a cup of coffee")
    vector = text.text_embedding.segments[0].float_
    assert len(vector) == 384
    buffer = io.BytesIO()
    Image.fromarray(photo("coffee")).save(buffer, format="PNG")
    image = client.embed.create(
        model_name="marengo3.0", image_file=("coffee.png", buffer.getvalue(), "image/png")
    )
    assert len(image.image_embedding.segments[0].float_) == 384
    with open(journey_video[0], "rb") as audio:
        sound = client.embed.create(model_name="marengo3.0", audio_file=audio)
    segments = sound.audio_embedding.segments
    assert len(segments) == 2 and segments[0].start_offset_sec == 0.0
    assert all(len(s.float_) == 384 for s in segments)


def test_video_embedding_task(client: Any, indexed: Indexed, journey_video: tuple[Path, Truth]):
    with open(journey_video[0], "rb") as video:
        task = client.embed.tasks.create(
            model_name="marengo3.0",
            video_file=video,
            video_clip_length=6,
            video_embedding_scope=["clip", "video"],
        )
    done = client.embed.tasks.wait_for_done(task.id, sleep_interval=0.5)
    assert done.status == "ready"
    result = client.embed.tasks.retrieve(task.id)
    segments = result.video_embedding.segments
    clips = [s for s in segments if s.embedding_scope == "clip"]
    whole = [s for s in segments if s.embedding_scope == "video"]
    assert {s.embedding_option for s in segments} == {"visual-text", "audio"}
    assert len(clips) == 4 and len(whole) == 2
    assert [s.start_offset_sec for s in clips if s.embedding_option == "audio"] == [0.0, 6.0]
    assert any(t.id == task.id for t in client.embed.tasks.list())


def test_classify_an_index(server: ThreadServer, indexed: Indexed) -> None:
    body = {
        "index_id": indexed.index_id,
        "options": ["visual", "conversation"],
        "classes": [
            {"name": "space", "prompts": ["a rocket launch", "space flight"]},
            {"name": "weather", "prompts": ["the weather forecast", "rain"]},
        ],
        "include_clips": True,
    }
    response = httpx.post(f"{server.url}/classify", json=body, timeout=120)
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert data and data[0]["video_id"] == indexed.video_id
    names = [c["name"] for c in data[0]["classes"]]
    assert "space" in names and "weather" not in names
    bad = httpx.post(f"{server.url}/classify", json={"index_id": indexed.index_id})
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_request"


def test_indexes_are_paged_renamed_and_deleted(client: Any, indexed: Indexed) -> None:
    made = [
        client.indexes.create(index_name=f"page-{i}", models=_models("visual")).id for i in range(3)
    ]
    raw = httpx.get(
        f"{client._client_wrapper.get_base_url()}/indexes", params={"page": 1, "page_limit": 2}
    ).json()
    assert raw["page_info"]["limit_per_page"] == 2 and raw["page_info"]["total_page"] >= 2
    names = [i.index_name for i in client.indexes.list(page_limit=2)]
    assert {"page-0", "page-1", "page-2", "journey"} <= set(names)
    client.indexes.update(made[0], index_name="renamed")
    assert client.indexes.retrieve(made[0]).index_name == "renamed"
    with pytest.raises(ApiError) as raised:
        client.indexes.create(index_name="renamed", models=_models("visual"))
    assert raised.value.status_code == 409
    for index_id in made:
        client.indexes.delete(index_id)
    with pytest.raises(ApiError):
        client.indexes.retrieve(made[0])


def test_video_metadata_update_list_filter_and_delete(client: Any, indexed: Indexed) -> None:
    client.indexes.videos.update(
        indexed.index_id, indexed.video_id, user_metadata={"reviewed": True, "episode": None}
    )
    video = client.indexes.videos.retrieve(indexed.index_id, indexed.video_id)
    assert video.user_metadata == {"genre": "news", "reviewed": True}
    found = list(client.indexes.videos.list(indexed.index_id, user_metadata={"reviewed": True}))
    assert [v.id for v in found] == [indexed.video_id]
    assert list(client.indexes.videos.list(indexed.index_id, duration={"gte": 100})) == []
    assert len(list(client.indexes.videos.list(indexed.index_id, duration={"lte": 100}))) == 1


def test_analyze_stream_speaks_ndjson_events(
    client: Any, indexed: Indexed, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The streaming wire format, with a stand-in describe module that echoes the transcript."""
    fake = types.ModuleType("videoscope.describe")

    def analyze(timeline: Any, prompt: str, **options: Any) -> str:
        return f"{prompt}: {timeline.transcript()}"

    def analyze_stream(timeline: Any, prompt: str, **options: Any) -> Any:
        yield from analyze(timeline, prompt).split(" ")

    fake.analyze = analyze  # type: ignore[attr-defined]
    fake.analyze_stream = analyze_stream  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "videoscope.describe", fake)
    video = {"type": "asset_id", "asset_id": indexed.asset_id}
    events = list(client.analyze_stream(video=video, prompt="Said"))
    assert events[0].event_type == "stream_start" and events[-1].event_type == "stream_end"
    text = " ".join(e.text for e in events if e.event_type == "text_generation")
    assert text.startswith("Said:") and "rocket launch" in text
    assert events[-1].metadata.usage.output_tokens > 0
    answer = client.analyze(video=video, prompt="Said")
    assert answer.data == text and answer.finish_reason == "stop"


def test_assets_upload_list_analyze_and_delete(
    client: Any, indexed: Indexed, journey_video: tuple[Path, Truth], file_host: str
) -> None:
    with open(journey_video[0], "rb") as video:
        asset = client.assets.create(
            method="direct",
            file=video,
            filename="../clip one.mp4",
            user_metadata=json.dumps({"source": "test"}),
        )
    assert asset.status == "ready" and asset.filename == "clip_one.mp4"
    fetched = client.assets.create(method="url", url=f"{file_host}/api-journey.mp4")
    assert client.assets.retrieve(fetched.id).status == "ready"
    listed = [a.id for a in client.assets.list()]
    assert asset.id in listed and fetched.id in listed
    client.assets.update_user_metadata(asset.id, user_metadata={"reviewed": True})
    assert client.assets.retrieve(asset.id).user_metadata == {"source": "test", "reviewed": True}
    created = client.analyze_async.tasks.create(
        video={"type": "asset_id", "asset_id": asset.id},
        analysis_mode="time_based_metadata",
        response_format=TBM_REQUEST,
    )
    task = _wait_analysis(client, created.task_id)
    assert task.status == "ready" and json.loads(task.result.data)["shots"]
    for asset_id in (asset.id, fetched.id):
        client.assets.delete(asset_id)
        with pytest.raises(NotFoundError):
            client.assets.retrieve(asset_id)


def test_last_delete_video_then_index(client: Any, indexed: Indexed) -> None:
    client.indexes.videos.delete(indexed.index_id, indexed.video_id)
    with pytest.raises(NotFoundError):
        client.indexes.videos.retrieve(indexed.index_id, indexed.video_id)
    client.indexes.delete(indexed.index_id)
    with pytest.raises(ApiError) as raised:
        client.indexes.retrieve(indexed.index_id)
    assert raised.value.status_code == 404
