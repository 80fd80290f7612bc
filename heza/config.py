"""Project paths and settings: heza.toml, overridden by HEZA_<SECTION>_<KEY> environment variables."""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = Path(os.environ.get("HEZA_ROOT", PACKAGE_DIR.parent)).resolve()
PERIOD_PATTERN = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


class ConfigError(ValueError):
    """Raised when the configuration file or an override cannot be used."""


@dataclass(frozen=True)
class Settings:
    """Everything a run needs to know that is not data."""

    root: Path
    raw: Path
    processed: Path
    reference: Path
    outbox: Path
    indicators: Path
    limits: dict = field(default_factory=dict)
    tolerances: dict = field(default_factory=dict)
    email: dict = field(default_factory=dict)
    schedule: dict = field(default_factory=dict)


def _override(section: str, key: str, value):
    """Return the environment's value for section.key, typed like the file's value."""
    raw = os.environ.get(f"HEZA_{section}_{key}".upper())
    if raw is None:
        return value
    try:
        if isinstance(value, bool):
            return raw.strip().lower() in {"1", "true", "yes", "on"}
        if isinstance(value, int):
            return int(raw)
        if isinstance(value, float):
            return float(raw)
        if isinstance(value, list):
            items = [item.strip() for item in raw.split(",") if item.strip()]
            return [float(item) for item in items] if value and isinstance(value[0], (int, float)) else items
    except ValueError as exc:
        raise ConfigError(
            f"Biến môi trường HEZA_{section}_{key} không hợp lệ: {raw!r} / "
            f"environment variable HEZA_{section}_{key} is not valid: {raw!r}"
        ) from exc
    return raw


def load_settings(config_file: Path | None = None) -> Settings:
    """Read heza.toml (or HEZA_CONFIG), apply environment overrides, resolve paths."""
    path = Path(config_file or os.environ.get("HEZA_CONFIG", PROJECT_ROOT / "heza.toml"))
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"Không tìm thấy tệp cấu hình / config file not found: {path}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"Tệp cấu hình lỗi cú pháp / config file is not valid TOML: {path}: {exc}") from exc
    merged = {
        section: {key: _override(section, key, value) for key, value in values.items()}
        for section, values in data.items()
    }
    base = path.resolve().parent
    paths = {name: (base / value).resolve() for name, value in merged.get("paths", {}).items()}
    return Settings(
        root=base,
        raw=paths["raw"],
        processed=paths["processed"],
        reference=paths["reference"],
        outbox=paths["outbox"],
        indicators=paths["indicators"],
        limits=merged.get("limits", {}),
        tolerances=merged.get("tolerances", {}),
        email=merged.get("email", {}),
        schedule=merged.get("schedule", {}),
    )


def check_period(text: str) -> str:
    """Return a YYYY-MM period, or raise ConfigError: the period names a folder, so no '..' gets in."""
    if not isinstance(text, str) or not PERIOD_PATTERN.match(text):
        raise ConfigError(
            f"Kỳ báo cáo phải có dạng YYYY-MM (ví dụ 2024-02), nhận được {text!r} / "
            f"the period must look like YYYY-MM (e.g. 2024-02), got {text!r}"
        )
    return text


def previous_period(period: str) -> str:
    year, month = (int(part) for part in check_period(period).split("-"))
    return f"{year - 1}-12" if month == 1 else f"{year}-{month - 1:02d}"


def default_period(timezone: str = "Asia/Ho_Chi_Minh") -> str:
    """The month before today in Hai Phong: the month a run on the 5th reports on."""
    today = datetime.now(ZoneInfo(timezone))
    return previous_period(f"{today.year}-{today.month:02d}")
