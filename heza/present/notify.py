"""E-mail the validation report to staff: HTML with a plain-text alternative, charts inline,
report.json, quarantine CSVs and annotated workbooks attached (up to a size cap, then linked).

Every message is first written to the outbox as an .eml file; when an SMTP server is configured
it is sent (with retries and backoff) and moved to outbox/sent/. A message that cannot be sent
stays in the outbox; the publication is never undone. Secrets come from the environment only
and are never logged or written anywhere.
"""

from __future__ import annotations

import mimetypes
import os
import re
import smtplib
import ssl
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from heza.config import Settings
from heza.present.report import period_label, render_html, render_text
from heza.present.words import SUBJECT, TOO_LARGE_TO_ATTACH, pick, report_headline, tally_line
from heza.release.tiers import redact_report

SECURITY = ("none", "starttls", "ssl")
_UNSAFE_HEADER = re.compile(r"[\r\n\x00-\x1f\x7f]+")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class SendError(RuntimeError):
    """Raised when a message could not be delivered after every retry."""


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to send; the password never appears in repr, logs or reports."""

    host: str
    port: int
    security: str
    sender: str
    recipients: tuple
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    retry_delays: tuple = (2.0, 10.0, 30.0)
    timeout: float = 30.0


def _env(name: str, default=None):
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def smtp_settings(settings: Settings) -> SmtpSettings | None:
    """HEZA_SMTP_* variables first, then heza.toml's [email]; None when no server is configured."""
    email = settings.email
    host = _env("HEZA_SMTP_HOST", email.get("smtp_host") or None)
    recipients = _env("HEZA_REPORT_TO")
    recipients = [r.strip() for r in recipients.split(",")] if recipients else list(email.get("to", []))
    if not host or not recipients:
        return None
    security = _env("HEZA_SMTP_SECURITY", email.get("smtp_security", "starttls")).lower()
    if security not in SECURITY:
        raise ValueError(f"HEZA_SMTP_SECURITY must be one of {SECURITY}, got {security!r}")
    default_port = {"none": 25, "starttls": 587, "ssl": 465}[security]
    return SmtpSettings(
        host=host, port=int(_env("HEZA_SMTP_PORT", email.get("smtp_port", default_port))), security=security,
        sender=_env("HEZA_MAIL_FROM", email.get("from", "heza-pipeline@localhost")),
        recipients=tuple(r for r in recipients if r), user=_env("HEZA_SMTP_USER"),
        password=_env("HEZA_SMTP_PASSWORD"),
        retry_delays=tuple(float(d) for d in email.get("retry_delays", (2, 10, 30))),
        timeout=float(email.get("timeout_seconds", 30)),
    )


def subject_line(report: dict, prefix: str, lang: str = "vi") -> str:
    """'[KKT Hải Phòng] Kiểm tra dữ liệu tháng 02/2024: CÔNG BỐ THIẾU: chưa có số liệu của KCN Đồ Sơn
    ; 14 dòng bị giữ lại · 2 số liệu sai · 8 dòng có cảnh báo': the report's headline first, then
    what needs doing, counted in rows and figures as the page counts them (no line breaks)."""
    counts = tally_line(lang, report["tally"])
    text = pick(lang, SUBJECT).format(prefix=prefix, period=period_label(report["period"]),
                                      headline=report_headline(report, lang), counts=counts)
    return safe_header(text)


def safe_header(text: str) -> str:
    """A header value on one line: names submitted with line breaks cannot add a header."""
    return _UNSAFE_HEADER.sub(" ", text).strip()


def choose_attachments(folder: Path, cap_bytes: int, include_restricted: bool = False) -> tuple[list, list]:
    """(attached, linked): report.json first, then indicators, quarantine CSVs, annotated workbooks,
    each attached while the total stays under the cap; the rest are linked by path. Without
    `include_restricted` they come from the internal tier (no Party membership or militia per
    enterprise), and the annotated workbooks, copies of what enterprises submitted, stay out."""
    folder = Path(folder)
    tier = folder / ("restricted" if include_restricted else "internal")
    candidates = [(folder if include_restricted else tier) / "report.json", tier / "indicators.csv",
                  *sorted((tier / "quarantine").glob("*.csv")),
                  *(sorted((folder / "annotated").glob("*.xls*")) if include_restricted else [])]
    attached, linked, total = [], [], 0
    for path in (p for p in candidates if p.exists()):
        size = path.stat().st_size
        if total + size <= cap_bytes:
            attached.append(path)
            total += size
        else:
            linked.append(path)
    return attached, linked


