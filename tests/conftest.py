"""Shared fixtures: an isolated project folder per test (config, reference data, raw, processed)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from heza.config import PROJECT_ROOT, load_settings

SAMPLE_RAW = PROJECT_ROOT / "data" / "raw"
REFERENCE = PROJECT_ROOT / "data" / "reference"


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A scratch project: heza.toml pointing at tmp folders, reference data copied, HEZA_CONFIG set."""
    (tmp_path / "raw").mkdir()
    (tmp_path / "processed").mkdir()
    shutil.copytree(REFERENCE, tmp_path / "reference")
    config = (PROJECT_ROOT / "heza.toml").read_text(encoding="utf-8")
    config = (config.replace('raw = "data/raw"', 'raw = "raw"')
              .replace('processed = "data/processed"', 'processed = "processed"')
              .replace('reference = "data/reference"', 'reference = "reference"')
              .replace('outbox = "data/outbox"', 'outbox = "outbox"')
              .replace('indicators = "heza/indicators.toml"', f'indicators = "{PROJECT_ROOT}/heza/indicators.toml"'))
    (tmp_path / "heza.toml").write_text(config, encoding="utf-8")
    monkeypatch.setenv("HEZA_CONFIG", str(tmp_path / "heza.toml"))
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
