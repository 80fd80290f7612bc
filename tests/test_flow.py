"""The monthly flow on the real Prefect engine, and the `heza` command's exit codes and messages."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from heza.cli import main
from heza.config import PROJECT_ROOT


def test_the_monthly_flow_publishes_the_sample_month_and_quarantines_the_bad_rows(prefect_api, sample_month):
    from flows.monthly import monthly_pipeline

    first = monthly_pipeline(period="2024-01", send_email=False)
    outcome = monthly_pipeline(period="2024-02", send_email=False)
    assert first["status"] == "published"
    assert outcome["status"] == "published_with_errors"
    assert outcome["counts"]["enterprises"] == {"rows_read": 753, "rows_published": 739, "rows_quarantined": 14}
    assert outcome["errors"] == 14 + 4  # the bad rows, and the article's two wrong figures (each twice:
    # against the data and against the other claims)
    report = json.loads((sample_month / "processed" / "2024-02" / "report.json").read_text(encoding="utf-8"))
    assert "ZONE_CUMULATIVE_DECREASE" in {f["rule"] for f in report["findings"]}
    # the month-on-month stage ran as a task of the flow: the planted capital slip heads the call list
    assert report["calls"][0]["problems"][0]["variable"] == "capital_usd" and report["calls"][0]["flips"] == 2


def test_heza_runs_the_flow_on_its_prepared_context_which_prefect_never_stores_or_encodes(prefect_api, sample_month):
    from prefect.client.orchestration import get_client

    from flows.monthly import _PREPARED, monthly_pipeline, run_prepared
    from heza.assess.context import prepare
    from heza.config import load_settings

    monthly_pipeline(period="2024-01", send_email=False)
    ctx = prepare(load_settings(), "2024-02")
    assert len(ctx.last.enterprises)  # the last publication: the part of a context that grows with the months
    outcome = run_prepared(monthly_pipeline, ctx, send_email=False, lang="vi")
    # the report reached write-report (quoted for Prefect, a dict for the task), or the flow would have failed
    assert outcome["status"] == "published_with_errors" and outcome["counts"]["enterprises"]["rows_published"] == 739
    assert _PREPARED == {}
    with get_client(sync_client=True) as client:
        stored = [run.parameters for run in client.read_flow_runs() if run.parameters.get("prepared") == ctx.run_id]
    assert len(stored) == 1 and "context" not in stored[0]
    assert all(value is None or isinstance(value, (str, bool)) for value in stored[0].values()), stored


def test_each_task_after_the_files_is_linked_to_the_results_it_takes_in_the_runs_graph(prefect_api, sample_month):
    """The files and the assessment go from task to task opaque (Prefect does not walk them), and the
    run's graph still shows where each came from: join-files from every assess-file, each stage and
    publish-period from the task before it."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    from flows.monthly import monthly_pipeline

    state = monthly_pipeline(period="2024-02", send_email=False, return_state=True)
    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[state.state_details.flow_run_id])))

    def upstream(run) -> list:  # the task runs whose results this one took
        return [link.id for inputs in run.task_inputs.values() for link in inputs if hasattr(link, "id")]

    named = {run.name: run for run in runs}
    files = [run for run in runs if run.name.startswith("assess-")]
    assert len(files) == len(list((sample_month / "raw" / "2024-02").iterdir())) > 1
    join = next(run for name, run in named.items() if name.startswith("join-files"))
    assert len(upstream(join)) == len(files)
    publish = next(run for name, run in named.items() if name.startswith("publish-period"))
    assert len(upstream(publish)) == 1  # the last stage's assessment
    stages = [run for name, run in named.items() if not name.startswith(("assess-", "list-inputs", "join-files",
                                                                           "publish-period", "write-report"))]
    assert stages and all(len(upstream(run)) == 1 for run in stages), {run.name: upstream(run) for run in stages}


def test_a_period_with_only_enterprise_workbooks_still_publishes_them(prefect_api, sample_month):
    from flows.monthly import monthly_pipeline

    for path in (sample_month / "raw" / "2024-02").glob("bao_cao_khu_*"):
        path.unlink()
    outcome = monthly_pipeline(period="2024-02", send_email=False)
    report = json.loads((sample_month / "processed" / "2024-02" / "report.json").read_text(encoding="utf-8"))
    assert outcome["status"] == "published_with_errors"
    assert outcome["counts"]["enterprises"]["rows_published"] == 739
    missing = [f for f in report["findings"] if f["rule"] == "PERIOD_ZONE_MISSING"]
    assert len(missing) == 15 and all(f["severity"] == "warning" for f in missing)


def _heza(*args, cwd=None, env=None):
    """`heza ...` as its own process, as a user runs it (the first test below: the command end to end)."""
    return subprocess.run([sys.executable, "-m", "heza.cli", *args], capture_output=True, text=True,
                          cwd=cwd or PROJECT_ROOT, env={**os.environ, **(env or {})}, timeout=300)


def _heza_here(*args, env=None):
    """`heza ...` in this process, for what the command says rather than how it starts (no interpreter
    and imports per call): exit code, stdout, stderr. An error it did not turn into a message fails here,
    as a traceback on stderr would."""
    result = CliRunner().invoke(main, list(args), env=env)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    return result


