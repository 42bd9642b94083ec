"""The weekly email, sent by the scheduler to a real SMTP server on loopback (aiosmtpd): in
the clear, over STARTTLS and over implicit TLS with a certificate made here, and the clear
errors when the certificate is not trusted or the server speaks something else."""

from __future__ import annotations

import email
import ipaddress
import ssl
import struct
import zlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from email import policy
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from server.config import SmtpConfig, load_server_config
from server.emails import EmailError, tls_context
from server.jobs import Scheduler
from server.models import User
from tests.server.conftest import free_port
from tests.server.helpers import Api


class Inbox:
    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.tls: list[bool] = []  # whether each message came over TLS
        self.logins: list[bool] = []  # and after a successful AUTH

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        self.tls.append(server.transport.get_extra_info("ssl_object") is not None)
        self.logins.append(bool(session.authenticated))
        return "250 OK"


def _beats(day: date, minutes: int, project: str, language: str) -> list[dict]:
    start = datetime(day.year, day.month, day.day, 9, tzinfo=ZoneInfo("UTC")).timestamp()
    return [{"entity": f"/{project}/x", "time": start + i * 60, "project": project,
             "language": language} for i in range(minutes + 1)]


def _seed_weeks(api: Api, headers: dict[str, str]) -> date:
    """Last week: Mon 90 min alpha/Python, Tue 60 min, Wed 120 min beta/Rust (best day);
    the week before: 100 minutes. Heartbeats older than 366 days are refused, so this stays
    within range whatever today is. Returns this week's Monday."""
    today = datetime.now(ZoneInfo("UTC")).date()
    monday = today - timedelta(days=today.weekday())
    last_week = monday - timedelta(days=7)
    plan = [(last_week, 90, "alpha", "Python"), (last_week + timedelta(days=1), 60,
             "alpha", "Python"), (last_week + timedelta(days=2), 120, "beta", "Rust"),
            (last_week - timedelta(days=3), 100, "alpha", "Python")]
    for day, minutes, project, language in plan:
        r = api.client.post("/api/v1/users/current/heartbeats.bulk", headers=headers,
                            json=_beats(day, minutes, project, language))
        assert r.status_code == 201
    return monday


def _monday_8am(monday: date) -> float:
    return datetime(monday.year, monday.month, monday.day, 8, tzinfo=ZoneInfo("UTC")).timestamp()


def _check_text(msg: email.message.EmailMessage, monday: date) -> None:
    assert msg["To"] == "ann@example.org"
    assert "4 hrs 30 mins" in msg["Subject"]
    text = msg.get_body(("plain",)).get_content()
    assert "Total: 4 hrs 30 mins (+170% vs the week before)" in text
    best = monday - timedelta(days=5)
    assert f"Best day: {best:%A %b %-d} (2 hrs)" in text
    assert "Streak: 0 day(s)" in text  # the goal was met Mon-Wed, not on Sunday
    assert "alpha: 2 hrs 30 mins" in text and "beta: 2 hrs" in text
    assert "Python: 2 hrs 30 mins" in text and "Rust: 2 hrs" in text
    assert "Productivity: " in text


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
        monday = _seed_weeks(api, headers)
        scheduler = Scheduler(api.app.state.tf.history, api.config, api.app.state.tf.reports)
        send_at = _monday_8am(monday)
        assert scheduler.run_due(send_at)["weekly-email"] == 1
        assert scheduler.weekly_emails(send_at + 3600) == 0  # once per week
        assert len(inbox.messages) == 1 and inbox.tls == [False]
        msg = inbox.messages[0]
        _check_text(msg, monday)
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


# -- over TLS: STARTTLS and implicit TLS, with a certificate made here -----------------------


@dataclass
class Certs:
    ca: Path  # the private CA's certificate (PEM): what smtp.ca_file points at
    cert: Path  # the server's, signed by that CA, for 127.0.0.1 and localhost
    key: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert, self.key)
        return context


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


@pytest.fixture(scope="module")
def certs(tmp_path_factory) -> Certs:
    """A private CA and a server certificate it signed (cryptography, nothing downloaded)."""
    folder = tmp_path_factory.mktemp("certs")
    now = datetime.now(ZoneInfo("UTC"))
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (x509.CertificateBuilder().subject_name(_name("TimeForged test CA"))
          .issuer_name(_name("TimeForged test CA")).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number())
          .not_valid_before(now - timedelta(hours=1)).not_valid_after(now + timedelta(days=2))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True,
                                       crl_sign=True, content_commitment=False,
                                       key_encipherment=False, data_encipherment=False,
                                       key_agreement=False, encipher_only=False,
                                       decipher_only=False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()),
                         critical=False)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder().subject_name(_name("localhost")).issuer_name(ca.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(hours=1)).not_valid_after(now + timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([
                x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                critical=False)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]),
                           critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    out = Certs(folder / "ca.pem", folder / "server.pem", folder / "server.key")
    out.ca.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    out.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    out.key.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                          serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    return out


