"""The playground in a real browser (Debian's Chromium driven by Playwright) against a real server:
upload and watch progress, see the timeline, seek, search and jump, run a schema, get the gist,
and read errors in plain words. Each screen is saved under ``test-artifacts/playground/``."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.api.conftest import ThreadServer
from videoscope.api.routes.playground import STATIC
from videoscope.config import ServerSettings, Settings
from videoscope.samples import Truth

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip("no /usr/bin/chromium (apt-get install chromium)", allow_module_level=True)
playwright = pytest.importorskip("playwright.sync_api", reason="pip install playwright")

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "playground"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
#: Uncaught script errors of the journey's page (none are expected).
PAGE_ERRORS: list[str] = []


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Chromium (the system's, never a downloaded one)."""
    with playwright.sync_playwright() as driver:
        chromium = driver.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ThreadServer]:
    """A real open server on loopback over a fresh home."""
    home = tmp_path_factory.mktemp("pg-browser")
    with ThreadServer(Settings(home=home, server=ServerSettings(workers=1))) as running:
        yield running


@pytest.fixture(scope="module")
def page(browser: Any, server: ThreadServer) -> Iterator[Any]:
    """One page for the whole journey (uncaught script errors are kept in PAGE_ERRORS)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.set_default_timeout(30_000)
    tab.on("pageerror", lambda error: PAGE_ERRORS.append(str(error)))
    tab.goto(_root(server))
    tab.wait_for_selector("body[data-ready=true]")
    yield tab
    context.close()


def _root(server: ThreadServer) -> str:
    return server.url.removesuffix("/v1.3") + "/"


def shot(page: Any, name: str) -> None:
    """Save a screenshot of the current screen as a CI artifact."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def current_time(page: Any) -> float:
    return float(page.eval_on_selector("#player", "p => p.currentTime"))


def wait_time_near(page: Any, target: float, tolerance: float = 0.25) -> float:
    page.wait_for_function(
        "([t, tol]) => { const p = document.querySelector('#player');"
        " return p.readyState >= 1 && !p.seeking && Math.abs(p.currentTime - t) < tol; }",
        arg=[target, tolerance],
    )
    return current_time(page)


def _view(server: ThreadServer, page: Any) -> dict[str, Any]:
    """The page's open video as the API describes it."""
    index_id = page.eval_on_selector("#index-select", "s => s.value")
    video_id = page.eval_on_selector("#player", "p => p.dataset.videoId")
    return httpx.get(f"{server.url}/playground/videos/{index_id}/{video_id}", timeout=30).json()


def test_upload_and_watch_indexing_progress(
    page: Any, clip: tuple[Path, Truth], server: ThreadServer
) -> None:
    assert page.eval_on_selector("#new-index", "d => d.open")  # no index yet: the form is open
    page.fill("#new-index-name", "playground")
    page.click("#create-index")
    page.wait_for_function("document.querySelector('#index-select').value.length > 0")
    page.set_input_files("#video-file", str(clip[0]))
    page.click("#upload-button")
    row = page.wait_for_selector("#tasks .task")
    seen: list[str] = []
    percents: list[int] = []
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        status = row.get_attribute("data-status") or ""
        if not seen or seen[-1] != status:
            seen.append(status)
        found = re.search(r"(\d+)%", row.inner_text())
        if status == "indexing" and found:
            if not percents or (percents[-1] == 0 and int(found[1]) > 0):
                shot(page, "1-indexing-progress")
            percents.append(int(found[1]))
        if status in ("ready", "failed"):
            break
        time.sleep(0.2)
    assert seen[-1] == "ready", row.inner_text()
    assert "indexing" in seen, seen
    assert percents == sorted(percents) and percents[-1] > 0, percents  # progress moves on
    assert "ready" in row.inner_text()
    page.wait_for_selector("#timeline rect.item[data-track=shots]")
    assert page.text_content("#video-title").startswith("playground-clip.mp4")
    assert page.locator("#videos button.current").count() == 1


