"""A scratch project for tests: heza.toml pointing at its own folders, the reference data copied."""

from __future__ import annotations

import shutil
from pathlib import Path

from heza.config import PROJECT_ROOT

SAMPLE_RAW = PROJECT_ROOT / "data" / "raw"
REFERENCE = PROJECT_ROOT / "data" / "reference"


def scratch_project(root: Path, sample_periods=()) -> Path:
    """raw/, processed/, reference/ and heza.toml under `root`, with the bundled sample months named
    in `sample_periods` copied into raw/; returns the path of its heza.toml."""
    (root / "raw").mkdir(parents=True, exist_ok=True)
    (root / "processed").mkdir(exist_ok=True)
    shutil.copytree(REFERENCE, root / "reference")
    for period in sample_periods:
        shutil.copytree(SAMPLE_RAW / period, root / "raw" / period)
    config = (PROJECT_ROOT / "heza.toml").read_text(encoding="utf-8")
    config = (config.replace('raw = "data/raw"', 'raw = "raw"')
              .replace('processed = "data/processed"', 'processed = "processed"')
              .replace('reference = "data/reference"', 'reference = "reference"')
              .replace('outbox = "data/outbox"', 'outbox = "outbox"')
              .replace('indicators = "heza/indicators.toml"', f'indicators = "{PROJECT_ROOT}/heza/indicators.toml"'))
    (root / "heza.toml").write_text(config, encoding="utf-8")
    return root / "heza.toml"
