"""Every operator mistake is a message (Vietnamese first, naming the file, key or folder) and a
documented exit code, never a traceback; and `heza run` never leaves a Prefect server behind.

In-process cases use click's CliRunner; the lock, kill and Prefect cases run `heza` as real
processes, as staff run it.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from click.testing import CliRunner

from heza.cli import main
from heza.config import DEFAULTS, PROJECT_ROOT, load_settings

SERVER_MARK = "prefect.server.api.server:create_app"


def heza(*args, env=None):
    """`heza ...` in-process, as a user types it; stderr and stdout together."""
    result = CliRunner().invoke(main, list(args), env=env)
    return result.exit_code, result.output


def assert_message(code, output, expected_code, *names):
    assert code == expected_code, output
    assert "Traceback" not in output
    for name in names:
        assert str(name) in output, output


def edit_config(project: Path, old: str, new: str) -> None:
    config = project / "heza.toml"
    text = config.read_text(encoding="utf-8")
    assert old in text, old
    config.write_text(text.replace(old, new), encoding="utf-8")


# -- configuration and environment ---------------------------------------------------------------

def test_heza_config_pointing_to_a_folder_names_the_folder(project, monkeypatch):
    monkeypatch.setenv("HEZA_CONFIG", str(project))
    code, output = heza("run", "--period", "2024-02", "--no-email")
    assert_message(code, output, 2, "không phải thư mục", str(project))


@pytest.mark.parametrize("key", ["processed", "outbox"])
def test_a_missing_path_key_is_an_error_naming_it(project, key):
    """Paths have no default: a guessed folder could publish to the wrong place."""
    edit_config(project, f'\n{key} = "{key}"', "\n")
    code, output = heza("run", "--period", "2024-02", "--no-email")
    assert_message(code, output, 2, f"thiếu khóa [paths] {key}")


def test_a_missing_limits_section_takes_the_built_in_defaults(project):
    text = (project / "heza.toml").read_text(encoding="utf-8")
    start, end = text.index("[limits]"), text.index("[tolerances]")
    (project / "heza.toml").write_text(text[:start] + text[end:], encoding="utf-8")
    assert load_settings().limits == DEFAULTS["limits"]
    workbook = PROJECT_ROOT / "data" / "raw" / "2024-02" / "doanh_nghiep_NOMURA_2024-02.xlsx"
    code, output = heza("validate", str(workbook), "--period", "2024-02")
    assert code == 1 and "ENT_GENDER_SUM" in output  # checked as usual, with the default limits


@pytest.mark.parametrize("written", ['"50"', '"50 MB"', "true", "-1"])
def test_a_limit_written_as_text_or_of_the_wrong_type_names_the_key(project, written):
    edit_config(project, "max_file_mb = 50 ", f"max_file_mb = {written} ")
    code, output = heza("validate", "x", "--period", "2024-02")
    assert_message(code, output, 2, "[limits] max_file_mb phải là một số", "heza.toml")


def test_a_misspelt_key_is_an_error_naming_the_key_meant(project):
    """A misspelt key would silently take its default while the operator believes it applied."""
    edit_config(project, "require_complete = false", "require_complet = true")
    code, output = heza("run", "--period", "2024-02", "--no-email")
    assert_message(code, output, 2, "[publish] không có khóa require_complet", "require_complete", "heza.toml")


def test_a_misspelt_section_is_an_error_naming_the_section_meant(project):
    edit_config(project, "[email]", "[e-mail]")
    code, output = heza("run", "--period", "2024-02", "--no-email")
    assert_message(code, output, 2, "không có mục [e-mail]", "[email]")


def test_an_environment_override_of_the_wrong_type_names_the_variable(project):
    code, output = heza("run", "--period", "2024-02", env={"HEZA_LIMITS_MAX_FILE_MB": "50MB"})
    assert_message(code, output, 2, "Biến môi trường HEZA_LIMITS_MAX_FILE_MB phải là một số")


def test_a_recipient_list_written_as_one_text_names_the_key(project):
    edit_config(project, "to = []", 'to = "a@heza.vn"')
    code, output = heza("run", "--period", "2024-02")
    assert_message(code, output, 2, "[email] to phải là một danh sách chuỗi")


def test_an_unknown_time_zone_names_the_key_and_the_zone(project):
    edit_config(project, 'timezone = "Asia/Ho_Chi_Minh"', 'timezone = "Asia/Hai_Phong"')
    code, output = heza("run", "--no-email")  # the default period needs the time zone
    assert_message(code, output, 2, "[schedule] timezone", "Asia/Hai_Phong", "múi giờ")


@pytest.mark.parametrize("cron", ["0 7 32 * *", "hằng tháng", "0 7 5 * * *", "*/0 7 5 * *"])
def test_a_malformed_cron_names_the_key_and_the_field(project, cron):
    edit_config(project, 'cron = "0 7 5 * *"', f'cron = "{cron}"')
    code, output = heza("serve")
    assert_message(code, output, 2, "[schedule] cron", cron)


def test_the_shipped_cron_and_common_forms_are_accepted(project):
    """The check must not refuse what Prefect's Cron takes for a monthly run."""
    for cron in ("0 7 5 * *", "30 6 1-5 * mon-fri", "*/15 0,12 * jan-dec 0", "0 7 5 */3 *"):
        edit_config(project, f'cron = "{load_settings().schedule["cron"]}"', f'cron = "{cron}"')
        assert load_settings().schedule["cron"] == cron


