"""Each zone gets its own letter: a real SMTP server (aiosmtpd on 127.0.0.1) receives one message per
zone with an address, holding only that zone's marked copies and findings; a zone without an address
and a file of several zones are listed for staff; with send_to_submitters = false no zone gets mail."""

from __future__ import annotations

import email
import email.policy
import io
import json
import re

import pytest
from openpyxl import load_workbook

from heza.assess.context import period_inputs, prepare
from heza.assess.core import assess_paths
from heza.ingest.reference import ReferenceDataError, load_submitters, load_zone_registry
from heza.present.notify import SmtpSettings, build_message
from heza.present.publication import present_release
from heza.present.zone_letters import send_zone_letters
from heza.release.publish import publish_period
from tests.scratch import REFERENCE
from tests.test_notify import free_port

STAFF = "thongke@heza.local"


class Recorder:
    """An aiosmtpd handler that keeps each message with the addresses it was delivered to."""

    def __init__(self):
        self.received = []

    async def handle_DATA(self, server, session, envelope):
        self.received.append((tuple(envelope.rcpt_tos), envelope.content))
        return "250 OK"


@pytest.fixture
def mail_server():
    from aiosmtpd.controller import Controller

    recorder = Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller.port, recorder
    controller.stop()


@pytest.fixture
def month(sample_month, settings):
    """February published with letters on; the assessment kept to know every zone's rows."""
    settings.email["send_to_submitters"] = True
    ctx = prepare(settings, "2024-02")
    assessment = assess_paths(period_inputs(ctx), ctx)
    folder, report = publish_period(assessment, ctx, present=present_release)
    return ctx, assessment, folder, report


def smtp_at(port: int) -> SmtpSettings:
    return SmtpSettings(host="127.0.0.1", port=port, security="none", sender="heza@heza.local",
                        recipients=(STAFF,), retry_delays=(0.05,), timeout=5)


def letters_sent(month, port: int) -> dict:
    """The month's report after its zone letters went to the local SMTP server on `port`."""
    ctx, _, folder, report = month
    return send_zone_letters(report, folder, ctx.settings, ctx.submitters, ctx.registry.names, smtp_at(port),
                             ctx.run_id)


