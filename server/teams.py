"""Teams on the server: organizations with an owner and members, invitation links (a random
token, expiring, single- or n-use, revocable; only its SHA-256 is kept), each member's opt-in
to the team's board, and the board itself (read from the `board` table the job fills).

A team is visible to its members only: to anyone else every team route answers 404, the same
as for a team that does not exist. Owners invite and revoke; members read and opt in or out.
"""

import hashlib
import secrets
import time
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, HTTPException, Query, Request

from server import boards
from server.errors import BAD_INPUT
from server.models import User
from server.team_models import Invitation, Member, Team

MAX_HOURS = 30 * 24
MAX_USES = 1000


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def membership(user: User, team_id: int) -> Member:
    """The user's membership of the team; 404 when they have none (or there is no team)."""
    found = Member.get_or_none((Member.team == team_id) & (Member.user == user.id))
    if found is None:
        raise HTTPException(404, "team: not found (or you are not a member)")
    return found


def owner_of(user: User, team_id: int) -> Member:
    found = membership(user, team_id)
    if found.role != "owner":
        raise HTTPException(403, "team: only an owner may do this")
    return found


def create_team(user: User, name: Any) -> Team:
    if not isinstance(name, str) or not name.strip() or len(name.strip()) > 64 or \
            not name.isprintable():
        raise HTTPException(400, "name: 1 to 64 printable characters")
    with Team._meta.database.atomic():
        team = Team.create(name=name.strip(), created=time.time())
        Member.create(team=team.id, user=user.id, role="owner", joined=time.time())
    return team


def invite(user: User, team_id: int, hours: Any = 72, uses: Any = 1) -> tuple[Invitation, str]:
    owner_of(user, team_id)
    for name, value, most in (("hours", hours, MAX_HOURS), ("uses", uses, MAX_USES)):
        if isinstance(value, bool) or not isinstance(value, int | float) or \
                not 0 < value <= most or (name == "uses" and not isinstance(value, int)):
            raise HTTPException(400, f"{name}: above 0, at most {most}"
                                + (" (a whole number)" if name == "uses" else ""))
    token = secrets.token_urlsafe(24)
    now = time.time()
    row = Invitation.create(team=team_id, token_hash=token_hash(token), created_by=user.id,
                            created=now, expires=now + hours * 3600, uses_left=uses)
    return row, token


def join(user: User, token: str) -> tuple[Team, bool]:
    """Joins the invitation's team as a member; (team, whether newly joined). 404 for a token
    never issued, 410 for one expired, revoked or used up. A member already in it spends no
    use."""
    found = Invitation.get_or_none(Invitation.token_hash == token_hash(token[:128]))
    if found is None:
        raise HTTPException(404, "invitation: not found")
    team = Team.get_by_id(found.team)
    if Member.get_or_none((Member.team == team.id) & (Member.user == user.id)):
        return team, False
    with Team._meta.database.atomic():
        spent = Invitation.update(uses_left=Invitation.uses_left - 1).where(
            (Invitation.id == found.id) & (Invitation.uses_left > 0)
            & (Invitation.revoked == False) & (Invitation.expires > time.time())  # noqa: E712
        ).execute()
        if not spent:
            why = "revoked" if found.revoked else "expired" if found.expires <= time.time() \
                else "used up"
            raise HTTPException(410, f"invitation: {why}")
        Member.insert(team=team.id, user=user.id, role="member", joined=time.time()
                      ).on_conflict_ignore().execute()
    return team, True


