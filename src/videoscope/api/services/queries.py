"""Query inputs shared by the search, playground and embed routes: images and search options."""

from __future__ import annotations

import io

import numpy as np

from videoscope.api.security import PayloadTooLargeError
from videoscope.errors import InvalidRequestError

#: The modalities a ``search_options`` field may name.
SEARCH_OPTIONS = ("visual", "audio", "transcription", "conversation", "text_in_video")
#: Largest query image accepted.
MAX_IMAGE_BYTES = 20 * 1024 * 1024
_MAX_PIXELS = 16_777_216


def query_image(data: bytes) -> np.ndarray:
    """The RGB pixels of an uploaded query image, refused with a clear error when too big or
    unreadable."""
    from PIL import Image

    if len(data) > MAX_IMAGE_BYTES:
        raise PayloadTooLargeError("query_media_file", "is over 20 MB", "send a smaller image")
    try:
        with Image.open(io.BytesIO(data)) as img:
            if img.width * img.height > _MAX_PIXELS:
                raise InvalidRequestError(
                    "query_media_file", "has more than 16,777,216 pixels", "send a smaller image"
                )
            return np.asarray(img.convert("RGB"))
    except (OSError, ValueError, Image.DecompressionBombError) as error:
        raise InvalidRequestError(
            "query_media_file",
            "is not a readable image",
            "send a JPEG, PNG, WebP, GIF or BMP image",
        ) from error


def parse_search_options(values: list[str]) -> list[str]:
    """The modalities of a ``search_options`` form field (repeated or comma-separated)."""
    options = [o.strip() for value in values for o in value.split(",") if o.strip()]
    unknown = [o for o in options if o not in SEARCH_OPTIONS]
    if unknown or not options:
        raise InvalidRequestError(
            "search_options",
            f"{(unknown or ['(empty)'])[0][:40]!r} is not a search option",
            f"use {', '.join(SEARCH_OPTIONS)}",
        )
    return options