def test_an_output_folder_under_a_regular_file_is_named_before_any_work(sample_month, tmp_path):
    """A path whose parent is a file cannot be written even by root: the same as a read-only disk."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    code, output = heza("run", "--period", "2024-02", "--no-email", "--out", str(blocker / "out"))
    assert_message(code, output, 2, "Không ghi được vào thư mục công bố", blocker / "out")


@contextlib.contextmanager
def read_only(folder: Path):
    """A folder nobody can write to: `chattr +i` (works as root, where chmod does not stop writes)."""
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        folder.chmod(0o555)
        try:
            yield folder
        finally:
            folder.chmod(0o755)
        return
    if subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode:
        pytest.skip("chattr +i is not supported on this filesystem")
    try:
        yield folder
    finally:
        subprocess.run(["chattr", "-i", str(folder)], check=True)


def test_a_read_only_processed_folder_is_named_before_any_work(sample_month):
    with read_only(sample_month / "processed"):
        code, output = heza("run", "--period", "2024-02", "--no-email")
    assert_message(code, output, 2, "Không ghi được vào thư mục công bố", sample_month / "processed")
    assert not any((sample_month / "processed").iterdir())


def test_a_previous_publication_missing_a_column_skips_that_check_and_says_so(sample_month, settings):
    """Last month's zones.csv lacking fdi_projects_cum (an older or hand-edited release) must not
    crash the check; the other cumulative columns are still compared."""
    previous = settings.processed / "2024-01"
    previous.mkdir(parents=True)
    rows = ["zone_code,fdi_capital_usd_cum,di_projects_cum,di_capital_vnd_cum", "VSIP,1,1,1"]
    (previous / "zones.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    code, output = heza("validate", str(settings.raw / "2024-02"), "--period", "2024-02", "--json")
    assert code == 1, output
    findings = json.loads(output)["findings"]
    skipped = [f for f in findings if f["rule"] == "PERIOD_PREVIOUS_COLUMN_MISSING"]
    assert [f["column"] for f in skipped] == ["fdi_projects_cum"]
    assert "không có cột fdi_projects_cum" in skipped[0]["message_vi"]
    assert "zones.csv" in skipped[0]["message_vi"]


# -- heza sample never overwrites ----------------------------------------------------------------

def test_sample_refuses_to_overwrite_raw_files_and_names_them(sample_month):
    edited = sample_month / "raw" / "2024-01" / "bao_cao_khu_VSIP_2024-01.xlsx"
    edited.write_bytes(b"a staff edit")
    code, output = heza("sample")
    assert_message(code, output, 2, "Không ghi đè", sample_month / "raw" / "2024-01", "--force")
    assert edited.read_bytes() == b"a staff edit"


def test_sample_force_replaces_the_raw_files(sample_month):
    edited = sample_month / "raw" / "2024-01" / "bao_cao_khu_VSIP_2024-01.xlsx"
    edited.write_bytes(b"a staff edit")
    code, output = heza("sample", "--force")
    assert code == 0, output
    assert edited.read_bytes().startswith(b"PK")


def test_synthetic_sample_refuses_an_out_folder_that_holds_files(project, tmp_path):
    out = tmp_path / "synthetic"
    assert heza("sample", "--enterprises", "50", "--zones", "3", "--out", str(out))[0] == 0
    before = (out / "raw" / "2024-02" / "enterprises.csv").read_bytes()
    code, output = heza("sample", "--enterprises", "80", "--zones", "3", "--out", str(out))
    assert_message(code, output, 2, "Không ghi đè", out / "raw" / "2024-02")
    assert (out / "raw" / "2024-02" / "enterprises.csv").read_bytes() == before
    assert heza("sample", "--enterprises", "80", "--zones", "3", "--out", str(out), "--force")[0] == 0
    assert (out / "raw" / "2024-02" / "enterprises.csv").read_bytes() != before


# -- real processes: Prefect, the lock, the e-mail, killing a run -----------------------------------

def heza_process(*args, env=None, **popen):
    return subprocess.Popen([sys.executable, "-m", "heza.cli", *args], cwd=PROJECT_ROOT, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, **(env or {})},
                            **popen)


def servers_of(home: Path) -> list:
    """Prefect API server processes running with this PREFECT_HOME (alive, not zombies)."""
    found = []
    for process in psutil.process_iter(["cmdline", "status"]):
        try:
            if SERVER_MARK in " ".join(process.info["cmdline"] or []) \
                    and process.info["status"] != psutil.STATUS_ZOMBIE \
                    and process.environ().get("PREFECT_HOME") == str(home):
                found.append(process)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return found


@pytest.fixture
def prefect_home(tmp_path):
    """A fresh Prefect home, as on a fresh clone: the first start creates its database."""
    return tmp_path / "prefect-home"


def test_the_first_run_on_a_fresh_prefect_home_publishes(sample_month, prefect_home):
    """Prefect's own 20 s start-up once failed on a busy machine; heza waits up to 120 s."""
    run = heza_process("run", "--period", "2024-02", "--no-email", env={"PREFECT_HOME": str(prefect_home)})
    out, err = run.communicate(timeout=300)
    assert run.returncode == 0, err
    assert "Traceback" not in out + err and "Error logging to API" not in err
    assert (sample_month / "processed" / "2024-02" / "enterprises.csv").exists()
    assert not servers_of(prefect_home)