def team_routes(signed_in: Callable[[Request], Awaitable[User]]) -> APIRouter:
    router = APIRouter(prefix="/api/v1/teams", tags=["teams"])
    Me = Annotated[User, Depends(signed_in)]

    def described(team: Team, member: Member) -> dict[str, Any]:
        return {"id": team.id, "name": team.name, "role": member.role,
                "on_board": member.on_board,
                "members": Member.select().where(Member.team == team.id).count()}

    @router.post("", status_code=201, responses=BAD_INPUT)
    def new_team(user: Me, body: Annotated[dict[str, Any], Body()]) -> dict[str, Any]:
        """A new team; the caller is its owner."""
        team = create_team(user, body.get("name"))
        return described(team, membership(user, team.id))

    @router.get("")
    def my_teams(user: Me) -> dict[str, Any]:
        mine = list(Member.select().where(Member.user == user.id))
        names = {t.id: t for t in Team.select().where(Team.id.in_([m.team for m in mine]))}
        return {"data": [described(names[m.team], m) for m in mine]}

    @router.get("/{team_id}")
    def one_team(user: Me, team_id: int) -> dict[str, Any]:
        member = membership(user, team_id)
        team = Team.get_by_id(team_id)
        people = list(Member.select().where(Member.team == team_id))
        names = {u.id: u.name for u in User.select().where(
            User.id.in_([m.user for m in people]))}
        return {**described(team, member), "data": sorted(
            ({"user": names[m.user], "role": m.role} for m in people),
            key=lambda m: m["user"])}

    @router.post("/{team_id}/invitations", status_code=201, responses=BAD_INPUT)
    def new_invitation(user: Me, team_id: int, request: Request,
                       body: Annotated[dict[str, Any] | None, Body()] = None) -> dict[str, Any]:
        """An invitation link (owners): `hours` until it expires (72), `uses` (1). The token
        is shown here once."""
        body = body or {}
        row, token = invite(user, team_id, body.get("hours", 72), body.get("uses", 1))
        return {"id": row.id, "token": token, "expires": row.expires, "uses": row.uses_left,
                "url": f"{str(request.base_url).rstrip('/')}/teams/join/{token}"}

    @router.get("/{team_id}/invitations")
    def invitations(user: Me, team_id: int) -> dict[str, Any]:
        owner_of(user, team_id)
        return {"data": [{"id": i.id, "created": i.created, "expires": i.expires,
                          "uses_left": i.uses_left, "revoked": i.revoked}
                         for i in Invitation.select().where(Invitation.team == team_id)]}

    @router.delete("/{team_id}/invitations/{invitation_id}")
    def revoke_invitation(user: Me, team_id: int, invitation_id: int) -> dict[str, Any]:
        owner_of(user, team_id)
        if not Invitation.update(revoked=True).where(
                (Invitation.id == invitation_id) & (Invitation.team == team_id)).execute():
            raise HTTPException(404, "invitation: not found")
        return {"id": invitation_id, "revoked": True}

    @router.post("/join/{token}")
    def join_team(user: Me, token: str) -> dict[str, Any]:
        team, joined = join(user, token)
        return {**described(team, membership(user, team.id)), "joined": joined}

    @router.post("/{team_id}/me", responses=BAD_INPUT)
    def my_membership(user: Me, team_id: int, body: Annotated[dict[str, Any], Body()]
                      ) -> dict[str, Any]:
        """`on_board` (bool): show me on this team's board (and count my time in its
        totals) from the board's next refresh."""
        member = membership(user, team_id)
        value = body.get("on_board")
        if not isinstance(value, bool) or set(body) != {"on_board"}:
            raise HTTPException(400, "on_board: expected true or false (and nothing else)")
        Member.update(on_board=value).where(
            (Member.team == team_id) & (Member.user == user.id)).execute()
        member.on_board = value
        return described(Team.get_by_id(team_id), member)

    @router.delete("/{team_id}/me")
    def leave(user: Me, team_id: int) -> dict[str, Any]:
        member = membership(user, team_id)
        owners = Member.select().where((Member.team == team_id) & (Member.role == "owner"))
        if member.role == "owner" and owners.count() == 1 and \
                Member.select().where(Member.team == team_id).count() > 1:
            raise HTTPException(409, "team: its only owner cannot leave while others remain")
        Member.delete().where((Member.team == team_id) & (Member.user == user.id)).execute()
        return {"id": team_id, "left": True}

    @router.get("/{team_id}/board")
    def board(user: Me, team_id: int,
              language: str | None = Query(None, max_length=128)) -> dict[str, Any]:
        """The team's board as last refreshed (members only): its shown members' totals over
        the last 7 days and their ranks, overall or in one language."""
        membership(user, team_id)
        return board_of(team_id, language)

    return router


def board_of(team_id: int, language: str | None) -> dict[str, Any]:
    return boards.read(boards.team_key(team_id), language)


def global_routes() -> APIRouter:
    router = APIRouter(tags=["leaderboard"])

    @router.get("/api/v1/boards/global")
    def global_board(language: str | None = Query(None, max_length=128)) -> dict[str, Any]:
        """Everyone who opted in (`leaderboard`: public or anonymous), as last refreshed."""
        return boards.read(boards.GLOBAL, language)

    return router