def test_timeline_draws_the_measured_tracks(
    page: Any, clip: tuple[Path, Truth], server: ThreadServer
) -> None:
    truth = clip[1]
    view = _view(server, page)
    for track in ("shots", "utterances", "words", "texts", "audio_events"):
        drawn = page.locator(f"#timeline rect.item[data-track={track}]").count()
        assert drawn == len(view["timeline"][track]), track
    starts = [
        float(x)
        for x in page.eval_on_selector_all(
            "#timeline rect.item[data-track=shots]", "rs => rs.map(r => r.dataset.start)"
        )
    ]
    assert len(starts) == len(truth.shots)
    for drawn, shot_truth in zip(starts[1:], truth.shots[1:], strict=True):
        assert abs(drawn - shot_truth.start) < 0.3
    texts = page.eval_on_selector_all(
        "#timeline rect.item[data-track=texts]",
        "rs => rs.map(r => [+r.dataset.start, +r.dataset.end])",
    )
    overlay = truth.overlays[0]
    assert any(s < overlay.end and e > overlay.start for s, e in texts)
    spoken = page.eval_on_selector_all(
        "#timeline rect.item[data-track=utterances]", "rs => rs.map(r => +r.dataset.start)"
    )
    assert any(abs(s - truth.speech[0].start) < 1.0 for s in spoken)
    page.wait_for_function("document.querySelector('#player').readyState >= 1")
    shot(page, "2-player-and-timeline")


def test_hover_shows_the_item_and_click_seeks(page: Any, clip: tuple[Path, Truth]) -> None:
    truth = clip[1]
    second = page.locator("#timeline rect.item[data-track=shots]").nth(1)
    second.hover()
    page.wait_for_selector("#tooltip:not([hidden])")
    assert "Shot 2" in page.text_content("#tooltip")
    lane = page.locator("#timeline svg[data-lane=words]").bounding_box()
    for fraction in (0.75, 0.3):
        page.mouse.click(lane["x"] + fraction * lane["width"], lane["y"] + lane["height"] / 2)
        wait_time_near(page, fraction * truth.duration, 0.3)
    shot(page, "3-hover-and-seek")


def test_search_shows_evidence_and_jumps_to_the_moment(page: Any, clip: tuple[Path, Truth]) -> None:
    truth = clip[1]
    page.click("#tab-search")
    page.fill("#search-text", "breaking news")
    page.click("#search-button")
    first = page.wait_for_selector("#search-results .result")
    assert "on screen" in first.inner_text() and "BREAKING" in first.inner_text().upper()
    page.wait_for_function("document.querySelector('#search-results .result img').naturalWidth > 0")
    shot(page, "4-search-results")
    start = float(first.get_attribute("data-start"))
    overlay = truth.overlays[0]
    assert overlay.start - 1.0 <= start <= overlay.end
    page.eval_on_selector("#player", "p => { p.currentTime = 0; }")
    first.click()
    assert abs(wait_time_near(page, start) - start) < 0.25
    page.fill("#search-text", "rocket launch success")
    page.click("#search-button")
    page.wait_for_function(
        "[...document.querySelectorAll('#search-results .result')]"
        ".some(r => r.innerText.includes('said'))"
    )


def test_schema_draws_segment_tracks_and_offers_json(
    page: Any, clip: tuple[Path, Truth], server: ThreadServer
) -> None:
    truth = clip[1]
    page.click("#tab-analyze")
    page.select_option("#schema-example", "camera-cuts")
    page.wait_for_function("document.querySelector('#schema').value.includes('hard cut')")
    page.click("#analyze-button")
    page.wait_for_function(
        "/ready|failed/.test(document.querySelector('#analyze-status').textContent)",
        timeout=180_000,
    )
    assert "ready" in page.text_content("#analyze-status")
    with page.expect_download() as download:
        page.click("#download-json")
    data = json.loads(Path(download.value.path()).read_text())
    drawn = page.locator("#timeline rect.item[data-track='segment:shots']").count()
    assert drawn == len(data["shots"]) == page.locator("#segments tr.segment").count()
    # The same request straight to the API gives the same segments (the engine is exact).
    view = _view(server, page)
    schema = json.loads((STATIC / "examples" / "camera-cuts.json").read_text())
    body = {
        "video": {
            "type": "video_id",
            "index_id": view["video"]["index_id"],
            "video_id": view["video"]["id"],
        },
        "analysis_mode": "time_based_metadata",
        "response_format": schema,
    }
    task_id = httpx.post(f"{server.url}/analyze/tasks", json=body, timeout=30).json()["task_id"]
    for _ in range(600):
        task = httpx.get(f"{server.url}/analyze/tasks/{task_id}", timeout=30).json()
        if task["status"] in ("ready", "failed"):
            break
        time.sleep(0.3)
    assert json.loads(task["result"]["data"]) == data
    starts = [s["start_time"] for s in data["shots"][1:]]
    for cut in truth.boundaries:
        assert min(abs(cut - s) for s in starts) < 0.5
    page.locator("#segments tr.segment").nth(1).click()
    wait_time_near(page, data["shots"][1]["start_time"])
    assert "framing" in page.text_content("#detail")
    shot(page, "5-segments")


