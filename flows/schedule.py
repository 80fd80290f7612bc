"""The monthly schedule: a Prefect deployment of `monthly_pipeline`, served by `heza serve`.

Prefect's ephemeral mode cannot schedule, so with no PREFECT_API_URL `heza serve` starts a local
Prefect server (database under the project's PREFECT_HOME, UI on 127.0.0.1), waits until it is
healthy, serves the deployment, and stops the server when it stops. Schedules are not paused on
shutdown and the deployment is applied unpaused, so a restart resumes the schedule.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from datetime import datetime

from heza.config import Settings

DEPLOYMENT_NAME = "heza-monthly"


def cron_schedule(settings: Settings):
    """The schedule from heza.toml ([schedule] cron and timezone)."""
    from prefect.schedules import Cron

    return Cron(settings.schedule["cron"], timezone=settings.schedule["timezone"])


def monthly_deployment(settings: Settings):
    """The deployment: the flow with no period (it takes the previous month), on the cron schedule."""
    from flows.monthly import monthly_pipeline

    return monthly_pipeline.to_deployment(
        name=DEPLOYMENT_NAME, schedules=[cron_schedule(settings)], paused=False,
        description="Kiểm tra và công bố số liệu tháng trước / check and publish last month's data",
        tags=["heza", "monthly"],
    )


def next_run_times(settings: Settings, count: int, start: datetime) -> list:
    """When the schedule fires next after `start`, computed by Prefect's own CronSchedule."""
    from prefect.server.schemas.schedules import CronSchedule

    schedule = CronSchedule(cron=settings.schedule["cron"], timezone=settings.schedule["timezone"])
    return asyncio.run(schedule.get_dates(n=count, start=start))


def server_healthy(api_url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{api_url}/health", timeout=2) as response:
            return json.loads(response.read()) is True
    except (OSError, urllib.error.URLError, ValueError):
        return False


@contextmanager
def local_server(port: int = 4200, wait_seconds: float = 120, extra_env: dict | None = None):
    """Run `prefect server start` on 127.0.0.1 for the block; yields its API URL."""
    api_url = f"http://127.0.0.1:{port}/api"
    env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false", **(extra_env or {})}
    env.pop("PREFECT_API_URL", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    try:
        deadline = time.monotonic() + wait_seconds
        while not server_healthy(api_url):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"Máy chủ Prefect không khởi động được trên cổng {port} / "
                    f"the Prefect server did not start on port {port}")
            time.sleep(0.5)
        yield api_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def serve_monthly(settings: Settings) -> None:
    """Serve the deployment until stopped (Ctrl+C or SIGTERM); the schedule is not paused on exit."""
    from prefect import serve

    serve(monthly_deployment(settings), pause_on_shutdown=False)
