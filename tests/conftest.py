"""Shared fixtures: an isolated project folder per test (config, reference data, raw, processed), and
what is costly to make, made once per test run and shared:

- `prefect_server`: one Prefect API server for the whole run; `prefect_env` passes it to `heza run`
  subprocesses, `prefect_api` points in-process flows at it.
- `sample_assessment`: the sample month 2024-02 as checked (`assess_paths`), a copy per test.
- `published_sample`: the sample month 2024-02 as published, copied into the test's own project.
- `sample_pair`: the sample's 2024-01 then 2024-02 checked and published in one project (read-only).

The suite runs in parallel (pytest-xdist, `-n` in pyproject.toml's addopts). "Once per run" is once
for both worker processes: the server is started by the controlling process before the workers
(`pytest_configure`), and what `once_per_run` makes is made by the first worker that asks, in a
folder both share, and read back by the other (pickled). Every fixture keeps each test's files and
ports apart (tmp paths, free ports chosen by the system).
"""

from __future__ import annotations

import contextlib
import copy
import fcntl
import functools
import os
import pickle
import shutil
import tempfile
import threading
import time
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings

# No per-example time limit: a property test proves agreement, not speed (speed is make bench's);
# Hypothesis' default 200 ms deadline failed on a loaded machine in code that had not changed.
hypothesis_settings.register_profile("heza", deadline=None)
hypothesis_settings.load_profile("heza")

from heza.config import load_settings
from tests.scratch import SAMPLE_RAW, scratch_project


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A scratch project: heza.toml pointing at tmp folders, reference data copied, HEZA_CONFIG set."""
    monkeypatch.setenv("HEZA_CONFIG", str(scratch_project(tmp_path)))
    return tmp_path


@pytest.fixture
def settings(project):
    return load_settings()


@pytest.fixture
def sample_month(project):
    """The bundled sample months copied into the scratch project's raw folder."""
    for period in ("2024-01", "2024-02"):
        shutil.copytree(SAMPLE_RAW / period, project / "raw" / period)
    return project


SHARED_SERVER_FILE = "HEZA_TEST_PREFECT_URL_FILE"  # where the controller writes the shared server's URL
# Seconds the run's server may take to come up: it starts while both workers import and collect, and
# on a loaded machine that took longer than 180 s. Only a test that needs the server waits for it.
SERVER_START_SECONDS = 600


def _xdist_controller(config) -> bool:
    return bool(config.getoption("numprocesses", default=None)) and not hasattr(config, "workerinput") \
        and not config.option.collectonly


