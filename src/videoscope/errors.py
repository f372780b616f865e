"""The error hierarchy: every user-caused failure says what happened, to which input, what to do.

All errors derive from :class:`VideoscopeError`. The API maps each class to one HTTP status in
``videoscope.api``; the CLI prints ``str(error)`` and exits non-zero. Nothing else in the package
should raise bare ``ValueError``/``RuntimeError`` across a public boundary.
"""

from __future__ import annotations


class VideoscopeError(Exception):
    """Base class: a problem with a named input and a hint on how to fix it.

    Example:
        >>> str(MediaNotFoundError("clip.mp4", "the file does not exist", "check the path"))
        'clip.mp4: the file does not exist. check the path'
    """

    #: Short machine-readable code, also used as the API error ``code``.
    code = "videoscope_error"

    def __init__(self, subject: str, problem: str, hint: str = "") -> None:
        self.subject = subject
        self.problem = problem
        self.hint = hint
        super().__init__(self.__str__())

    def __str__(self) -> str:
        text = f"{self.subject}: {self.problem}"
        return f"{text}. {self.hint}" if self.hint else text


class MediaError(VideoscopeError):
    """A media file cannot be used as asked."""

    code = "media_error"


class MediaNotFoundError(MediaError):
    """The path does not exist or cannot be read."""

    code = "media_not_found"


class NotAVideoError(MediaError):
    """The file is readable but is not a media container (or holds no video where one is needed)."""

    code = "not_a_video"


class CorruptMediaError(MediaError):
    """The container or its streams are damaged so that nothing can be decoded."""

    code = "corrupt_media"


class EmptyMediaError(MediaError):
    """The file holds no frames or samples (zero length)."""

    code = "empty_media"


class UnsupportedMediaError(MediaError):
    """Decodable in principle, but outside what videoscope accepts (codec, size, ...)."""

    code = "unsupported_media"


class TimelineError(VideoscopeError):
    """A timeline or a timed item breaks an invariant (order, bounds, overlap)."""

    code = "invalid_timeline"


class ConfigError(VideoscopeError):
    """A setting or a backend choice is invalid."""

    code = "invalid_config"


class BackendUnavailableError(VideoscopeError):
    """A model backend cannot be loaded (missing optional extra, missing packaged weights)."""

    code = "backend_unavailable"


class NotFoundError(VideoscopeError):
    """An id names no index, video or task."""

    code = "not_found"


class InvalidRequestError(VideoscopeError):
    """A request is malformed: a missing or invalid parameter."""

    code = "invalid_request"


class ConflictError(VideoscopeError):
    """The request conflicts with existing state (a duplicate name, say)."""

    code = "conflict"
