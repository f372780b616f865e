"""API keys, the ``video_url`` guard, upload limits, safe file names, the serve exposure check."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.api.conftest import ThreadServer
from videoscope.api.security import check_url, inside, safe_filename, save_upload
from videoscope.api.server import is_loopback, server_settings
from videoscope.config import ServerSettings, Settings
from videoscope.errors import ConfigError, InvalidRequestError

twelvelabs = pytest.importorskip("twelvelabs")
from twelvelabs.core.api_error import ApiError  # noqa: E402
from twelvelabs.errors import BadRequestError  # noqa: E402
from twelvelabs.indexes import IndexesCreateRequestModelsItem  # noqa: E402

KEY = "s3cret-key"


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ThreadServer]:
    """A server with an API key, default URL guard and a 4 KiB upload limit."""
    settings = Settings(
        home=tmp_path_factory.mktemp("guarded"),
        server=ServerSettings(api_keys=[KEY], max_upload_bytes=4096),
    )
    with ThreadServer(settings) as running:
        yield running


def _client(server: ThreadServer, key: str = KEY) -> Any:
    return twelvelabs.TwelveLabs(api_key=key, base_url=server.url)


@pytest.fixture(scope="module")
def index_id(guarded: ThreadServer) -> str:
    models = [IndexesCreateRequestModelsItem(model_name="m", model_options=["audio"])]
    return str(_client(guarded).indexes.create(index_name="guarded", models=models).id)


def test_api_key_is_required_when_configured(guarded: ThreadServer) -> None:
    with pytest.raises(ApiError) as raised:
        list(_client(guarded, "wrong").indexes.list())
    assert raised.value.status_code == 401
    assert raised.value.body["code"] == "api_key_invalid"
    assert list(_client(guarded).indexes.list()) is not None
    assert httpx.get(f"http://127.0.0.1:{guarded.port}/health").status_code == 200
    assert httpx.get(f"http://127.0.0.1:{guarded.port}/openapi.json").status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/video.mp4",
        "http://localhost/video.mp4",
        "http://10.1.2.3/video.mp4",
        "http://192.168.0.10/video.mp4",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/video.mp4",
        "http://0.0.0.0/video.mp4",
        "ftp://example.com/video.mp4",
        "file:///etc/passwd",
        "http://user:pw@example.com/video.mp4",
    ],
)
def test_private_and_odd_urls_are_refused(
    guarded: ThreadServer,
    index_id: str,
    url: str,
) -> None:
    client = _client(guarded)
    with pytest.raises(BadRequestError) as raised:
        client.tasks.create(index_id=index_id, video_url=url)
    assert raised.value.body["code"] == "invalid_request"


def test_uploads_over_the_limit_are_413(guarded: ThreadServer, index_id: str) -> None:
    client = _client(guarded)
    with pytest.raises(ApiError) as raised:
        client.tasks.create(index_id=index_id, video_file=("big.mp4", b"\0" * 10_000))
    assert raised.value.status_code == 413
    assert raised.value.body["code"] == "payload_too_large"
    big = b"\0" * (1 << 20) + b"\0" * 8192
    files = {"video_file": ("big.mp4", big)}
    declared = httpx.post(
        f"{guarded.url}/tasks", headers={"x-api-key": KEY}, data={"index_id": index_id}, files=files
    )
    assert declared.status_code == 413 and declared.json()["code"] == "payload_too_large"

    def chunks() -> Iterator[bytes]:
        yield b'--x\r\nContent-Disposition: form-data; name="video_file"; '
        yield b'filename="a.mp4"\r\n\r\n'
        for _ in range(20):
            yield b"\0" * 65536

    streamed = httpx.post(
        f"{guarded.url}/tasks",
        content=chunks(),
        headers={"x-api-key": KEY, "content-type": "multipart/form-data; boundary=x"},
    )
    assert streamed.status_code == 413
    uploads = guarded.settings.home / "server" / "uploads"
    assert not any(p.is_file() for p in uploads.rglob("*"))


def test_a_broken_upload_fails_its_task_with_a_reason(
    guarded: ThreadServer,
    index_id: str,
) -> None:
    client = _client(guarded)
    task = client.tasks.create(
        index_id=index_id, video_file=("../../evil name.mp4", b"not a video at all")
    )
    done = client.tasks.wait_for_done(task_id=task.id, sleep_interval=0.2)
    assert done.status == "failed"
    raw = httpx.get(f"{guarded.url}/tasks/{task.id}", headers={"x-api-key": KEY}).json()
    assert raw["error"]["code"] in ("not_a_video", "corrupt_media", "empty_media")
    assert raw["system_metadata"]["filename"] == "evil_name.mp4"
    stored = list((guarded.settings.home / "server" / "uploads").rglob("*.mp4"))
    assert all(p.name == "evil_name.mp4" for p in stored)


def test_unknown_routes_and_methods_keep_the_error_shape(guarded: ThreadServer) -> None:
    headers = {"x-api-key": KEY}
    missing = httpx.get(f"{guarded.url}/nothing-here", headers=headers)
    assert missing.status_code == 404 and set(missing.json()) == {"code", "message"}
    wrong = httpx.patch(f"{guarded.url}/indexes", headers=headers)
    assert wrong.status_code == 405 and set(wrong.json()) == {"code", "message"}
    bad_json = httpx.post(
        f"{guarded.url}/indexes",
        headers={**headers, "content-type": "application/json"},
        content=b"{nope",
    )
    assert bad_json.status_code == 400 and bad_json.json()["code"] == "parameter_invalid"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\clips\\My Clip!.mp4", "My_Clip_.mp4"),
        ("", "video"),
        ("..", "video"),
        (".hidden.mp4", "hidden.mp4"),
        ("a" * 300 + ".mp4", "a" * 116 + ".mp4"),
        ("/dev/null\0.mp4", "null_.mp4"),
    ],
)
def test_safe_filename(name: str, expected: str) -> None:
    assert safe_filename(name) == expected


def test_paths_stay_inside_their_folder(tmp_path: Path) -> None:
    assert inside(tmp_path, "a.mp4") == (tmp_path / "a.mp4").resolve()
    with pytest.raises(InvalidRequestError):
        inside(tmp_path, "../escape.mp4")
    saved = save_upload(io.BytesIO(b"abc"), tmp_path / "up", "../../x.mp4", 10)
    assert saved.parent == (tmp_path / "up").resolve() and saved.read_bytes() == b"abc"


def test_url_guard_allows_private_only_when_configured() -> None:
    with pytest.raises(InvalidRequestError):
        check_url("http://127.0.0.1/x.mp4", ServerSettings())
    check_url("http://127.0.0.1/x.mp4", ServerSettings(allow_private_urls=True))


def test_serving_beyond_loopback_needs_a_key_or_an_explicit_flag(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path)
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0")
    server_settings(settings, None, None, "127.0.0.1", False)
    with pytest.raises(ConfigError):
        server_settings(settings, None, None, "0.0.0.0", False)
    assert server_settings(settings, ["k"], 2, "0.0.0.0", False).server.api_keys == ["k"]
    assert server_settings(settings, None, None, "0.0.0.0", True).server.api_keys == []


def test_serve_command_refuses_an_open_public_bind() -> None:
    import typer
    from typer.testing import CliRunner

    from videoscope.cli.serve import serve_command

    app = typer.Typer()
    app.command()(serve_command)
    result = CliRunner().invoke(app, ["--host", "0.0.0.0", "--port", "1"])
    assert isinstance(result.exception, ConfigError)
    assert "--api-key" in str(result.exception)
