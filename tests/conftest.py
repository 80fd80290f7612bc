"""Shared fixtures: an isolated project folder per test (config, reference data, raw, processed)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

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
