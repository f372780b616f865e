"""The routes' dependencies: the server's state (settings, library, tasks, assets, workers).

One :class:`ServerState` per app, built by :func:`videoscope.api.app.create_app` (which also
gives its worker pool the task handlers) and handed to routes as the :data:`State` dependency.
Routers import this module, the schemas and the services; never another router.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from pathlib import Path
from typing import IO, Annotated, Any, TypeVar

from fastapi import Depends, Request

from videoscope.api.asset_store import AssetStore
from videoscope.api.tasks.store import TaskStore
from videoscope.api.tasks.workers import WorkerPool
from videoscope.config import Settings
from videoscope.errors import ConfigError, InvalidRequestError
from videoscope.library.service import VideoLibrary

K = TypeVar("K")
V = TypeVar("V")
_METADATA_TYPES = (str, int, float, bool, type(None))


class BoundedDict(OrderedDict[K, V]):
    """A dict that forgets its oldest keys beyond ``size`` entries."""

    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size

    def __setitem__(self, key: K, value: V) -> None:
        super().__setitem__(key, value)
        while len(self) > self.size:
            self.popitem(last=False)


class ServerState:
    """Settings, library, tasks, assets and workers of one server."""

    def __init__(self, settings: Settings, library: VideoLibrary | None = None) -> None:
        self.settings = settings
        self.folder: Path = settings.home / "server"
        self.library = library or VideoLibrary(settings)
        #: Search page tokens handed out -> (index id, include_user_metadata), newest last.
        #: Models built on first use by routes (embedder, classifier), by name.
        self.models: dict[str, Any] = {}
        self.models_lock = threading.Lock()
        self.search_pages: BoundedDict[str, tuple[str, bool]] = BoundedDict(20_000)
        self.tasks = TaskStore(self.folder / "tasks.db")
        self.assets = AssetStore(self.folder / "tasks.db", self.folder / "uploads")
        self._lock_file: IO[str] | None = None
        #: The workers; :func:`videoscope.api.app.create_app` replaces this handler-less pool
        #: with one that runs the task handlers of :mod:`videoscope.api.tasks.handlers`.
        self.pool = WorkerPool(self.tasks, {}, workers=settings.server.workers)

    def start(self) -> None:
        """Take the home's server lock, recover interrupted tasks and start the workers.

        Raises:
            ConfigError: another server already serves this home (it would take over the
                same tasks).
        """
        self._lock_home()
        self.pool.start(self.settings.server.max_attempts)

    def stop(self) -> None:
        """Stop the workers and release the home."""
        self.pool.stop()
        if self._lock_file is not None:
            self._lock_file.close()
            self._lock_file = None

    def _lock_home(self) -> None:
        try:
            import fcntl
        except ImportError:  # not POSIX: no cross-process lock
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        handle = open(self.folder / "server.lock", "w")  # noqa: SIM115 - held while serving
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as error:
            handle.close()
            raise ConfigError(
                str(self.settings.home),
                "another videoscope server is serving this home",
                "stop it first, or give this one its own VIDEOSCOPE_HOME",
            ) from error
        self._lock_file = handle


def get_state(request: Request) -> ServerState:
    """FastAPI dependency: the app's :class:`ServerState`."""
    state: ServerState = request.app.state.server
    return state


#: A route parameter typed ``State`` receives the app's :class:`ServerState`.
State = Annotated[ServerState, Depends(get_state)]


def parse_metadata(text: str | None) -> dict[str, Any]:
    """``user_metadata`` sent as a JSON string (multipart forms): an object of scalars or lists
    of strings."""
    if text is None or text == "":
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise InvalidRequestError(
            "user_metadata", "is not valid JSON", "send a JSON object"
        ) from error
    return check_metadata(value)


def check_metadata(value: Any) -> dict[str, Any]:
    """Validate a ``user_metadata`` object (string keys; scalar or list-of-string values)."""
    if not isinstance(value, dict):
        raise InvalidRequestError("user_metadata", "must be a JSON object", "")
    for key, item in value.items():
        ok = isinstance(item, _METADATA_TYPES) or (
            isinstance(item, list) and all(isinstance(x, str) for x in item)
        )
        if not ok:
            raise InvalidRequestError(
                f"user_metadata.{key}",
                "values must be strings, numbers, booleans or lists of strings",
                "",
            )
    return value
