"""`heza web` as its guards promise: each zone logs in with its own code (kept hashed), sees and
submits only its own, every form needs the session's CSRF token, a changed cookie is no session,
uploads are judged by content, size and reading time with the reader's limits, everything shown
is escaped, no response shows a stack trace, no client path reaches the disk; and submissions are
versions the monthly run reads one of. Real app (Starlette's TestClient), real check in a child
process, real files from the sample month."""

from __future__ import annotations

import base64
import json
import re
import stat

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from starlette.testclient import TestClient

from heza.assess.context import period_inputs, prepare
from heza.assess.core import assess_paths
from heza.cli import main
from heza.config import ConfigError, load_settings
from heza.web.app import COOKIE, create_app
from heza.web.auth import STAFF, codes_file, set_code, state_folder

VSIP_FILE = "doanh_nghiep_VSIP_2024-02.xlsx"
CODES = {"VSIP": "ma-vsip-1", "DOSON": "ma-doson-2", "TIENTHANH": "ma-tien-3", STAFF: "ma-can-bo-4"}


@pytest.fixture
def app(sample_month):
    settings = load_settings()
    for account, code in CODES.items():
        set_code(settings, account, code)
    return create_app(settings)


def _client(app) -> TestClient:
    return TestClient(app, raise_server_exceptions=False)