def test_validate_lists_findings_with_file_sheet_row_and_column_and_exits_1():
    workbook = PROJECT_ROOT / "data" / "raw" / "2024-02" / "doanh_nghiep_NOMURA_2024-02.xlsx"
    result = _heza("validate", str(workbook), "--period", "2024-02")
    assert result.returncode == 1, result.stderr
    assert "ENT_GENDER_SUM" in result.stdout
    # the columns by the file's own headers (NOMURA writes them without diacritics), with the enterprise
    assert "doanh_nghiep_NOMURA_2024-02.xlsx:Danh sách DN:62 (J62) · Công ty TNHH Mẫu Lỗi 01 (MST 0200090018) · " \
        "Lao dong nu: 130; Lao dong nam: 80; Tong so lao dong: 200" in result.stdout
    assert "Traceback" not in result.stderr


def test_validate_json_prints_findings_as_json():
    workbook = PROJECT_ROOT / "data" / "raw" / "2024-02" / "doanh_nghiep_NOMURA_2024-02.xlsx"
    result = _heza_here("validate", str(workbook), "--period", "2024-02", "--json", "--lang", "en")
    data = json.loads(result.stdout)
    assert data["summary"]["error"] >= 1
    assert {"rule", "source_file", "source_sheet", "source_row", "column", "message_vi", "message_en"} <= set(data["findings"][0])


def test_validate_never_imports_prefect():
    code = ("import sys\nfrom click.testing import CliRunner\nfrom heza.cli import main\n"
            f"CliRunner().invoke(main, ['validate', r'{PROJECT_ROOT / 'data' / 'raw' / '2024-02' / 'chi_tieu_2024-02.xlsx'}',"
            " '--period', '2024-02'])\nprint('prefect' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.stdout.strip() == "False", result.stderr


def test_validate_of_an_unreadable_file_exits_2_with_both_languages(tmp_path):
    broken = tmp_path / "báo cáo hỏng.xlsx"
    broken.write_bytes(b"PK\x03\x04garbage")
    result = _heza_here("validate", str(broken), "--period", "2024-02")
    assert result.exit_code == 2
    assert "FILE_UNREADABLE" in result.stdout and "báo cáo hỏng.xlsx" in result.stdout
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("command", [["run", "--period", "../../etc"], ["validate", "x", "--period", "2024-13"]])
def test_a_bad_period_is_refused_with_exit_2_before_anything_runs(command):
    result = _heza_here(*command)
    assert result.exit_code == 2
    assert "YYYY-MM" in result.stderr and "Traceback" not in result.stderr


def test_validate_of_a_missing_path_exits_2():
    result = _heza_here("validate", "/nonexistent/file.xlsx", "--period", "2024-02")
    assert result.exit_code == 2 and "Not found" in result.stderr or "Không tìm thấy" in result.stderr


def test_the_flow_emails_the_report_to_a_real_smtp_server(prefect_api, sample_month, monkeypatch):
    from aiosmtpd.controller import Controller

    from flows.monthly import monthly_pipeline
    from tests.test_notify import Collector, free_port

    handler = Collector()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        for name, value in {"HEZA_SMTP_HOST": "127.0.0.1", "HEZA_SMTP_PORT": str(controller.port),
                            "HEZA_SMTP_SECURITY": "none", "HEZA_REPORT_TO": "thongke@heza.local",
                            "HEZA_MAIL_FROM": "heza@heza.local"}.items():
            monkeypatch.setenv(name, value)
        outcome = monthly_pipeline(period="2024-02", send_email=True)
    finally:
        controller.stop()
    assert outcome["email"]["status"] == "sent" and len(handler.messages) == 1
    import email
    import email.policy

    received = email.message_from_bytes(handler.messages[0], policy=email.policy.default)
    assert received["Subject"].startswith("[KKT Hải Phòng] Kiểm tra dữ liệu tháng 02/2024")


def test_without_smtp_the_flow_leaves_the_report_in_the_outbox(prefect_api, sample_month, monkeypatch):
    from flows.monthly import monthly_pipeline

    monkeypatch.delenv("HEZA_SMTP_HOST", raising=False)
    outcome = monthly_pipeline(period="2024-02", send_email=True)
    assert outcome["email"]["status"] == "outbox"
    assert outcome["email"]["path"].startswith(str(sample_month / "outbox"))


def test_a_broken_indicator_catalogue_is_a_message_not_a_traceback(tmp_path):
    broken = tmp_path / "indicators.toml"
    broken.write_text('[indicators.x]\nkind = "count"\ntable = "enterprises"\nfilter = "no_such = 1"\nunit = "enterprises"\n',
                      encoding="utf-8")
    workbook = PROJECT_ROOT / "data" / "raw" / "2024-02" / "chi_tieu_2024-02.xlsx"
    result = _heza_here("validate", str(workbook), "--period", "2024-02", env={"HEZA_PATHS_INDICATORS": str(broken)})
    assert result.exit_code == 2 and "no_such" in result.stderr and "Traceback" not in result.stderr