@contextlib.contextmanager
def _prefect_server_for(home: Path, wait_seconds: float = 180):
    """A Prefect server started now by the same function `heza run` uses (flows.schedule.run_server),
    its database in `home`; yields the function that waits until it is ready and returns its URL."""
    from flows.schedule import run_server

    with contextlib.ExitStack() as stack:
        with pytest.MonkeyPatch.context() as patch:  # the server's environment only, not the tests'
            patch.setenv("PREFECT_HOME", str(home))
            patch.setenv("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
            ready = stack.enter_context(run_server(wait_seconds))
        yield ready


def pytest_configure(config):
    """Under xdist, the controlling process starts the run's one Prefect server before it starts the
    workers, so that both share it instead of each starting its own (about 10 s of the 2 cores each);
    a thread waits for it and writes its URL to a file the workers read (`prefect_server`)."""
    if not _xdist_controller(config):
        return
    folder = Path(tempfile.mkdtemp(prefix="heza-tests-prefect-"))
    url_file = folder / "api-url"
    stack = contextlib.ExitStack()
    stack.callback(shutil.rmtree, folder, ignore_errors=True)
    ready = stack.enter_context(_prefect_server_for(folder / "home", SERVER_START_SECONDS))
    done = threading.Event()
    stack.callback(done.set)  # run_server may restart the server from the thread: it lives until the end

    def publish_url():
        try:
            url = ready()
        except RuntimeError as exc:
            url = f"error: {exc}"
        (folder / "api-url.partial").write_text(url, encoding="utf-8")
        (folder / "api-url.partial").rename(url_file)
        done.wait()

    threading.Thread(target=publish_url, name="prefect-server", daemon=True).start()
    os.environ[SHARED_SERVER_FILE] = str(url_file)  # inherited by the workers, started after this hook
    config.add_cleanup(stack.close)


@pytest.fixture(scope="session")
def prefect_server(tmp_path_factory) -> str:
    """The API URL of one Prefect server shared by every test of the run that runs a flow.

    Started once, by the same function `heza run` uses, with its database in a scratch PREFECT_HOME:
    each `heza run` otherwise starts its own server, which is most of its time. Under xdist the
    controlling process started it (`pytest_configure`); in one process (`-n 0`) it starts here.
    Tests of the server's own start-up and shutdown (a fresh PREFECT_HOME, a run killed mid-flow, a
    start-up time-out) must not use it: they start their own."""
    url_file = os.environ.get(SHARED_SERVER_FILE)
    if url_file:
        deadline = time.monotonic() + SERVER_START_SECONDS + 60
        while not Path(url_file).exists():
            assert time.monotonic() < deadline, "the shared Prefect server's URL never came"
            time.sleep(0.1)
        url = Path(url_file).read_text(encoding="utf-8")
        assert not url.startswith("error:"), url
        yield url
        return
    with _prefect_server_for(tmp_path_factory.mktemp("prefect-shared")) as ready:
        yield ready()


@pytest.fixture
def prefect_env(prefect_server) -> dict:
    """Environment for a `heza run` subprocess that uses the shared server (merge it into env=)."""
    return {"PREFECT_API_URL": prefect_server}


@pytest.fixture
def prefect_api(prefect_server, tmp_path):
    """In-process flows (monthly_pipeline(...)) run against the shared server for this test."""
    from prefect.settings import PREFECT_API_URL, PREFECT_HOME, PREFECT_RESULTS_PERSIST_BY_DEFAULT, \
        temporary_settings

    with temporary_settings({PREFECT_API_URL: prefect_server, PREFECT_HOME: tmp_path / "prefect-client",
                             PREFECT_RESULTS_PERSIST_BY_DEFAULT: False}):
        yield prefect_server


def _once_per_run(tmp_path_factory, name: str, make):
    """`make(folder)`'s value, made once for the whole run: by the first xdist worker that asks, in a
    folder under the run's temporary root that both workers share, and read back (pickled) by the
    other; the folder stays for the run (the value may name files in it). Without xdist, in this
    process's own temporary folder. A worker whose `make` failed leaves nothing: the next one tries."""
    base = tmp_path_factory.getbasetemp()
    shared = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "shared"
    shared.mkdir(exist_ok=True)
    made, value_file = shared / name, shared / f"{name}.pickle"
    with open(shared / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, whatever happens
        if value_file.exists():
            return pickle.loads(value_file.read_bytes())
        shutil.rmtree(made, ignore_errors=True)
        made.mkdir()
        value = make(made)
        value_file.write_bytes(pickle.dumps(value))
        return value


@pytest.fixture(scope="session")
def once_per_run(tmp_path_factory):
    """once_per_run(name, make): `make(folder)`'s value made once for the whole run (see _once_per_run),
    for a module's costly fixture that both workers would otherwise build."""
    return functools.partial(_once_per_run, tmp_path_factory)


@pytest.fixture(scope="session")
def _sample_assessed(tmp_path_factory):
    """The sample months' project (2024-01 and 2024-02 in raw, nothing published) with 2024-02 checked
    once, by the same calls as every test that checks it: (project folder, heza.toml, context, assessment).
    Read-only: tests take `sample_assessment` (a copy), publishing takes its own copy too."""
    from heza.assess.context import period_inputs, prepare
    from heza.assess.core import assess_paths

    def check(root):
        config = scratch_project(root, ("2024-01", "2024-02"))
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("HEZA_CONFIG", str(config))
            ctx = prepare(load_settings(), "2024-02")
            return root, config, ctx, assess_paths(period_inputs(ctx), ctx)

    return _once_per_run(tmp_path_factory, "sample-release", check)


@pytest.fixture
def sample_assessment(_sample_assessed):
    """The sample month 2024-02 as `assess_paths` gives it (a copy of the one made per run), for tests
    that read what the check found in the unchanged sample."""
    return copy.deepcopy(_sample_assessed[3])


@pytest.fixture(scope="session")
def _sample_release(tmp_path_factory, _sample_assessed):
    """That project with 2024-02 published once, by the same call as every test that publishes: its
    project folder and the report publish_period returned."""
    from heza.present.publication import present_release
    from heza.release.publish import publish_period

    root, config, ctx, assessment = _sample_assessed

    def publish(_):
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("HEZA_CONFIG", str(config))
            return publish_period(copy.deepcopy(assessment), ctx, present=present_release)[1]

    return root, _once_per_run(tmp_path_factory, "sample-release-published", publish)


@pytest.fixture(scope="session")
def sample_pair(tmp_path_factory):
    """The sample's two months checked and published in order in one project, as staff run them, made
    once per run: {"root": project folder, "config": heza.toml, "2024-01": run, "2024-02": run}, each
    run {"assessment", "report", "folder", "ctx"}. Read-only, as several test files read it: a test
    that publishes again works on its own copy of the project."""
    from heza.assess.context import period_inputs, prepare
    from heza.assess.core import assess_paths
    from heza.present.publication import present_release
    from heza.release.publish import publish_period

    def publish_both(root):
        config = scratch_project(root, ("2024-01", "2024-02"))
        runs = {}
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("HEZA_CONFIG", str(config))
            for period in ("2024-01", "2024-02"):
                ctx = prepare(load_settings(), period)
                assessment = assess_paths(period_inputs(ctx), ctx)
                folder, report = publish_period(assessment, ctx, present=present_release)
                runs[period] = {"assessment": assessment, "report": report, "folder": folder, "ctx": ctx}
        return {"root": root, "config": config, **runs}

    return _once_per_run(tmp_path_factory, "sample-pair", publish_both)


@pytest.fixture
def published_sample(sample_month, _sample_release):
    """The sample month 2024-02 published, as `publish_period` leaves it, in this test's own project
    (a copy of one publication made once per run, its release history and live link included):
    (release folder, report, settings). For tests that read or extend a publication, not for tests of
    what publishing itself does on a given input."""
    root, report = _sample_release
    shutil.rmtree(sample_month / "processed")
    shutil.copytree(root / "processed", sample_month / "processed", symlinks=True)
    settings = load_settings()
    return settings.processed / "2024-02", copy.deepcopy(report), settings


def write_workbook(path: Path, sheets: dict) -> Path:
    """A real .xlsx with one sheet per entry: {name: [rows]}."""
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(row)
    workbook.save(path)
    return path