def test_a_server_that_does_not_start_in_time_is_a_message_and_leaves_no_server(sample_month, prefect_home):
    edit_config(sample_month, "startup_timeout_seconds = 120", "startup_timeout_seconds = 0.001")
    run = heza_process("run", "--period", "2024-02", "--no-email", env={"PREFECT_HOME": str(prefect_home)})
    out, err = run.communicate(timeout=300)
    assert_message(run.returncode, out + err, 2, "Máy chủ Prefect không khởi động được",
                   "startup_timeout_seconds")
    time.sleep(1)
    assert not servers_of(prefect_home)


def lock_file(processed: Path) -> Path:
    return processed / ".locks" / "2024-02.lock"


def wait_until(condition, timeout=180, what="condition"):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def test_a_second_run_of_a_period_being_run_stops_before_prefect_with_the_lock_message(sample_month, prefect_home,
                                                                                     prefect_env):
    first = heza_process("run", "--period", "2024-02", "--no-email", env=prefect_env)
    try:
        lock = lock_file(sample_month / "processed")
        wait_until(lambda: lock.exists() and lock.read_text().strip() == str(first.pid), what="the first run's lock")
        second = heza_process("run", "--period", "2024-02", "--no-email",
                              env={"PREFECT_HOME": str(prefect_home / "second"), "PREFECT_LOGGING_LEVEL": "DEBUG"})
        out, err = second.communicate(timeout=120)
        first_out, first_err = first.communicate(timeout=300)
    finally:
        if first.poll() is None:
            first.kill()
    assert_message(second.returncode, out + err, 2, "Kỳ 2024-02 đang được một lần chạy khác xử lý")
    assert "prefect" not in (out + err).lower()  # not one Prefect log line, even at DEBUG
    assert not (prefect_home / "second").exists()  # Prefect never started in the second run
    assert first.returncode == 0, first_err


