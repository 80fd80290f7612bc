"""`heza web`: start the zones' check-and-submit page ([web] host and port), and give a zone (or
staff) its access code: `heza web add-zone DOSON` prints a new code once and stores only its hash."""

from __future__ import annotations

import sys

import click

from heza.config import ConfigError, load_settings


def _settings():
    try:
        return load_settings()
    except ConfigError as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)


def _print_code(who: str, code: str) -> None:
    click.echo(f"Mã truy cập của {who}: {code}")
    click.echo("Mã chỉ hiện một lần; hãy gửi riêng cho người dùng / the code is shown only once.")


@click.group(invoke_without_command=True)
@click.option("--host", default=None, help="Địa chỉ nghe (mặc định: [web] host, 127.0.0.1).")
@click.option("--port", type=click.IntRange(1, 65535), default=None, help="Cổng (mặc định: [web] port).")
@click.pass_context
def web(ctx, host, port):
    """Trang để các khu tự kiểm tra và nộp báo cáo tháng."""
    if ctx.invoked_subcommand is not None:
        return
    import uvicorn

    from heza.ingest.reference import ReferenceDataError
    from heza.web.app import create_app

    settings = _settings()
    port = port or settings.web["port"]
    if port != int(port) or not 1 <= port <= 65535:
        click.echo(f"Cấu hình: [web] port phải là số nguyên từ 1 đến 65535, nhận được {port} / "
                   f"config: [web] port must be a whole number 1-65535, got {port}", err=True)
        sys.exit(2)
    try:
        app = create_app(settings)
    except (ReferenceDataError, OSError) as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)
    host = host or settings.web["host"]
    click.echo(f"Trang kiểm tra và nộp báo cáo: http://{host}:{port}/ (Ctrl+C để dừng)")
    uvicorn.run(app, host=host, port=int(port), log_level="warning", server_header=False)


@web.command("add-zone")
@click.argument("zone")
@click.option("--code", default=None, help="Dùng mã này thay vì mã ngẫu nhiên.")
def add_zone(zone, code):
    """Cấp (hoặc đổi) mã truy cập của một khu; in mã một lần."""
    from heza.ingest.reference import load_zone_registry
    from heza.web.auth import set_code

    settings = _settings()
    registry = load_zone_registry(settings.reference)
    found = registry.code_for(zone)
    if found is None:
        click.echo(f"Không có khu '{zone}' trong {settings.reference / 'zones.csv'}; các mã: "
                   f"{', '.join(registry.codes)} / no zone '{zone}' in the zone registry", err=True)
        sys.exit(2)
    _print_code(registry.names[found], set_code(settings, found, code))


@web.command("add-staff")
@click.option("--code", default=None, help="Dùng mã này thay vì mã ngẫu nhiên.")
def add_staff(code):
    """Cấp (hoặc đổi) mã truy cập của cán bộ Ban Quản lý (xem tình hình nộp)."""
    from heza.web.auth import STAFF, set_code

    _print_code("cán bộ Ban Quản lý", set_code(_settings(), STAFF, code))
