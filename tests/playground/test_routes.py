"""The page and its assets are served; the playground's JSON and media routes work (no browser)."""

from __future__ import annotations

import io
import json
import re
from fractions import Fraction
from pathlib import Path

import numpy as np
from PIL import Image

from tests.playground.conftest import Seeded
from videoscope.api.routes.playground import STATIC, frame_jpeg
from videoscope.samples import Truth
from videoscope.segments import parse_request


def _references(seeded: Seeded) -> set[str]:
    """Every URL the page loads: from index.html, then each module's imports, transitively."""
    html = seeded.client.get("/").text
    found = {u for u in re.findall(r'(?:src|href)="([^"]+)"', html) if not u.startswith("http")}
    pending = [u for u in found if u.endswith(".js")]
    while pending:
        module = pending.pop()
        text = seeded.client.get(f"/{module}").text
        folder = module.rsplit("/", 1)[0]
        for name in re.findall(r'from "\./([\w.-]+\.js)"', text):
            url = f"{folder}/{name}"
            if url not in found:
                found.add(url)
                pending.append(url)
    return found


def test_page_and_every_asset_resolve(seeded: Seeded) -> None:
    page = seeded.client.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "videoscope" in page.text and 'id="timeline"' in page.text
    references = _references(seeded)
    modules = {u for u in references if u.endswith(".js")}
    assert {Path(u).name for u in modules} >= {
        "app.js",
        "api.js",
        "timeline.js",
        "search.js",
        "analyze.js",
        "describe.js",
        "library.js",
    }
    for url in references:
        response = seeded.client.get(f"/{url}")
        assert response.status_code == 200, url
    js = seeded.client.get("/playground/js/app.js").headers["content-type"]
    assert "javascript" in js


def test_schema_examples_are_valid_requests(seeded: Seeded) -> None:
    names = re.findall(r'<option value="([\w-]+)"', seeded.client.get("/").text)
    examples = [n for n in names if (STATIC / "examples" / f"{n}.json").exists()]
    assert set(examples) == {"news", "sports", "camera-cuts"}
    for name in examples:
        response = seeded.client.get(f"/playground/examples/{name}.json")
        assert response.status_code == 200
        request = parse_request({"response_format": response.json()})
        assert request.segment_definitions, name


def test_video_view_has_every_track_and_media_links(seeded: Seeded) -> None:
    client, truth = seeded.client, seeded.truth
    view = client.get(f"/v1.3/playground/videos/{seeded.index_id}/{seeded.video_id}").json()
    assert view["video"]["id"] == seeded.video_id
    assert abs(view["video"]["duration"] - truth.duration) < 0.1
    tracks = view["timeline"]
    for name in ("shots", "words", "utterances", "silences", "texts", "audio_events"):
        assert isinstance(tracks[name], list), name
    assert [round(s["start"], 2) for s in tracks["shots"]] == [
        round(s.start, 2) for s in truth.shots
    ]
    assert tracks["texts"][0]["text"] == "BREAKING NEWS"
    assert "embeddings" not in tracks
    assert view["media_url"].startswith("/v1.3/playground/media/")
    assert "token=" in view["media_url"] and "token=" in view["thumbnail_url"]


def test_media_supports_range_requests(seeded: Seeded, clip: tuple[Path, Truth]) -> None:
    view = seeded.client.get(f"/v1.3/playground/videos/{seeded.index_id}/{seeded.video_id}")
    url = view.json()["media_url"]
    whole = seeded.client.get(url)
    assert whole.status_code == 200
    assert whole.content == clip[0].read_bytes()
    part = seeded.client.get(url, headers={"range": "bytes=100-199"})
    assert part.status_code == 206
    assert part.content == clip[0].read_bytes()[100:200]
    assert part.headers["content-range"].startswith("bytes 100-199/")


