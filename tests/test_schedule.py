"""The monthly schedule: read back from the deployment, and seen on a real Prefect server."""

from __future__ import annotations

import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from heza.config import default_period, load_settings, previous_period
from tests.test_notify import free_port

HAI_PHONG = ZoneInfo("Asia/Ho_Chi_Minh")


def test_the_deployment_runs_at_07_00_on_the_5th_in_hai_phong_time(settings):
    from flows.schedule import monthly_deployment, next_run_times

    deployment = monthly_deployment(settings)
    schedule = deployment.schedules[0].schedule
    assert (schedule.cron, schedule.timezone) == ("0 7 5 * *", "Asia/Ho_Chi_Minh")
    assert deployment.parameters == {} and not deployment.paused
    runs = next_run_times(settings, 3, datetime(2026, 11, 28, tzinfo=HAI_PHONG))
    assert [r.astimezone(HAI_PHONG).strftime("%Y-%m-%d %H:%M") for r in runs] == [
        "2026-12-05 07:00", "2027-01-05 07:00", "2027-02-05 07:00"]


def test_the_schedule_comes_from_configuration(project, monkeypatch):
    from flows.schedule import next_run_times

    monkeypatch.setenv("HEZA_SCHEDULE_CRON", "30 6 3 * *")
    runs = next_run_times(load_settings(), 1, datetime(2026, 11, 28, tzinfo=HAI_PHONG))
    assert runs[0].astimezone(HAI_PHONG).strftime("%d %H:%M") == "03 06:30"


def test_a_scheduled_run_reports_on_the_previous_month():
    assert previous_period("2024-03") == "2024-02" and previous_period("2024-01") == "2023-12"
    today = datetime.now(HAI_PHONG)
    assert default_period() == previous_period(f"{today.year}-{today.month:02d}")


def test_a_real_prefect_server_holds_the_scheduled_runs(settings, tmp_path):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from flows.schedule import local_server, monthly_deployment, next_run_times

    port = free_port()
    server_env = {"PREFECT_HOME": str(tmp_path / "prefect"), "PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": "1",
                  "PREFECT_UI_ENABLED": "false"}
    with local_server(port, extra_env=server_env) as api_url, temporary_settings({PREFECT_API_URL: api_url}):
        deployment_id = monthly_deployment(settings).apply()
        expected = next_run_times(settings, 1, datetime.now(HAI_PHONG))[0]

        async def scheduled():
            async with get_client() as client:
                return await client.read_flow_runs(
                    deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment_id])))

        import asyncio

        runs, deadline = [], time.monotonic() + 90
        while not runs and time.monotonic() < deadline:
            runs = asyncio.run(scheduled())
            time.sleep(1)
    assert runs, "the server never scheduled a run"
    starts = sorted(run.expected_start_time for run in runs)
    assert starts[0] == expected
    assert all(run.state.type.value == "SCHEDULED" for run in runs)


def test_the_synthetic_month_is_deterministic_with_every_kind_of_bad_row(tmp_path):
    from heza.samples.synthetic import BAD_KINDS, write_synthetic_month

    first = write_synthetic_month(tmp_path / "a", "2024-02", 5000, 40, bad_share=0.02)
    second = write_synthetic_month(tmp_path / "b", "2024-02", 5000, 40, bad_share=0.02)
    assert (tmp_path / "a/raw/2024-02/enterprises.csv").read_bytes() == (tmp_path / "b/raw/2024-02/enterprises.csv").read_bytes()
    assert set(first["bad"]) == set(BAD_KINDS) and sum(first["bad"].values()) == 100 == sum(second["bad"].values())
