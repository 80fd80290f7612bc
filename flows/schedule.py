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
import socket
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


def _die_with_parent() -> None:
    """In the server's process, before it runs: the kernel sends it SIGTERM when `heza run` dies,
    even by SIGKILL, so no server (about 220 MB and a port) outlives the run."""
    try:
        import ctypes
        import signal

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass  # not Linux: `heza run` still stops the server on exit, Ctrl+C and SIGTERM


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def run_server(wait_seconds: float = 120):
    """The API server for one `heza run`, started and stopped by heza rather than by Prefect; yields
    a function that waits until it is healthy and returns its API URL.

    The server starts at once and comes up while the caller does its own start-up (imports, the
    reference data): on two cores that overlap is most of the run's fixed cost above Prefect's own.
    It is the same server Prefect's ephemeral mode starts (uvicorn on 127.0.0.1, no UI), but heza
    waits `[prefect] startup_timeout_seconds` (default 120 s, Prefect's own default is 20 s, too
    short for a first start on a busy machine, when the database is created), and stops it however
    the run ends: normally, on an exception, on Ctrl+C or SIGTERM (the caller turns SIGTERM into
    SystemExit), and by the parent-death signal if the run is killed outright."""
    deadline = time.monotonic() + wait_seconds
    server = {"process": None}

    def start():
        port = _free_port()
        server["process"] = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--factory", "prefect.server.api.server:create_app",
             "--host", "127.0.0.1", "--port", str(port), "--log-level", "error", "--lifespan", "on"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, preexec_fn=_die_with_parent,
        )
        server["url"] = f"http://127.0.0.1:{port}/api"

    def ready() -> str:
        while True:
            process, api_url = server["process"], server["url"]
            while not server_healthy(api_url) and process.poll() is None and time.monotonic() < deadline:
                time.sleep(0.2)
            if process.poll() == 3 and time.monotonic() < deadline:  # the port was taken meanwhile
                start()
                continue
            if process.poll() is not None or time.monotonic() >= deadline:
                raise RuntimeError(
                    f"Máy chủ Prefect không khởi động được trong {wait_seconds:g} giây; hãy tăng [prefect] "
                    f"startup_timeout_seconds trong heza.toml hoặc đặt PREFECT_API_URL / the Prefect server "
                    f"did not start within {wait_seconds:g} s; raise [prefect] startup_timeout_seconds in "
                    f"heza.toml or set PREFECT_API_URL")
            return api_url

    env = {**os.environ, "PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1",
           "PREFECT__SERVER_FINAL": "1", "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    env.pop("PREFECT_API_URL", None)
    try:
        start()
        yield ready
    finally:
        process = server["process"]
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def serve_monthly(settings: Settings) -> None:
    """Serve the deployment until stopped (Ctrl+C or SIGTERM); the schedule is not paused on exit."""
    from prefect import serve

    serve(monthly_deployment(settings), pause_on_shutdown=False)
