"""``/indexes``: create, list (paged), get, rename and delete indexes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from videoscope.api.deps import State
from videoscope.api.schemas import (
    IdOnly,
    IndexCreate,
    IndexList,
    IndexOut,
    IndexUpdate,
    iso,
    page_info,
)
from videoscope.errors import ConflictError
from videoscope.library.records import IndexModel, IndexRecord

router = APIRouter(tags=["indexes"])


def index_out(record: IndexRecord) -> IndexOut:
    """The API view of an index."""
    return IndexOut(
        id=record.id,
        index_name=record.name,
        models=[m.model_dump() for m in record.models],  # type: ignore[misc]
        video_count=record.video_count,
        total_duration=record.total_duration,
        created_at=iso(record.created_at),
        updated_at=iso(record.updated_at),
    )


@router.post("/indexes", status_code=201, response_model=IdOnly)
def create_index(body: IndexCreate, state: State) -> IdOnly:
    """Create an index; its model options choose the stages (``visual``, ``audio``)."""
    models = [
        IndexModel(model_name=m.model_name, model_options=list(dict.fromkeys(m.model_options)))
        for m in body.models
    ]
    record = state.library.store.create_index(body.index_name, models)
    return IdOnly(id=record.id)


@router.get("/indexes", response_model=IndexList)
def list_indexes(
    state: State,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    page_limit: Annotated[int, Query(ge=1, le=50)] = 10,
    index_name: Annotated[str | None, Query(max_length=200)] = None,
    model_options: Annotated[str | None, Query(max_length=100)] = None,
    sort_option: Annotated[str | None, Query(pattern="^(asc|desc)$")] = None,
) -> IndexList:
    """Indexes, newest first (``sort_option=asc`` for oldest first)."""
    store = state.library.store
    if model_options is None and sort_option != "asc":
        listing = store.list_indexes(page=page, limit=page_limit, name=index_name)
        return IndexList(
            data=[index_out(r) for r in listing.items],
            page_info=page_info(page, page_limit, listing.total_results),
        )
    wanted = {o.strip() for o in (model_options or "").split(",") if o.strip()}
    everything: list[IndexRecord] = []
    number = 1
    while True:
        listing = store.list_indexes(page=number, limit=100, name=index_name)
        everything.extend(listing.items)
        if number >= listing.total_pages:
            break
        number += 1
    chosen = [r for r in everything if wanted <= {o for m in r.models for o in m.model_options}]
    if sort_option == "asc":
        chosen.reverse()
    items = chosen[(page - 1) * page_limit : page * page_limit]
    return IndexList(
        data=[index_out(r) for r in items], page_info=page_info(page, page_limit, len(chosen))
    )


@router.get("/indexes/{index_id}", response_model=IndexOut)
def get_index(index_id: str, state: State) -> IndexOut:
    """One index with its video count and total duration."""
    return index_out(state.library.store.get_index(index_id))


@router.put("/indexes/{index_id}", status_code=204)
def update_index(index_id: str, body: IndexUpdate, state: State) -> Response:
    """Rename an index."""
    store = state.library.store
    current = store.get_index(index_id)
    if current.name != body.index_name:
        clash = store.list_indexes(name=body.index_name, limit=1).items
        if clash:
            raise ConflictError(
                f"index {body.index_name!r}",
                "an index with this name exists",
                "choose another name",
            )
        store.rename_index(index_id, body.index_name)
    return Response(status_code=204)


@router.delete("/indexes/{index_id}", status_code=204)
def delete_index(index_id: str, state: State) -> Response:
    """Delete an index with all its videos."""
    state.library.store.delete_index(index_id)
    return Response(status_code=204)
