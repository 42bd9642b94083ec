"""The tables of teams and boards: organizations, their members (role, and whether each
shows on the team's board), invitation links (only the token's SHA-256 is kept), and the
boards as the scheduled job last computed them (`Board`: read by every request)."""

from __future__ import annotations

from peewee import (
    AutoField,
    BooleanField,
    CharField,
    CompositeKey,
    DoubleField,
    IntegerField,
    TextField,
)

from desktop.engine.store.models import BaseModel


class Team(BaseModel):
    id = AutoField()
    name = CharField(max_length=64)
    created = DoubleField()

    class Meta:
        table_name = "team"


class Member(BaseModel):
    team = IntegerField()
    user = IntegerField(index=True)
    role = CharField(max_length=8, default="member")  # owner | member
    on_board = BooleanField(default=False)  # opt-in: shown on (and counted in) the team board
    joined = DoubleField()

    class Meta:
        table_name = "team_member"
        primary_key = CompositeKey("team", "user")


class Invitation(BaseModel):
    id = AutoField()
    team = IntegerField(index=True)
    token_hash = CharField(max_length=64, unique=True)  # sha256 hex of the link's token
    created_by = IntegerField()
    created = DoubleField()
    expires = DoubleField()
    uses_left = IntegerField(default=1)
    revoked = BooleanField(default=False)

    class Meta:
        table_name = "team_invitation"


class Board(BaseModel):
    """One board as last computed: "global" or "team:<id>", its rows as JSON."""

    key = CharField(max_length=32, primary_key=True)
    computed = DoubleField()
    data = TextField()

    class Meta:
        table_name = "board"


MODELS = (Team, Member, Invitation, Board)