def test_gist_summary_chapters_and_highlights(page: Any) -> None:
    page.click("#tab-describe")
    page.click("#describe-button")
    page.wait_for_function(
        "document.querySelector('#gist h3') !== null || !document.querySelector('#error').hidden",
        timeout=120_000,
    )
    assert page.is_hidden("#error"), page.text_content("#error")
    assert page.text_content("#gist h3").strip()
    assert page.text_content("#summary").strip()
    chapters = page.locator("#chapters li").count()
    assert chapters >= 1
    assert page.locator("#timeline rect.item[data-track=chapters]").count() == chapters
    highlights = page.locator("#highlights li").count()
    assert page.locator("#timeline rect.item[data-track=highlights]").count() == highlights
    shot(page, "6-gist-and-summary")


def test_errors_are_shown_in_plain_words(page: Any) -> None:
    page.click("#tab-analyze")
    page.fill("#schema", "{not json")
    page.click("#analyze-button")
    page.wait_for_selector("#error:not([hidden])")
    assert "not valid JSON" in page.text_content("#error-text")
    page.click("#error-close")
    bad = {
        "segment_definitions": [
            {
                "id": "plays",
                "description": "Each play.",
                "fields": [{"name": "points", "type": "string", "enum": ["one", 2]}],
            }
        ]
    }
    page.fill("#schema", json.dumps(bad))
    page.click("#analyze-button")
    page.wait_for_selector("#error:not([hidden])")
    message = page.text_content("#error-text")
    assert "plays" in message and "points" in message
    page.eval_on_selector(
        "#index-select",
        "s => { s.append(new Option('gone', 'no-such-index')); s.value = 'no-such-index';"
        " s.dispatchEvent(new Event('change')); }",
    )
    page.wait_for_function("document.querySelector('#error-text').textContent.includes('index')")
    message = page.text_content("#error-text")
    assert "no-such-index" in message
    for machine_words in ("500", "Traceback", "Internal Server Error", "[object"):
        assert machine_words not in message
    shot(page, "7-error")
    assert not PAGE_ERRORS, PAGE_ERRORS


def test_a_keyed_server_asks_for_the_key(
    browser: Any, tmp_path_factory: pytest.TempPathFactory
) -> None:
    home = tmp_path_factory.mktemp("pg-keyed-browser")
    settings = Settings(home=home, server=ServerSettings(api_keys=["k3y"], workers=1))
    with ThreadServer(settings) as keyed:
        context = browser.new_context()
        tab = context.new_page()
        tab.goto(_root(keyed))
        tab.wait_for_selector("#error:not([hidden])")
        assert "API key" in tab.text_content("#error-text")
        assert tab.is_visible("#api-key-box")
        shot(tab, "8-api-key")
        tab.fill("#api-key", "k3y")
        tab.click("#api-key-save")
        tab.wait_for_selector("#index-select option", state="attached")
        assert tab.is_hidden("#error")
        assert re.search("No index yet", tab.text_content("#index-select"))
        assert tab.evaluate("localStorage.getItem('videoscope.apiKey')") == "k3y"
        context.close()
