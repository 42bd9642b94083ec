"""The weekly email, sent by the scheduler to a real SMTP server on loopback (aiosmtpd)."""

from __future__ import annotations

import email
import struct
import zlib
from datetime import date, datetime, timedelta
from email import policy
from zoneinfo import ZoneInfo

from aiosmtpd.controller import Controller

from server.config import SmtpConfig
from server.jobs import Scheduler
from server.models import User
from tests.server.conftest import free_port
from tests.server.helpers import Api


class Inbox:
    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


def _beats(day: date, minutes: int, project: str, language: str) -> list[dict]:
    start = datetime(day.year, day.month, day.day, 9, tzinfo=ZoneInfo("UTC")).timestamp()
    return [{"entity": f"/{project}/x", "time": start + i * 60, "project": project,
             "language": language} for i in range(minutes + 1)]


def test_weekly_email_arrives_with_the_numbers(database_url):
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    api = Api(database_url, smtp=SmtpConfig(host="127.0.0.1", port=port, security="none"),
              weekly_email_weekday=0, weekly_email_hour=7)
    try:
        _, headers = api.user("ann", email="ann@example.org", weekly_email=True,
                              daily_goal_minutes=60)
        api.user("bob", email="bob@example.org")  # not opted in
        today = datetime.now(ZoneInfo("UTC")).date()
        monday = today - timedelta(days=today.weekday())
        last_week = monday - timedelta(days=7)
        # Last week: Mon 90 min alpha/Python, Tue 60 min, Wed 120 min beta/Rust (best day);
        # the week before: 100 minutes. Heartbeats older than 366 days are refused, so this
        # stays within range whatever today is.
        plan = [(last_week, 90, "alpha", "Python"), (last_week + timedelta(days=1), 60,
                 "alpha", "Python"), (last_week + timedelta(days=2), 120, "beta", "Rust"),
                (last_week - timedelta(days=3), 100, "alpha", "Python")]
        for day, minutes, project, language in plan:
            r = api.client.post("/api/v1/users/current/heartbeats.bulk", headers=headers,
                                json=_beats(day, minutes, project, language))
            assert r.status_code == 201
        scheduler = Scheduler(api.app.state.tf.history, api.config, api.app.state.tf.reports)
        send_at = datetime(monday.year, monday.month, monday.day, 8,
                           tzinfo=ZoneInfo("UTC")).timestamp()
        assert scheduler.run_due(send_at)["weekly-email"] == 1
        assert scheduler.weekly_emails(send_at + 3600) == 0  # once per week
        assert len(inbox.messages) == 1
        msg = inbox.messages[0]
        assert msg["To"] == "ann@example.org"
        assert "4 hrs 30 mins" in msg["Subject"]
        text = msg.get_body(("plain",)).get_content()
        assert "Total: 4 hrs 30 mins (+170% vs the week before)" in text
        best = last_week + timedelta(days=2)
        assert f"Best day: {best:%A %b %-d} (2 hrs)" in text
        assert "Streak: 0 day(s)" in text  # the goal was met Mon-Wed, not on Sunday
        assert "alpha: 2 hrs 30 mins" in text and "beta: 2 hrs" in text
        assert "Python: 2 hrs 30 mins" in text and "Rust: 2 hrs" in text
        assert "Productivity: " in text
        html = msg.get_body(("html",)).get_content()
        assert "<h2>4 hrs 30 mins</h2>" in html
        images = [p for p in msg.walk() if p.get_content_type() == "image/png"]
        assert len(images) == 1
        png = images[0].get_content()
        assert png.startswith(b"\x89PNG") and html.count("cid:") == 1
        width, height = struct.unpack(">II", png[16:24])
        raw = zlib.decompress(png[png.index(b"IDAT") + 4:png.index(b"IEND") - 8])
        assert len(raw) == height * (1 + 3 * width)
        assert User.get(User.name == "bob").weekly_email is False
    finally:
        controller.stop()
        api.close()
