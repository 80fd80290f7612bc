"""E-mail: a real SMTP server (aiosmtpd on 127.0.0.1) receives the report; failures end in the outbox."""

from __future__ import annotations

import email
import email.policy
import io
import shutil
import socket
import threading

import pytest
from openpyxl import load_workbook

from heza.assess.context import period_inputs, prepare
from heza.assess.core import assess_paths
from heza.present.charts import charts
from heza.present.notify import SmtpSettings, build_message, deliver, smtp_settings, subject_line
from heza.present.publication import present_release
from heza.release.publish import publish_period


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Collector:
    """An aiosmtpd handler that keeps what it receives, or refuses every message."""

    def __init__(self, refuse: bool = False):
        self.refuse, self.messages, self.attempts = refuse, [], 0

    async def handle_DATA(self, server, session, envelope):
        self.attempts += 1
        if self.refuse:
            return "554 5.7.1 Message refused"
        self.messages.append(envelope.content)
        return "250 OK"


@pytest.fixture
def smtp_server():
    from aiosmtpd.controller import Controller

    def start(refuse=False):
        handler = Collector(refuse)
        controller = Controller(handler, hostname="127.0.0.1", port=free_port())
        controller.start()
        started.append(controller)
        return controller, handler

    started = []
    yield start
    for controller in started:
        controller.stop()


@pytest.fixture
def published(sample_month, settings):
    raw = settings.raw / "2024-02"
    shutil.move(raw / "doanh_nghiep_NOMURA_2024-02.xlsx", raw / "báo cáo Nomura.xlsx")  # a Vietnamese file name
    ctx = prepare(settings, "2024-02")
    assessment = assess_paths(period_inputs(ctx), ctx)
    folder, report = publish_period(assessment, ctx, present=present_release)
    return folder, report, settings


def smtp_at(port: int, delays=(0.05, 0.05)) -> SmtpSettings:
    return SmtpSettings(host="127.0.0.1", port=port, security="none", sender="heza@localhost",
                        recipients=("thongke@heza.local", "lanhdao@heza.local"), user=None,
                        password="s3cret-do-not-leak", retry_delays=delays, timeout=5)


def message_for(published, smtp):
    folder, report, settings = published
    return build_message(report, folder, folder, charts(report, "vi"), smtp, settings, "vi")


def test_the_report_arrives_with_its_vietnamese_subject_parts_and_attachments(published, smtp_server):
    controller, handler = smtp_server()
    folder, report, settings = published
    settings.email["include_restricted"] = True  # the annotated copies carry Party columns: restricted only
    result = deliver(message_for(published, smtp_at(controller.port)), smtp_at(controller.port),
                     settings.outbox, "heza-2024-02")
    assert result["status"] == "sent" and len(handler.messages) == 1
    received = email.message_from_bytes(handler.messages[0], policy=email.policy.default)
    assert received["Subject"] == "[KKT Hải Phòng] Kiểm tra dữ liệu tháng 02/2024: ĐÃ CÔNG BỐ (có dòng bị giữ lại) · " \
                                  "2 số liệu dự kiến công bố SAI — không dùng; " \
                                  "14 dòng bị giữ lại · 2 số liệu sai · 8 dòng có cảnh báo · " \
                                  "8 cảnh báo chung"  # last month unpublished; 7 public tables with hidden cells
    body = received.get_body(("related", "html", "plain"))
    assert received.get_content_type() == "multipart/mixed"
    alternative = next(p for p in received.iter_parts() if p.get_content_type() == "multipart/alternative")
    assert [p.get_content_type() for p in alternative.iter_parts()] == ["text/plain", "multipart/related"]
    html = received.get_body(("html",)).get_content()
    assert "cid:chart-zones" in html and "Kiểm tra dữ liệu tháng 02/2024" in html and body is not None
    names = {part.get_filename(): part for part in received.iter_attachments()}
    assert {"report.json", "enterprises_giu_lai.csv", "zones_giu_lai.csv"} <= set(names)
    # nobody mistakes an attachment for the published table: held-back rows never carry its name
    published = {f"{t}.{ext}" for t in ("enterprises", "zones") for ext in ("csv", "xlsx")}
    assert not set(names) & published and len(names) == len(list(received.iter_attachments()))
    annotated = names["báo cáo Nomura_kiem_tra.xlsx"]  # a non-ASCII name arrives intact (RFC 2231)
    workbook = load_workbook(io.BytesIO(annotated.get_content()))
    sheet = workbook["Danh sách DN"]
    assert any(cell.comment for row in sheet.iter_rows() for cell in row)
    assert workbook.sheetnames[0] == "Kiểm tra"
    assert "s3cret-do-not-leak" not in handler.messages[0].decode("utf-8", "replace")


