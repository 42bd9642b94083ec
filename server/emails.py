"""The weekly email: last week's total, top projects and languages, best day, streak,
productivity, and the change from the week before; text and HTML with a bar chart."""

from __future__ import annotations

import html
import smtplib
import ssl
from dataclasses import dataclass
from datetime import date, timedelta
from email.message import EmailMessage
from email.utils import make_msgid

from desktop.engine.api.shapes import duration_parts
from server.chart import bar_chart
from server.config import SmtpConfig
from server.models import User
from server.reports import Reports


@dataclass
class Week:
    first: date
    last: date
    total: float
    previous: float
    days: list[tuple[date, float]]
    projects: list[tuple[str, float]]
    languages: list[tuple[str, float]]
    best_day: tuple[date, float] | None
    streak: int
    pulse: float | None

    @property
    def change(self) -> float | None:
        """Percent change from the week before (None when that week was empty)."""
        return None if not self.previous else 100 * (self.total - self.previous) / self.previous


def week_of(reports: Reports, user: User, last: date) -> Week:
    first = last - timedelta(days=6)
    report = reports.report(user, first - timedelta(days=7), last)
    days = [(first + timedelta(days=i), sum(report.per_day[first + timedelta(days=i)].values()))
            for i in range(7)]
    this_week = [first + timedelta(days=i) for i in range(7)]
    previous = sum(sum(report.per_day[first - timedelta(days=i + 1)].values()) for i in range(7))
    goal = user.daily_goal_minutes * 60
    history = reports.report(user, last - timedelta(days=365), last)
    streak, day = 0, last
    while goal > 0 and day >= history.first and \
            sum(history.per_day[day].values()) >= goal:
        streak, day = streak + 1, day - timedelta(days=1)
    week_only = reports.report(user, first, last)
    best = max(days, key=lambda d: d[1])
    return Week(first, last, sum(s for _, s in days), previous, days,
                reports.by(report, "project", this_week)[:5],
                reports.by(report, "language", this_week)[:5],
                best if best[1] > 0 else None, streak, reports.pulse(week_only))


def _text(seconds: float) -> str:
    return duration_parts(seconds)["text"]


def render(user: User, week: Week) -> tuple[str, str, str]:
    """(subject, text, html with a cid:chart image)."""
    subject = f"Your week in code: {_text(week.total)} ({week.first:%b %-d} - {week.last:%b %-d})"
    change = ("no time the week before" if week.change is None
              else f"{week.change:+.0f}% vs the week before")
    best = (f"{week.best_day[0]:%A %b %-d} ({_text(week.best_day[1])})" if week.best_day
            else "none")
    pulse = "n/a" if week.pulse is None else f"{week.pulse:.0f}/100"
    lines = [f"Hi {user.name},", "", f"Total: {_text(week.total)} ({change})",
             f"Best day: {best}", f"Streak: {week.streak} day(s) meeting your goal",
             f"Productivity: {pulse}", "", "Top projects:"]
    lines += [f"  {name}: {_text(s)}" for name, s in week.projects] or ["  none"]
    lines += ["", "Top languages:"]
    lines += [f"  {name}: {_text(s)}" for name, s in week.languages] or ["  none"]
    lines += ["", "Daily:"] + [f"  {d:%a}: {_text(s)}" for d, s in week.days]
    text = "\n".join(lines) + "\n"
    e = html.escape

    def table(rows: list[tuple[str, float]]) -> str:
        return "".join(f"<tr><td>{e(n)}</td><td>{e(_text(s))}</td></tr>" for n, s in rows) \
            or "<tr><td>none</td></tr>"

    body = (f"<html><body style='font-family:sans-serif'><p>Hi {e(user.name)},</p>"
            f"<h2>{e(_text(week.total))}</h2><p>{e(change)}</p>"
            f"<img src='cid:CHART' alt='time per day' width='420' height='140'>"
            f"<p>Best day: {e(best)}<br>Streak: {week.streak} day(s)<br>"
            f"Productivity: {e(pulse)}</p>"
            f"<h3>Top projects</h3><table>{table(week.projects)}</table>"
            f"<h3>Top languages</h3><table>{table(week.languages)}</table></body></html>")
    return subject, text, body


def build_message(sender: str, user: User, week: Week) -> EmailMessage:
    subject, text, body = render(user, week)
    msg = EmailMessage()
    msg["Subject"], msg["From"], msg["To"] = subject, sender, user.email
    msg.set_content(text)
    cid = make_msgid(domain="timeforged")
    msg.add_alternative(body.replace("cid:CHART", f"cid:{cid[1:-1]}"), subtype="html")
    msg.get_payload()[1].add_related(bar_chart([s for _, s in week.days]), "image", "png",
                                     cid=cid)
    return msg


class EmailError(Exception):
    """The SMTP server could not be used; the message says why and what to change."""


def tls_context(smtp: SmtpConfig) -> ssl.SSLContext:
    """Certificates verified against the system's CAs, or `ca_file`'s; none if not `verify`."""
    try:
        context = ssl.create_default_context(cafile=smtp.ca_file or None)
    except (OSError, ssl.SSLError) as exc:
        raise EmailError(f"smtp.ca_file {smtp.ca_file!r}: cannot be used ({exc})") from None
    if not smtp.verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def send(smtp: SmtpConfig, msg: EmailMessage) -> None:
    """Send over `smtp.security`: STARTTLS, implicit TLS ("ssl") or none; EmailError with
    the fix when TLS or the login fails."""
    where = f"SMTP server {smtp.host}:{smtp.port}"
    context = tls_context(smtp)
    try:
        if smtp.security == "ssl":
            client: smtplib.SMTP = smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=smtp.timeout,
                                                    context=context)
        else:
            client = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout)
        with client:
            if smtp.security == "starttls":
                client.ehlo()
                if not client.has_extn("starttls"):
                    raise EmailError(f"{where} does not offer STARTTLS; use smtp.security = "
                                     f"\"ssl\" if it speaks TLS from the start")
                client.starttls(context=context)
            if smtp.username:
                client.login(smtp.username, smtp.password)
            client.send_message(msg)
    except ssl.SSLCertVerificationError as exc:
        raise EmailError(
            f"{where}: its TLS certificate is not trusted ({exc.verify_message}); set "
            f"smtp.ca_file to the certificate of the CA that signed it (or, not advised, "
            f"smtp.verify = false)") from None
    except ssl.SSLError as exc:
        raise EmailError(f"{where}: TLS failed ({exc.reason or exc}); is smtp.security "
                         f"({smtp.security!r}) what the server speaks on port {smtp.port}?"
                         ) from None
    except smtplib.SMTPAuthenticationError as exc:
        raise EmailError(f"{where} refused the login of {smtp.username!r} "
                         f"({exc.smtp_code})") from None
    except (OSError, smtplib.SMTPException) as exc:
        raise EmailError(f"{where}: {exc}") from None


def send_weekly(smtp: SmtpConfig, reports: Reports, user: User, last: date) -> Week:
    week = week_of(reports, user, last)
    send(smtp, build_message(smtp.sender, user, week))
    return week