def server_children(process: subprocess.Popen) -> list:
    try:
        return [c for c in psutil.Process(process.pid).children(recursive=True)
                if SERVER_MARK in " ".join(c.cmdline())]
    except psutil.NoSuchProcess:
        return []


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGKILL], ids=["sigterm", "ctrl-c", "sigkill"])
def test_a_run_killed_during_the_flow_leaves_no_prefect_server_behind(sample_month, prefect_home, sig):
    """Each server left behind costs about 220 MB and a port until someone notices."""
    run = heza_process("run", "--period", "2024-02", "--no-email",
                       env={"PREFECT_HOME": str(prefect_home), "PREFECT_LOGGING_LEVEL": "INFO"})
    try:
        wait_until(lambda: server_children(run) or run.poll() is not None, what="the Prefect server")
        servers = server_children(run)
        assert servers, "heza run started no Prefect server of its own"
        wait_until(lambda: any(c.status == psutil.CONN_LISTEN for s in servers for c in s.net_connections())
                   or run.poll() is not None, what="the server to listen")
        time.sleep(2)  # the flow is under way
        assert run.poll() is None, "the run ended before it could be killed"
        run.send_signal(sig)
        out, err = run.communicate(timeout=120)
    finally:
        if run.poll() is None:
            run.kill()
    gone, alive = psutil.wait_procs(servers, timeout=30)
    assert not [p for p in alive if p.status() != psutil.STATUS_ZOMBIE]
    assert not servers_of(prefect_home)
    if sig != signal.SIGKILL:
        assert_message(run.returncode, out + err, 130, "Đã dừng")


def test_a_file_name_with_a_line_break_does_not_stop_the_email(sample_month, prefect_env):
    folder = sample_month / "raw" / "2024-02"
    shutil.copy(folder / "doanh_nghiep_NOMURA_2024-02.xlsx", folder / "dn\nmới\a_2024-02.xlsx")
    # the annotated copies carry the Party columns: attached only when the restricted tier may travel
    run = heza_process("run", "--period", "2024-02", env={**prefect_env, "HEZA_EMAIL_INCLUDE_RESTRICTED": "true"})
    out, err = run.communicate(timeout=300)
    assert run.returncode == 0, err
    assert "Traceback" not in out + err
    emails = list((sample_month / "outbox").glob("*.eml"))
    assert len(emails) == 1
    from email import policy
    from email.parser import BytesParser

    message = BytesParser(policy=policy.default).parsebytes(emails[0].read_bytes())
    names = [part.get_filename() for part in message.iter_attachments()]
    assert "dn_mới__2024-02_kiem_tra.xlsx" in names, names


@contextlib.contextmanager
def full_disk(folder: Path):
    """A 64 kB tmpfs: the .eml (with its attachments) does not fit, as on a full disk."""
    folder.mkdir(parents=True, exist_ok=True)
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(folder)],
                      capture_output=True).returncode:
        pytest.skip("cannot mount a tmpfs here")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


@pytest.mark.parametrize("broken", [full_disk, read_only], ids=["full-disk", "read-only"])
def test_an_outbox_that_cannot_be_written_keeps_the_publication_and_exits_3(sample_month, prefect_env, broken):
    with broken(sample_month / "outbox"):
        run = heza_process("run", "--period", "2024-02", env=prefect_env)
        out, err = run.communicate(timeout=300)
    assert_message(run.returncode, out + err, 3, "KHÔNG ghi được thư vào", sample_month / "outbox",
                   "Kết quả đã công bố vẫn giữ nguyên")
    assert "ĐÃ CÔNG BỐ" in out
    assert (sample_month / "processed" / "2024-02" / "enterprises.csv").exists()


def test_a_stop_that_prefect_buries_under_its_own_error_still_ends_as_a_stop():
    """SIGTERM landing while Prefect sets up a task surfaces as "ValueError: Task run is not set"
    raised while handling Prefect's TerminationSignal; the operator stopped the run, so it is a stop
    (exit 130), not an unexpected error (exit 2)."""
    from prefect.exceptions import TerminationSignal

    from heza.cli import _caused_by_a_stop_signal

    def crash_while_handling_the_signal():
        try:
            raise TerminationSignal(signal=signal.SIGTERM)
        except TerminationSignal:
            raise ValueError("Task run is not set")

    with pytest.raises(ValueError) as wrapped:
        crash_while_handling_the_signal()
    assert _caused_by_a_stop_signal(wrapped.value)
    assert not _caused_by_a_stop_signal(ValueError("a real bug"))