def test_a_refusing_server_is_retried_then_the_message_stays_in_the_outbox(published, smtp_server):
    controller, handler = smtp_server(refuse=True)
    folder, report, settings = published
    smtp = smtp_at(controller.port)
    result = deliver(message_for(published, smtp), smtp, settings.outbox, "heza-2024-02")
    assert result["status"] == "failed" and handler.attempts == 3
    assert (settings.outbox / "heza-2024-02.eml").exists()
    assert (settings.processed / "2024-02" / "enterprises.csv").exists()  # the publication stands
    assert "s3cret" not in result["error"]


def test_a_server_that_drops_the_connection_ends_in_the_outbox(published):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]

    def drop():
        for _ in range(3):
            connection, _ = listener.accept()
            connection.close()

    thread = threading.Thread(target=drop, daemon=True)
    thread.start()
    folder, report, settings = published
    result = deliver(message_for(published, smtp_at(port)), smtp_at(port), settings.outbox, "dropped")
    listener.close()
    assert result["status"] == "failed" and (settings.outbox / "dropped.eml").exists()


def test_a_server_that_is_down_ends_in_the_outbox(published):
    folder, report, settings = published
    smtp = smtp_at(free_port(), delays=(0.01,))
    assert deliver(message_for(published, smtp), smtp, settings.outbox, "down")["status"] == "failed"


def test_without_smtp_settings_the_message_is_written_to_the_outbox(published, monkeypatch):
    folder, report, settings = published
    monkeypatch.delenv("HEZA_SMTP_HOST", raising=False)
    assert smtp_settings(settings) is None
    result = deliver(message_for(published, None), None, settings.outbox, "offline")
    saved = email.message_from_bytes((settings.outbox / "offline.eml").read_bytes(), policy=email.policy.default)
    assert result["status"] == "outbox" and "02/2024" in saved["Subject"]


def test_smtp_settings_come_from_the_environment(settings, monkeypatch):
    for name, value in {"HEZA_SMTP_HOST": "mail.heza.local", "HEZA_SMTP_PORT": "2525", "HEZA_SMTP_SECURITY": "ssl",
                        "HEZA_SMTP_USER": "bot", "HEZA_SMTP_PASSWORD": "pw", "HEZA_MAIL_FROM": "bot@heza.local",
                        "HEZA_REPORT_TO": "a@heza.local, b@heza.local"}.items():
        monkeypatch.setenv(name, value)
    smtp = smtp_settings(settings)
    assert (smtp.host, smtp.port, smtp.security, smtp.recipients) == ("mail.heza.local", 2525, "ssl",
                                                                      ("a@heza.local", "b@heza.local"))
    assert "pw" not in repr(smtp)


def test_names_cannot_inject_headers_into_the_subject():
    report = {"period": "2024-02", "status": "published", "summary": {"error": 1, "warning": 0},
              "tally": {"rows_held_back": 1}}
    subject = subject_line(report, "[KKT]\r\nBcc: attacker@example.com", "vi")
    assert "\n" not in subject and "\r" not in subject


def test_attachments_past_the_size_cap_are_linked_instead(published):
    folder, report, settings = published
    settings.email["max_attachments_mb"] = 0
    message = build_message(report, folder, folder, {}, None, settings, "vi")
    assert not list(message.iter_attachments())
    assert "report.json" in message.get_body(("plain",)).get_content()
