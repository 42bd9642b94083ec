"""A signed-in user's own API keys: create named ones (shown once, stored as SHA-256 like every
key: `server.auth`), list them, revoke them. A revoked key is refused from the next request in
this process (its cache is emptied) and, on PostgreSQL, in every other process as soon as
they receive the notice sent with the revocation's commit (server.cluster_bus)."""

import time
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, HTTPException, Request

from server.auth import create_key, hash_key
from server.cluster_bus import announce_revoked
from server.errors import BAD_INPUT
from server.models import ApiKey, User

MAX_KEYS = 100  # unrevoked, per user


def _described(row: ApiKey) -> dict[str, Any]:
    return {"id": row.id, "name": row.label, "hint": row.hint, "created": row.created,
            "last_used": row.last_used, "revoked": row.revoked, "revoked_at": row.revoked_at}


def key_routes(signed_in: Callable[[Request], Awaitable[User]]) -> APIRouter:
    router = APIRouter(prefix="/api/v1/auth", tags=["account"])
    Me = Annotated[User, Depends(signed_in)]

    @router.post("/key", status_code=201, responses=BAD_INPUT)
    def new_key(request: Request, user: Me, body: Annotated[dict[str, Any] | None, Body()] = None
                ) -> dict[str, Any]:
        """A new key named `name` (optional); `key` is in this answer only."""
        name = (body or {}).get("name", "")
        if not isinstance(name, str) or len(name) > 64 or not name.isprintable():
            raise HTTPException(400, "name: up to 64 printable characters")
        if ApiKey.select().where((ApiKey.user == user.id) & (ApiKey.revoked == False)  # noqa: E712
                                 ).count() >= MAX_KEYS:
            raise HTTPException(409, f"key: at most {MAX_KEYS} keys in use; revoke one first")
        key = create_key(request.app.state.tf.db, user, name.strip())
        row = ApiKey.get(ApiKey.key_hash == hash_key(key))
        return {**_described(row), "key": key}

    @router.get("/keys")
    def my_keys(user: Me) -> dict[str, Any]:
        return {"data": [_described(k) for k in ApiKey.select().where(
            ApiKey.user == user.id).order_by(ApiKey.id)]}

    def revoke(request: Request, user: User, key_id: int) -> dict[str, Any]:
        db = request.app.state.tf.db
        with db.db.atomic():
            if not ApiKey.update(revoked=True, revoked_at=time.time()).where(
                    (ApiKey.id == key_id) & (ApiKey.user == user.id)).execute():
                raise HTTPException(404, "key: not found")
            announce_revoked(db)
        request.app.state.tf.keys.forget()
        return _described(ApiKey.get_by_id(key_id))

    @router.delete("/key/{key_id}")
    def delete_key(request: Request, user: Me, key_id: int) -> dict[str, Any]:
        """Revoke one of your keys (it stays listed, revoked)."""
        return revoke(request, user, key_id)

    @router.post("/key/{key_id}/revoke")
    def revoke_key(request: Request, user: Me, key_id: int) -> dict[str, Any]:
        return revoke(request, user, key_id)

    return router