def _password(server, session, envelope, mechanism, auth_data) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and \
        (auth_data.login, auth_data.password) == (b"ann-mailer", b"s3cret")
    return AuthResult(success=ok)


def _weekly_over(tmp_path, smtp: SmtpConfig) -> tuple[Scheduler, float, date]:
    api = Api(f"sqlite:///{tmp_path}/server.sqlite3", smtp=smtp, weekly_email_weekday=0,
              weekly_email_hour=7)
    _, headers = api.user("ann", email="ann@example.org", weekly_email=True,
                          daily_goal_minutes=60)
    monday = _seed_weeks(api, headers)
    scheduler = Scheduler(api.app.state.tf.history, api.config, api.app.state.tf.reports)
    return scheduler, _monday_8am(monday), monday


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_weekly_email_over_tls(tmp_path, certs, security):
    """STARTTLS (the server insists on it, and on TLS before AUTH) and implicit TLS, the
    certificate checked against smtp.ca_file, with a login."""
    inbox = Inbox()
    port = free_port()
    tls = ({"tls_context": certs.server_context(), "require_starttls": True}
           if security == "starttls" else {"ssl_context": certs.server_context()})
    # aiosmtpd only counts STARTTLS as TLS for AUTH; on an implicit TLS port all is TLS.
    controller = Controller(inbox, hostname="127.0.0.1", port=port, authenticator=_password,
                            auth_require_tls=security == "starttls", **tls)
    controller.start()
    smtp = SmtpConfig(host="127.0.0.1", port=port, security=security, ca_file=str(certs.ca),
                      username="ann-mailer", password="s3cret", timeout=10)
    try:
        scheduler, send_at, monday = _weekly_over(tmp_path, smtp)
        assert scheduler.weekly_emails(send_at) == 1
        assert len(inbox.messages) == 1 and inbox.tls == [True] and inbox.logins == [True]
        _check_text(inbox.messages[0], monday)
    finally:
        controller.stop()


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_untrusted_certificate_is_a_clear_error(tmp_path, certs, security):
    inbox = Inbox()
    port = free_port()
    tls = ({"tls_context": certs.server_context(), "require_starttls": True}
           if security == "starttls" else {"ssl_context": certs.server_context()})
    controller = Controller(inbox, hostname="127.0.0.1", port=port, **tls)
    controller.start()
    try:
        # Verification is on by default: the system's CAs do not know this one.
        assert SmtpConfig().verify is True
        scheduler, send_at, monday = _weekly_over(
            tmp_path, SmtpConfig(host="127.0.0.1", port=port, security=security, timeout=10))
        with pytest.raises(EmailError) as failed:
            scheduler.weekly_emails(send_at)
        message = str(failed.value)
        assert f"SMTP server 127.0.0.1:{port}: its TLS certificate is not trusted" in message
        assert "unable to get local issuer certificate" in message
        assert "set smtp.ca_file" in message and "smtp.verify = false" in message
        assert inbox.messages == []

        # Not recorded as sent: once the user chooses not to verify, it goes out
        # (encrypted, the server unauthenticated).
        scheduler.config.smtp.verify = False
        assert scheduler.weekly_emails(send_at + 120) == 1
        assert len(inbox.messages) == 1 and inbox.tls == [True]
        _check_text(inbox.messages[0], monday)
    finally:
        controller.stop()


def test_tls_settings_from_file_and_environment(tmp_path):
    path = tmp_path / "server.toml"
    path.write_text('[smtp]\nhost = "mail.example.org"\nport = 465\nsecurity = "ssl"\n'
                    'ca_file = "/etc/ssl/private-ca.pem"\n')
    config = load_server_config(path, environ={})
    assert (config.smtp.security, config.smtp.ca_file, config.smtp.verify) == (
        "ssl", "/etc/ssl/private-ca.pem", True)
    config = load_server_config(path, environ={"TIMEFORGED_SERVER_SMTP_VERIFY": "false"})
    assert config.smtp.verify is False
    with pytest.raises(EmailError, match=r"smtp\.ca_file"):
        tls_context(SmtpConfig(ca_file=str(tmp_path / "missing.pem")))


def test_plain_server_with_starttls_configured(tmp_path):
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)  # no TLS at all
    controller.start()
    try:
        scheduler, send_at, _ = _weekly_over(
            tmp_path, SmtpConfig(host="127.0.0.1", port=port, security="starttls", timeout=10))
        with pytest.raises(EmailError, match="does not offer STARTTLS"):
            scheduler.weekly_emails(send_at)
        scheduler.config.smtp.security = "ssl"
        with pytest.raises(EmailError, match="TLS failed"):
            scheduler.weekly_emails(send_at)
        assert inbox.messages == []
    finally:
        controller.stop()