def _csrf(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def _login(client: TestClient, account: str, code: str | None = None):
    token = _csrf(client.get("/").text)
    return client.post("/dang-nhap", data={"csrf": token, "account": account, "code": code or CODES[account]})


def _vsip_logged_in() -> TestClient:
    """A client logged in as VSIP on an app built from the settings as the test's environment sets them."""
    settings = load_settings()
    set_code(settings, "VSIP", CODES["VSIP"])
    client = _client(create_app(settings))
    _login(client, "VSIP")
    return client


def _upload(client: TestClient, content: bytes, name: str, period: str = "2024-02"):
    token = _csrf(client.get(f"/kiem-tra?ky={period}").text)
    return client.post("/kiem-tra", data={"csrf": token, "period": period},
                       files={"file": (name, content, "application/octet-stream")})


def _vsip_bytes(project) -> bytes:
    return (project / "raw" / "2024-02" / VSIP_FILE).read_bytes()


def _submit(client: TestClient, result):
    return client.post(f"{result.url.path}/nop", data={"csrf": _csrf(result.text)})


def test_a_zone_logs_in_only_with_its_own_code(app):
    client = _client(app)
    wrong = _login(client, "VSIP", "doan-bua")
    assert wrong.status_code == 401 and "Mã truy cập không đúng" in wrong.text
    assert _login(client, "VSIP", CODES["DOSON"]).status_code == 401  # another zone's code
    assert _login(client, "NOMURA", CODES["VSIP"]).status_code == 401  # a zone with no code yet
    right = _login(client, "VSIP")
    assert right.status_code == 200 and "Kiểm tra tệp báo cáo của KCN VSIP Hải Phòng" in right.text


def test_codes_are_kept_only_as_salted_hashes_that_only_the_owner_reads(app, project):
    settings = load_settings()
    set_code(settings, "NOMURA", CODES["VSIP"])  # the same code for two zones: different hashes
    text = codes_file(settings).read_text(encoding="utf-8")
    assert not any(code in text for code in CODES.values())
    stored = json.loads(text)
    assert stored["NOMURA"]["salt"] != stored["VSIP"]["salt"] and stored["NOMURA"]["scrypt"] != stored["VSIP"]["scrypt"]
    for path in (codes_file(settings), state_folder(settings) / "khoa_phien.txt"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_a_form_without_the_sessions_csrf_token_is_refused(app):
    client = _client(app)
    client.get("/")
    forged = client.post("/dang-nhap", data={"csrf": "doan-bua", "account": "VSIP", "code": CODES["VSIP"]})
    assert forged.status_code == 403 and "Phiên làm việc đã hết hạn" in forged.text
    assert _login(client, "VSIP").status_code == 200
    upload = client.post("/kiem-tra", data={"period": "2024-02"}, files={"file": ("a.xlsx", b"x", "text/plain")})
    assert upload.status_code == 403
    assert client.post("/dang-xuat", data={}).status_code == 403


def test_a_changed_session_cookie_is_no_session(app):
    client = _client(app)
    _login(client, "VSIP")
    body, mac = client.cookies[COOKIE].rsplit(".", 1)
    session = json.loads(base64.urlsafe_b64decode(body))
    session["account"] = "DOSON"
    changed = base64.urlsafe_b64encode(json.dumps(session, sort_keys=True).encode()).decode()
    client.cookies.set(COOKIE, f"{changed}.{mac}")
    page = client.get("/kiem-tra", follow_redirects=False)
    assert page.status_code == 403 and "Đồ Sơn" not in page.text


def test_a_zone_sees_and_submits_only_its_own(app, project):
    vsip, doson = _client(app), _client(app)
    _login(vsip, "VSIP")
    result = _upload(vsip, _vsip_bytes(project), "bao cao VSIP.xlsx")
    assert result.status_code == 200
    _login(doson, "DOSON")
    csrf = _csrf(doson.get("/kiem-tra").text)
    for response in (doson.get(result.url.path), doson.get(f"{result.url.path}/thu"),
                     doson.post(f"{result.url.path}/nop", data={"csrf": csrf})):
        assert response.status_code == 404 and "Không tìm thấy" in response.text
    theirs = _upload(doson, _vsip_bytes(project), "VSIP.xlsx")  # another zone's rows
    assert "Tệp có số liệu của khu khác (KCN VSIP Hải Phòng)" in theirs.text
    assert _submit(doson, theirs).status_code == 409
    assert not (project / "raw" / "2024-02" / "nop_qua_web_DOSON").exists()
    assert _login(_client(app), STAFF).status_code == 200
    assert doson.get("/can-bo").status_code == 403  # a zone does not see the staff page


def test_a_text_file_named_xlsx_is_refused_by_its_content(app, project):
    client = _client(app)
    _login(client, "VSIP")
    refused = _upload(client, "Mã số thuế;Tên\n0200090064;A\n".encode("utf-16-le") * 3 + b"\x00\x01" * 50, "bao_cao.xlsx")
    assert refused.status_code == 415
    assert "không phải bảng tính Excel" in refused.text and "bao_cao.xlsx" in refused.text
    assert not any((state_folder(load_settings()) / "tai_len").iterdir())


def test_an_upload_over_the_readers_size_limit_is_refused(sample_month, monkeypatch):
    monkeypatch.setenv("HEZA_LIMITS_MAX_FILE_MB", "1")
    client = _vsip_logged_in()
    refused = _upload(client, b"PK\x03\x04" + b"\0" * (2 * 1024 * 1024), "lon.xlsx")
    assert refused.status_code == 413 and "Tệp lớn hơn 1 MB, không nhận" in refused.text


def test_a_read_past_the_readers_time_limit_is_stopped(sample_month, monkeypatch):
    monkeypatch.setenv("HEZA_LIMITS_MAX_READ_SECONDS", "0.001")
    client = _vsip_logged_in()
    result = _upload(client, _vsip_bytes(sample_month), "bao_cao.xlsx")
    assert "Chưa nộp được tệp này" in result.text and "Đọc tệp quá 0.001 giây, đã dừng" in result.text
    assert _submit(client, result).status_code == 409


def test_submitted_text_is_shown_escaped(app, project):
    source = project / "raw" / "2024-02" / "doanh_nghiep_TIENTHANH_2024-02.csv"
    lines = source.read_bytes().decode("cp1258").splitlines()
    first = lines[1].split(";")
    first[1], first[8] = "<script>alert(1)</script>", ""  # a name that is markup, and an empty required cell
    lines[1] = ";".join(first)
    client = _client(app)
    _login(client, "TIENTHANH")
    result = _upload(client, "\n".join(lines).encode("utf-8"), "tien thanh.csv")
    assert result.status_code == 200 and "Thiếu giá trị bắt buộc" in result.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in result.text and "<script>" not in result.text


def test_no_response_carries_a_stack_trace(app, project):
    client = _client(app)
    for path in ("/khong-co", "/ket-qua/..%2F..%2Fheza.toml", "/ket-qua/" + "0" * 32):
        page = client.get(path)
        assert page.status_code in (403, 404) and "<h1>Không thực hiện được</h1>" in page.text, path
    codes_file(load_settings()).write_text("{ không phải JSON", encoding="utf-8")  # a damaged codes file
    crashed = _login(client, "VSIP")
    assert crashed.status_code == 500 and "Đã có lỗi ở máy chủ" in crashed.text
    assert "Traceback" not in crashed.text and "JSONDecodeError" not in crashed.text


def test_a_client_file_name_never_names_a_file_on_disk(app, project):
    client = _client(app)
    _login(client, "VSIP")
    result = _upload(client, _vsip_bytes(project), "../../../../thu_vao.xlsx")
    receipt = _submit(client, result)
    assert receipt.status_code == 200 and "nop_qua_web_VSIP/bao_cao_lan_1.xlsx" in receipt.text
    assert "thu_vao.xlsx" in receipt.text and "../" not in receipt.text
    assert not list(project.parent.rglob("thu_vao*"))


def test_each_submission_is_a_new_version_and_the_run_reads_only_the_latest(app, project, tmp_path):
    period_folder = project / "raw" / "2024-02"
    (period_folder / VSIP_FILE).rename(tmp_path / VSIP_FILE)  # VSIP submits through the page only
    client = _client(app)
    _login(client, "VSIP")
    first = _without_last_row(tmp_path / VSIP_FILE, tmp_path)
    for content in (first, (tmp_path / VSIP_FILE).read_bytes()):
        assert "Đã nộp: biên nhận" in _submit(client, _upload(client, content, "VSIP.xlsx")).text
    versions = period_folder / "nop_qua_web_VSIP"
    assert (versions / "bao_cao_lan_1.xlsx").read_bytes() == first  # kept, never overwritten
    ctx = prepare(load_settings(), "2024-02")
    assessment = assess_paths(period_inputs(ctx), ctx)
    findings = assessment.findings
    aside = findings[findings["rule"] == "FILE_SUPERSEDED"]
    assert aside[["source_file", "value", "severity"]].values.tolist() == [
        ["nop_qua_web_VSIP/bao_cao_lan_1.xlsx", "nop_qua_web_VSIP/bao_cao_lan_2.xlsx", "warning"]]
    rows = assessment.tables["enterprises"].typed["source_file"].value_counts().to_dict()
    assert rows.get("nop_qua_web_VSIP/bao_cao_lan_2.xlsx") == 49 and "nop_qua_web_VSIP/bao_cao_lan_1.xlsx" not in rows
    assert set(findings.loc[findings["source_file"] == "nop_qua_web_VSIP/bao_cao_lan_1.xlsx", "rule"]) == {"FILE_SUPERSEDED"}
    duplicates = findings[findings["rule"] == "ENT_TAX_CODE_DUPLICATE"]
    assert not duplicates["source_file"].str.startswith("nop_qua_web").any()
    _login(staff := _client(app), STAFF)
    status = staff.get("/can-bo?ky=2024-02").text
    assert "2 lần; dùng bản nop_qua_web_VSIP/bao_cao_lan_2.xlsx" in status and "Chưa nộp qua trang này" in status


def _without_last_row(path, folder) -> bytes:
    """The workbook with its last data row deleted: an earlier, different version."""
    book = load_workbook(path)
    sheet = book["Danh sách DN"]
    sheet.delete_rows(sheet.max_row)
    book.save(folder / "v1.xlsx")
    return (folder / "v1.xlsx").read_bytes()


def test_an_unknown_web_key_is_refused_naming_it(project):
    config = project / "heza.toml"
    config.write_text(config.read_text(encoding="utf-8").replace("[web]\n", "[web]\nprot = 8081\n"), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"\[web\] không có khóa prot \(có phải port\?\)"):
        load_settings()


def test_add_zone_prints_a_code_once_that_then_logs_in(sample_month):
    runner = CliRunner()
    added = runner.invoke(main, ["web", "add-zone", "VSIP"])
    assert added.exit_code == 0, added.output
    code = re.search(r"Mã truy cập của KCN VSIP Hải Phòng: (\S+)", added.output).group(1)
    assert _login(_client(create_app(load_settings())), "VSIP", code).status_code == 200
    unknown = runner.invoke(main, ["web", "add-zone", "KHONGCO"])
    assert unknown.exit_code == 2 and "Không có khu 'KHONGCO'" in unknown.output


def test_a_port_out_of_range_stops_heza_web_naming_the_key(project, monkeypatch):
    monkeypatch.setenv("HEZA_WEB_PORT", "70000")
    started = CliRunner().invoke(main, ["web"])
    assert started.exit_code == 2 and "[web] port phải là số nguyên từ 1 đến 65535, nhận được 70000" in started.output