def test_thumbnail_shows_the_frame_at_its_time(seeded: Seeded) -> None:
    view = seeded.client.get(f"/v1.3/playground/videos/{seeded.index_id}/{seeded.video_id}")
    base = view.json()["thumbnail_url"]
    images = []
    for shot in seeded.truth.shots:
        response = seeded.client.get(f"{base}&t={(shot.start + shot.end) / 2:.2f}")
        assert response.status_code == 200
        assert response.headers["content-type"] == "image/jpeg"
        image = Image.open(io.BytesIO(response.content))
        assert max(image.size) <= 320
        images.append(np.asarray(image.convert("RGB"), dtype=np.float32))
    # Three different photos: the frames of different shots differ clearly.
    assert np.abs(images[0] - images[1]).mean() > 20
    assert np.abs(images[1] - images[2]).mean() > 20


def test_thumbnail_of_an_anamorphic_file_has_its_display_shape(tmp_path: Path) -> None:
    """A 1024x576 picture stored as 704x576 with 16:11 pixels comes back 320x180, not 320x262."""
    import av

    path = tmp_path / "anamorphic.mp4"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=25)
        stream.width, stream.height, stream.pix_fmt = 704, 576, "yuv420p"
        stream.codec_context.sample_aspect_ratio = Fraction(16, 11)
        picture = np.zeros((576, 704, 3), np.uint8)
        for _ in range(3):
            container.mux(stream.encode(av.VideoFrame.from_ndarray(picture, format="rgb24")))
        container.mux(stream.encode(None))
    image = Image.open(io.BytesIO(frame_jpeg(str(path), 0, 0.0, 320)))
    assert image.size == (320, 180)


def test_search_hits_carry_evidence_and_thumbnails(seeded: Seeded) -> None:
    form = {
        "index_id": seeded.index_id,
        "search_options": ["visual", "audio", "text_in_video"],
        "query_text": "breaking news",
    }
    answer = seeded.client.post("/v1.3/playground/search", data=form).json()
    assert answer["data"], answer
    best = answer["data"][0]
    overlay = seeded.truth.overlays[0]
    assert best["start"] <= overlay.start + 0.5 and best["end"] >= overlay.start
    assert any(
        e["modality"] == "text_in_video" and "BREAKING" in e["text"].upper()
        for e in best["evidence"]
    )
    assert best["filename"] == "playground-clip.mp4"
    thumb = seeded.client.get(best["thumbnail_url"])
    assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/jpeg"


def test_errors_are_plain_words(seeded: Seeded) -> None:
    client = seeded.client
    missing = client.get(f"/v1.3/playground/videos/{seeded.index_id}/nope")
    assert missing.status_code == 404
    assert set(missing.json()) == {"code", "message"} and "nope" in missing.json()["message"]
    empty = client.post(
        "/v1.3/playground/search",
        data={"index_id": seeded.index_id, "search_options": ["visual"], "query_text": " "},
    )
    assert empty.status_code == 400 and "empty" in empty.json()["message"]
    unknown = client.post(
        "/v1.3/playground/search",
        data={"index_id": "no-such-index", "search_options": ["visual"], "query_text": "x"},
    )
    assert unknown.status_code == 404, unknown.text
    bad_option = client.post(
        "/v1.3/playground/search",
        data={"index_id": seeded.index_id, "search_options": ["smell"], "query_text": "x"},
    )
    assert bad_option.status_code == 400 and "smell" in bad_option.json()["message"]


def test_api_keys_guard_json_routes_and_sign_media_links(keyed: Seeded) -> None:
    client = keyed.client
    path = f"/v1.3/playground/videos/{keyed.index_id}/{keyed.video_id}"
    assert client.get("/").status_code == 200  # the page itself is public
    refused = client.get(path)
    assert refused.status_code == 401 and refused.json()["code"] == "api_key_invalid"
    view = client.get(path, headers={"x-api-key": "secret-key"}).json()
    assert client.get(view["media_url"], headers={"range": "bytes=0-9"}).status_code == 206
    bare = view["media_url"].split("?")[0]
    assert client.get(bare).status_code == 401
    forged = re.sub(r"token=\w+", "token=" + "0" * 64, view["media_url"])
    assert client.get(forged).status_code == 401
    other = view["media_url"].replace(keyed.video_id, "other-video")
    assert client.get(other).status_code == 401  # a token is valid for its own video only
    assert json.loads(client.get(bare).text)["message"]