def build_message(report: dict, folder: Path, shown_folder, pngs: dict, smtp: SmtpSettings | None,
                  settings: Settings, lang: str = "vi") -> EmailMessage:
    """The report as a multipart/alternative message with inline charts and attachments."""
    cap = int(float(settings.email.get("max_attachments_mb", 10)) * 1024 * 1024)
    include_restricted = bool(settings.email.get("include_restricted", False))
    report = report if include_restricted else redact_report(report)
    attached, linked = choose_attachments(folder, cap, include_restricted)
    text = render_text(report, shown_folder, lang)
    if linked:
        note = pick(lang, TOO_LARGE_TO_ATTACH)
        text += "\n" + note + "\n" + "\n".join(f"- {p}" for p in linked) + "\n"
    html = render_html(report, shown_folder, lang, {name: f"cid:chart-{name}" for name in pngs})
    if linked:
        items = "".join(f"<li>{_escape(str(p))}</li>" for p in linked)
        html = html.replace("</body>", f"<div style='max-width:1000px;margin:0 auto;padding:0 20px'><p>"
                                       f"{_escape(note)}</p><ul>{items}</ul></div></body>")
    message = EmailMessage()
    message["Subject"] = subject_line(report, settings.email.get("subject_prefix", "[KKT Hải Phòng]"), lang)
    message["From"] = smtp.sender if smtp else settings.email.get("from", "heza-pipeline@localhost")
    recipients = smtp.recipients if smtp else tuple(settings.email.get("to", [])) or ("staff@localhost",)
    message["To"] = ", ".join(recipients)
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain="heza.local")
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    html_part = message.get_payload()[1]
    for name, data in pngs.items():
        html_part.add_related(data, "image", "png", cid=f"<chart-{name}>", filename=f"{name}.png",
                              disposition="inline")
    for path in attached:
        kind = XLSX if path.suffix == ".xlsx" else mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if path.suffix == ".json":
            kind = "application/json"
        maintype, subtype = kind.split("/", 1)
        message.add_attachment(path.read_bytes(), maintype=maintype, subtype=subtype,
                               filename=safe_filename(path.name))
    return message


def safe_filename(name: str) -> str:
    """An attachment name without line breaks or other control characters: a submitted file named
    with one must not stop the e-mail (Python refuses such a header) nor add a header."""
    return _UNSAFE_HEADER.sub("_", name).strip() or "attachment"


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def write_outbox(message: EmailMessage, outbox: Path, name: str) -> Path:
    """Keep the message as an .eml file that any mail client opens."""
    outbox = Path(outbox)
    outbox.mkdir(parents=True, exist_ok=True)
    path = outbox / f"{name}.eml"
    path.write_bytes(bytes(message))
    return path


def send_message(message: EmailMessage, smtp: SmtpSettings, sleep=time.sleep) -> int:
    """Send with retries and backoff; returns the attempts used, or raises SendError."""
    delays = list(smtp.retry_delays)
    last_error = None
    for attempt in range(1, len(delays) + 2):
        try:
            _send_once(message, smtp)
            return attempt
        except (OSError, smtplib.SMTPException) as exc:  # refused, dropped, timed out, rejected
            last_error = f"{type(exc).__name__}: {exc}"
            if attempt <= len(delays):
                sleep(delays[attempt - 1])
    raise SendError(f"{smtp.host}:{smtp.port}: {last_error}")


def _send_once(message: EmailMessage, smtp: SmtpSettings) -> None:
    context = ssl.create_default_context()
    if smtp.security == "ssl":
        client = smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=smtp.timeout, context=context)
    else:
        client = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout)
    with client:
        if smtp.security == "starttls":
            client.starttls(context=context)
        if smtp.user:
            client.login(smtp.user, smtp.password or "")
        client.send_message(message, from_addr=smtp.sender, to_addrs=list(smtp.recipients))


def deliver(message: EmailMessage, smtp: SmtpSettings | None, outbox: Path, name: str,
            sleep=time.sleep) -> dict:
    """Write to the outbox, then send if a server is configured. Never raises for a send failure nor
    for an outbox that cannot be written (full disk, read-only folder): the publication stands and
    the result says so (status "not_kept" when the message is neither written nor sent)."""
    try:
        path = write_outbox(message, outbox, name)
    except OSError as exc:
        path = None
        outbox_error = (f"{exc.filename or outbox}: {exc.strerror or exc}")
    if path is None:
        kept = {"path": str(Path(outbox) / f"{name}.eml"), "outbox_error": outbox_error}
        if smtp is None:
            return {"status": "not_kept", **kept}
        try:
            attempts = send_message(message, smtp, sleep)
        except SendError as exc:
            return {"status": "not_kept", **kept, "error": str(exc)}
        return {"status": "sent", **kept, "attempts": attempts, "to": list(smtp.recipients)}
    if smtp is None:
        return {"status": "outbox", "path": str(path)}
    try:
        attempts = send_message(message, smtp, sleep)
    except SendError as exc:
        return {"status": "failed", "path": str(path), "error": str(exc)}
    try:
        sent = Path(outbox) / "sent"
        sent.mkdir(parents=True, exist_ok=True)
        final = sent / path.name
        os.replace(path, final)
    except OSError:
        final = path  # sent; it only stays where it was written
    return {"status": "sent", "path": str(final), "attempts": attempts, "to": list(smtp.recipients)}