def readable(content: bytes) -> str:
    """Everything a zone reads in a message: the text and every cell and comment of each attachment."""
    message = email.message_from_bytes(content, policy=email.policy.default)
    texts = [message["Subject"], message.get_body(("plain",)).get_content()]
    for part in message.iter_attachments():
        for sheet in load_workbook(io.BytesIO(part.get_content())).worksheets:
            texts += [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
            texts += [c.comment.text for row in sheet.iter_rows() for c in row if c.comment]
    return "\n".join(texts)


def test_each_zone_receives_exactly_its_own_workbooks_and_no_other_zones_rows(month, mail_server):
    ctx, assessment, folder, report = month
    port, recorder = mail_server
    report = letters_sent(month, port)
    plan = report["letters"]
    outputs = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["outputs"]
    own_copies: dict = {}
    for output in outputs:
        if output.get("zones") and len(output["zones"]) == 1:
            own_copies.setdefault(output["zones"][0], set()).add(output["file"].split("/")[-1])
    addresses = ctx.submitters.groupby("zone_code")["email"].apply(frozenset).to_dict()
    rows = assessment.tables["enterprises"].typed[["zone_code", "tax_code"]].dropna().astype(str)
    codes = rows.groupby("zone_code")["tax_code"].apply(set).to_dict()
    expected = {zone for zone in own_copies if zone in addresses}
    assert len(recorder.received) == len(expected) >= 10
    seen = set()
    for recipients, content in recorder.received:
        [zone] = [z for z in expected if addresses[z] == frozenset(recipients)]
        seen.add(zone)
        message = email.message_from_bytes(content, policy=email.policy.default)
        assert {p.get_filename() for p in message.iter_attachments()} == own_copies[zone]
        text = readable(content)
        foreign = set().union(*(c for z, c in codes.items() if z != zone)) - codes.get(zone, set())
        assert not [code for code in foreign if re.search(rf"(?<!\d){code}(?!\d)", text)], zone
        assert message["Subject"].startswith("[KKT Hải Phòng] Kết quả kiểm tra số liệu tháng 02/2024")
        assert "Kính gửi" in text and text.index("Kính gửi") < text.index("Dear")  # Vietnamese first
    assert seen == expected
    assert {e["zone"]: e["status"] for e in plan if e["zone"] in expected} == {z: "sent" for z in expected}


def test_a_zone_without_contact_and_a_file_of_several_zones_are_listed_for_staff(month, mail_server):
    ctx, assessment, folder, report = month
    port, recorder = mail_server
    report = letters_sent(month, port)
    plan = report["letters"]
    [xuancau] = [e for e in plan if e["zone"] == "XUANCAU"]  # the sample registry has no address for it
    assert xuancau["status"] == "no_contact" and xuancau["files"]
    [mixed] = [e for e in plan if e["status"] == "mixed"]  # TRANGDUE3's list also holds rows of another zone
    assert mixed["files"] == ["annotated/doanh_nghiep_TRANGDUE3_2024-02_kiem_tra.xlsx"]
    sent_files = {p.get_filename() for _, content in recorder.received
                  for p in email.message_from_bytes(content, policy=email.policy.default).iter_attachments()}
    assert "doanh_nghiep_TRANGDUE3_2024-02_kiem_tra.xlsx" not in sent_files
    assert json.loads((folder / "report.json").read_text(encoding="utf-8"))["letters"] == plan
    page = (folder / "report.html").read_text(encoding="utf-8")
    assert "Thư gửi các khu" in page and "thongke.nomura@example.org" in page
    staff = build_message(report, folder, folder, {}, smtp_at(port), ctx.settings, "vi")
    text = staff.get_body(("plain",)).get_content()
    assert "Thư gửi các khu" in text
    assert "KCN và khu phi thuế quan Xuân Cầu (XUANCAU): doanh_nghiep_XUANCAU_2024-02_kiem_tra.xlsx: chưa có địa " \
           "chỉ trong submitters.csv" in text
    assert "KCN Nomura - Hải Phòng (NOMURA) → thongke.nomura@example.org: doanh_nghiep_NOMURA_2024-02_kiem_tra.xlsx: " \
           "đã gửi" in text
    assert "doanh_nghiep_TRANGDUE3_2024-02_kiem_tra.xlsx: tệp có dòng của nhiều khu" in text


def test_addresses_stay_out_of_the_published_csvs(month, mail_server):
    ctx, assessment, folder, report = month
    letters_sent(month, mail_server[0])
    published = "".join(p.read_text(encoding="utf-8") for p in folder.rglob("*.csv"))
    assert published and not [a for a in ctx.submitters["email"] if a in published]


@pytest.mark.parametrize("row, problem", [
    ("NOPE,Chị Lan,lan@example.org", "dòng 3, cột zone_code = 'NOPE'"),
    ("VSIP,Chị Lan,lan@example", "dòng 3, cột email = 'lan@example'"),
    ("VSIP,Chị Lan,\"a@example.org, b@example.org\"", "dòng 3, cột email"),
    ("VSIP,,lan@example.org", "dòng 3, cột name"),
    ("NOMURA,Lặp lại,a@example.org", "dòng 3, cột email = 'a@example.org': địa chỉ thư lặp lại"),
])
def test_a_bad_submitter_row_names_the_file_and_row(tmp_path, row, problem):
    reference = tmp_path / "reference"
    reference.mkdir()
    (reference / "submitters.csv").write_text(f"zone_code,name,email\nNOMURA,A,a@example.org\n{row}\n",
                                              encoding="utf-8")
    with pytest.raises(ReferenceDataError) as raised:
        load_submitters(reference, load_zone_registry(REFERENCE).codes)
    assert "submitters.csv" in str(raised.value) and problem in str(raised.value)


@pytest.mark.parametrize("send", [False, True])
def test_the_monthly_flow_writes_to_zones_only_when_asked(prefect_api, sample_month, mail_server, monkeypatch,
                                                          send):
    from flows.monthly import monthly_pipeline

    port, recorder = mail_server
    for name, value in {"HEZA_SMTP_HOST": "127.0.0.1", "HEZA_SMTP_PORT": str(port), "HEZA_SMTP_SECURITY": "none",
                        "HEZA_REPORT_TO": STAFF, "HEZA_EMAIL_RETRY_DELAYS": "0.05",
                        "HEZA_EMAIL_SEND_TO_SUBMITTERS": str(send).lower()}.items():
        monkeypatch.setenv(name, value)
    outcome = monthly_pipeline(period="2024-02")
    staff = [content for recipients, content in recorder.received if recipients == (STAFF,)]
    zones = [recipients for recipients, _ in recorder.received if recipients != (STAFF,)]
    assert len(staff) == 1 and outcome["email"]["status"] == "sent"
    staff_text = email.message_from_bytes(staff[0], policy=email.policy.default).get_body(("plain",)).get_content()
    if send:
        assert len(zones) == sum(e["status"] == "sent" for e in outcome["letters"]) >= 10
        assert "Thư gửi các khu" in staff_text and "thongke.nomura@example.org" in staff_text
    else:
        assert zones == [] and outcome["letters"] is None and "letters" not in json.loads(
            (sample_month / "processed" / "2024-02" / "report.json").read_text(encoding="utf-8")) and "Thư gửi các khu" not in staff_text
