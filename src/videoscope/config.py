"""Settings: defaults in code, then a TOML file, then ``VIDEOSCOPE_*`` environment variables.

Every setting is documented here and in ``docs/configuration.md``. Nested settings use ``__`` in
environment variables, e.g. ``VIDEOSCOPE_BACKENDS__ASR=whisper``.

Example:
    >>> settings = Settings()
    >>> settings.backends.vad
    'silero'
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)


def _default_home() -> Path:
    return Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share")) / "videoscope"


class BackendChoice(BaseModel):
    """Which named backend serves each model role (see ``docs/backends``)."""

    vad: str = "silero"
    asr: str = "whisper"
    ocr: str = "rapidocr"
    text_embedder: str = "minilm"
    image_text_embedder: str = "imagenet-concepts"
    audio_tagger: str = "yamnet"
    llm: str | None = None
    #: A vision-language model (``openai`` or ``llama-cpp``; docs/video_to_text.md); None: none,
    #: and the captions stage does not run.
    vlm: str | None = None
    #: Keyword options per role passed to the backend's constructor, e.g. {"asr": {"beam_size": 5}}.
    options: dict[str, dict[str, Any]] = Field(default_factory=dict)


class ServerSettings(BaseModel):
    """The API server (``videoscope serve``): keys, limits and the task worker pool."""

    #: Accepted ``x-api-key`` values; empty means no key is checked (loopback only, see serve).
    api_keys: list[str] = Field(default_factory=list)
    #: Largest accepted upload or downloaded ``video_url``, in bytes.
    max_upload_bytes: int = 2 * 1024**3
    #: Seconds a ``video_url`` download may take in all.
    url_timeout_s: float = 300.0
    #: Let ``video_url`` name loopback, private or link-local addresses (off: SSRF guard).
    allow_private_urls: bool = False
    #: Threads running indexing and analysis tasks.
    workers: int = 1
    #: How many times a task interrupted by a crash is resumed before it is failed.
    max_attempts: int = 3


class AnalyzeSettings(BaseModel):
    """Time-based metadata: how a language model judges content units
    (docs/time_based_metadata.md)."""

    #: Most content units sent to the LLM in one request.
    chunk_units: int = 24
    #: Most evidence characters per request (also the field filler's budget); None: from the
    #: model's context.
    chunk_chars: int | None = None
    #: Most seconds of video per request; None: no limit.
    chunk_seconds: float | None = None
    #: Fraction of a chunk's units shared with the next one.
    chunk_overlap: float = 0.2
    #: Let the configured LLM judge content units (false: it only fills fields).
    llm_judge: bool = True


class ClusterSettings(BaseModel):
    """Where indexing runs: in this process, or on a Ray cluster (docs/scale.md)."""

    #: ``local``: this process; ``ray``: one actor per worker process on a Ray cluster (the
    #: library should then be PostgreSQL, ``database_url``, so every node shares it).
    engine: Literal["local", "ray"] = "local"
    #: The Ray cluster: ``auto`` (started with ``ray start``), ``ray://HOST:PORT`` or ``local``
    #: (a private one-machine cluster).
    address: str = "auto"
    #: Worker actors; None: one per ``cpus_per_worker`` of the cluster's CPUs.
    workers: int | None = None
    #: CPUs Ray reserves for each worker actor.
    cpus_per_worker: float = 1.0
    #: Times a video is retried when its worker process dies.
    max_retries: int = 2


class Settings(BaseSettings):
    """All of videoscope's settings."""

    model_config = SettingsConfigDict(
        env_prefix="VIDEOSCOPE_",
        env_nested_delimiter="__",
        toml_file=os.environ.get("VIDEOSCOPE_CONFIG", "videoscope.toml"),
        extra="ignore",
    )

    #: Where indexes, timelines and caches live (one directory: the embedded store).
    home: Path = Field(default_factory=_default_home)
    backends: BackendChoice = Field(default_factory=BackendChoice)
    #: Store the library in PostgreSQL (with pgvector) at this ``postgresql://`` URL instead of
    #: the embedded store in ``home/library``; see ``docs/library.md``.
    database_url: str | None = None
    server: ServerSettings = Field(default_factory=ServerSettings)
    analyze: AnalyzeSettings = Field(default_factory=AnalyzeSettings)
    cluster: ClusterSettings = Field(default_factory=ClusterSettings)
    #: Worker threads per model (ONNX Runtime / CTranslate2 intra-op threads); 0 = all cores.
    threads: int = 0

    @property
    def cache_dir(self) -> Path:
        """Per-video caches of stage results, keyed by content hash."""
        return self.home / "cache"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Precedence: constructor arguments, environment, TOML file, defaults."""
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls))


@cache
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
