"""Export embeddings for your own retrieval: NumPy ``.npz`` or Parquet (one row per segment).

Rows are gathered from one or more :class:`EmbeddingResponse` objects, each tagged with a
``video_id``. Spaces of different dimensions (``visual-text`` 384-d, ``sound`` 521-d) are kept
apart in ``.npz`` (one array per option) and live side by side in Parquet (a list column).
Parquet needs ``pyarrow`` (``pip install pyarrow``), imported only when used.

Example:
    >>> rows = segment_rows([("v1", response)])  # doctest: +SKIP
    >>> write_npz(rows, "clips.npz"); write_parquet(rows, "clips.parquet")  # doctest: +SKIP
    >>> read_npz("clips.npz")["visual-text"]["vectors"].shape  # doctest: +SKIP
    (12, 384)
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from videoscope.embed.models import EmbeddingResponse, EmbeddingSegment
from videoscope.errors import BackendUnavailableError, InvalidRequestError


@dataclass(frozen=True, slots=True)
class SegmentRow:
    """One exported vector and where it comes from."""

    video_id: str
    kind: str  # "video", "audio", "text" or "image"
    option: str
    scope: str
    start: float
    end: float
    model: str
    vector: np.ndarray


def segment_rows(responses: Iterable[tuple[str, EmbeddingResponse]]) -> list[SegmentRow]:
    """Flatten ``(video_id, response)`` pairs into rows (text/image rows span 0-0)."""
    rows: list[SegmentRow] = []
    for video_id, response in responses:
        models = {space.embedding_option: space.model for space in response.spaces}
        parts: list[tuple[str, str, list[EmbeddingSegment]]] = []
        for kind, result, default in (
            ("video", response.video_embedding, "visual-text"),
            ("audio", response.audio_embedding, "audio"),
            ("text", response.text_embedding, "text"),
            ("image", response.image_embedding, "image"),
        ):
            if result is not None:
                parts.append((kind, default, result.segments))
        for kind, default, segments in parts:
            for segment in segments:
                option = segment.embedding_option or default
                rows.append(
                    SegmentRow(
                        video_id=video_id,
                        kind=kind,
                        option=option,
                        scope=segment.embedding_scope or "",
                        start=segment.start_offset_sec or 0.0,
                        end=segment.end_offset_sec or 0.0,
                        model=models.get(option, models.get(kind, response.model_name)),  # type: ignore[call-overload]
                        vector=np.asarray(segment.float_, dtype=np.float32),
                    )
                )
    return rows


def write_npz(rows: Iterable[SegmentRow], path: str | Path) -> Path:
    """Write ``<option>/vectors`` ``(n, dim)`` plus ``<option>/start``, ``/end``, ``/scope``,
    ``/video_id`` per option, and a JSON ``__meta__`` entry (model and dim per option)."""
    grouped: dict[str, list[SegmentRow]] = {}
    for row in rows:
        grouped.setdefault(row.option, []).append(row)
    if not grouped:
        raise InvalidRequestError("export", "there are no embeddings to write")
    arrays: dict[str, np.ndarray] = {}
    meta: dict[str, Any] = {}
    for option, items in grouped.items():
        dims = {len(r.vector) for r in items}
        if len(dims) != 1:
            raise InvalidRequestError(f"export of {option!r}", f"mixes dimensions {sorted(dims)}")
        arrays[f"{option}/vectors"] = np.stack([r.vector for r in items]).astype(np.float32)
        arrays[f"{option}/start"] = np.array([r.start for r in items], dtype=np.float64)
        arrays[f"{option}/end"] = np.array([r.end for r in items], dtype=np.float64)
        arrays[f"{option}/scope"] = np.array([r.scope for r in items])
        arrays[f"{option}/video_id"] = np.array([r.video_id for r in items])
        meta[option] = {"model": items[0].model, "dim": dims.pop(), "count": len(items)}
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    np.savez(target, __meta__=np.array(json.dumps(meta)), **arrays)  # type: ignore[arg-type]
    return target


def read_npz(path: str | Path) -> dict[str, dict[str, Any]]:
    """Read a file of :func:`write_npz`: option -> ``{vectors, start, end, scope, video_id,
    model, dim}``."""
    with np.load(path, allow_pickle=False) as arrays:
        meta = json.loads(str(arrays["__meta__"]))
        return {
            option: {
                **info,
                **{
                    key: arrays[f"{option}/{key}"]
                    for key in ("vectors", "start", "end", "scope", "video_id")
                },
            }
            for option, info in meta.items()
        }


def write_parquet(rows: Iterable[SegmentRow], path: str | Path) -> Path:
    """Write one row per segment: video_id, kind, option, scope, start, end, model, dim,
    embedding (``list<float32>``)."""
    pa, pq = _pyarrow()
    items = list(rows)
    if not items:
        raise InvalidRequestError("export", "there are no embeddings to write")
    table = pa.table(
        {
            "video_id": [r.video_id for r in items],
            "kind": [r.kind for r in items],
            "option": [r.option for r in items],
            "scope": [r.scope for r in items],
            "start": pa.array([r.start for r in items], pa.float64()),
            "end": pa.array([r.end for r in items], pa.float64()),
            "model": [r.model for r in items],
            "dim": pa.array([len(r.vector) for r in items], pa.int32()),
            "embedding": pa.array([r.vector.tolist() for r in items], pa.list_(pa.float32())),
        }
    )
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, target)
    return target


def read_parquet(path: str | Path) -> list[SegmentRow]:
    """Read a file of :func:`write_parquet` back into rows."""
    _, pq = _pyarrow()
    table = pq.read_table(path).to_pydict()
    return [
        SegmentRow(
            video_id=table["video_id"][i],
            kind=table["kind"][i],
            option=table["option"][i],
            scope=table["scope"][i],
            start=table["start"][i],
            end=table["end"][i],
            model=table["model"][i],
            vector=np.asarray(table["embedding"][i], dtype=np.float32),
        )
        for i in range(len(table["video_id"]))
    ]


def write_export(rows: Iterable[SegmentRow], path: str | Path) -> Path:
    """Write ``.npz`` or ``.parquet`` according to the file's suffix."""
    suffix = Path(path).suffix.lower()
    if suffix == ".npz":
        return write_npz(rows, path)
    if suffix in (".parquet", ".pq"):
        return write_parquet(rows, path)
    raise InvalidRequestError(
        f"export file {path}", "has an unknown suffix", "use .npz or .parquet"
    )


def _pyarrow() -> tuple[Any, Any]:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as error:
        raise BackendUnavailableError(
            "Parquet export", "pyarrow is not installed", "pip install pyarrow, or export .npz"
        ) from error
    return pa, pq
