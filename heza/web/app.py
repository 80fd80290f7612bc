"""`heza web`: the page where a zone's clerk checks a file, reads what to fix, downloads the letter
workbook and submits, and where staff see who has submitted. A thin shell: checking is
heza.web.check (the core of `heza validate`), storage heza.web.storage, sessions heza.web.auth.

Every form carries the session's CSRF token; every page is rendered with autoescape; every error
is a Vietnamese page, never a traceback; nothing the client sends names a file on disk."""

from __future__ import annotations

import json
import re
import shutil
from contextlib import asynccontextmanager
from datetime import datetime
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from heza.config import PERIOD_PATTERN, default_period, previous_period
from heza.ingest.reference import load_zone_registry
from heza.present.annotate import safe_file_stem
from heza.present.words import pick
from heza.web.words import WEB_WORDS
from heza.web import auth, storage
from heza.web.check import checked_in_child, start_checker

COOKIE = "heza_phien"
TEMPLATES = Path(__file__).parent / "templates"


class PageError(Exception):
    """A refusal the clerk caused: shown as a Vietnamese page with the given status."""

    def __init__(self, status: int, words: str):
        super().__init__(words)
        self.status, self.words = status, words


def local_time(stamp: str, zone: ZoneInfo) -> str:
    """'29/11/2026 09:16' in Hai Phong ([schedule] timezone) from a receipt's UTC time."""
    return datetime.fromisoformat(stamp).astimezone(zone).strftime("%d/%m/%Y %H:%M")


def words(key: str, **values) -> str:
    return pick("vi", WEB_WORDS[key]).format(**values)


def _render(request: Request, name: str, status: int = 200, **context) -> HTMLResponse:
    session = request.state.session
    page = request.app.state.pages.get_template(name).render(
        csrf=session["csrf"], account=session.get("account"), zone_names=request.app.state.zone_names,
        staff=auth.STAFF, **context)
    response = HTMLResponse(page, status_code=status)
    _keep_session(request, response)
    return response


def _keep_session(request: Request, response: Response) -> None:
    response.set_cookie(COOKIE, auth.sign(request.state.session, request.app.state.secret),
                        httponly=True, samesite="strict", path="/")


def _redirect(request: Request, url: str) -> RedirectResponse:
    response = RedirectResponse(url, status_code=303)
    _keep_session(request, response)
    return response


async def _form(request: Request, **limits):
    """The posted form, after its CSRF token is checked against the session's."""
    form = await request.form(**limits)
    if not auth.csrf_ok(request.state.session, form.get("csrf")):
        raise PageError(403, words("bad_form"))
    return form


def _zone(request: Request) -> str:
    account = request.state.session.get("account")
    if not account or account == auth.STAFF:
        raise PageError(403, words("forbidden"))
    return account


def periods(settings) -> list[str]:
    """The periods a clerk may pick: the last three months and every period folder staff opened."""
    months = [default_period(settings.schedule["timezone"])]
    months += [previous_period(months[-1]), previous_period(previous_period(months[-1]))]
    opened = [p.name for p in settings.raw.iterdir() if p.is_dir() and PERIOD_PATTERN.match(p.name)] \
        if settings.raw.is_dir() else []
    return sorted(set(months) | set(opened), reverse=True)


def _period(request: Request, value) -> str:
    if value not in periods(request.app.state.settings):
        raise PageError(400, words("bad_form"))
    return value


# -- pages -------------------------------------------------------------------------------------

async def home(request: Request):
    account = request.state.session.get("account")
    if account == auth.STAFF:
        return _redirect(request, "/can-bo")
    if account:
        return _redirect(request, "/kiem-tra")
    return _render(request, "login.html.j2", zones=request.app.state.zones, failed=False)


async def login(request: Request):
    form = await _form(request)
    account, code = str(form.get("account", "")), str(form.get("code", "")).strip()
    settings = request.app.state.settings
    known = account == auth.STAFF or account in request.app.state.zone_names
    if not (known and auth.code_matches(code, auth.load_codes(settings).get(account))):
        return _render(request, "login.html.j2", status=401, zones=request.app.state.zones, failed=True,
                       message=words("bad_login"))
    request.state.session = auth.new_session(account, settings.web["session_hours"])
    return _redirect(request, "/")


async def logout(request: Request):
    await _form(request)
    request.state.session = auth.new_session(None, request.app.state.settings.web["session_hours"])
    return _redirect(request, "/")


async def check_page(request: Request):
    zone = _zone(request)
    settings = request.app.state.settings
    chosen = request.query_params.get("ky") or default_period(settings.schedule["timezone"])
    period = _period(request, chosen)
    mine = [r for r in storage.receipts(settings, period) if r["zone"] == zone]
    return _render(request, "check.html.j2", periods=periods(settings), period=period, zone=zone, submitted=mine)


async def upload(request: Request):
    zone = _zone(request)
    settings = request.app.state.settings
    limit = int(settings.limits["max_file_mb"]) * 1024 * 1024
    length = request.headers.get("content-length", "")
    if not length.isdigit() or int(length) > limit + 64 * 1024:
        raise PageError(413, words("too_large", mb=settings.limits["max_file_mb"]))
    form = await _form(request, max_files=1, max_fields=10)
    period = _period(request, form.get("period"))
    sent = form.get("file")
    if sent is None or isinstance(sent, str) or not sent.filename:
        raise PageError(400, words("no_file"))
    token, folder = storage.new_upload_folder(settings)
    raw = folder / "tep_goc"
    with raw.open("wb") as sink:
        shutil.copyfileobj(sent.file, sink)
    name = re.split(r"[\\/]", sent.filename)[-1][:200]  # shown only, as the clerk's computer named it
    with raw.open("rb") as stream:
        suffix = storage.format_by_content(stream.read(4096), raw)
    if suffix is None:
        shutil.rmtree(folder)
        raise PageError(415, words("not_spreadsheet", name=name))
    path = raw.rename(folder / f"tep{suffix}")
    outcome, result = await run_in_threadpool(checked_in_child, settings, period, zone, path)  # the loop serves others
    if outcome != "ok":
        shutil.rmtree(folder)
        raise PageError(422 if outcome == "too_slow" else 500,
                        words("too_slow", seconds=result) if outcome == "too_slow" else words("check_failed"))
    meta = {"zone": zone, "period": period, "name": name, "file": path.name, "result": result}
    (folder / "ket_qua.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    return _redirect(request, f"/ket-qua/{token}")


def _checked(request: Request) -> tuple[Path, dict]:
    """The clerk's own checked upload named in the address; another zone's is not found."""
    zone = _zone(request)
    folder = storage.upload_folder(request.app.state.settings, request.path_params["token"])
    meta = json.loads((folder / "ket_qua.json").read_text(encoding="utf-8")) if folder else None
    if not meta or meta["zone"] != zone:
        raise PageError(404, words("not_found"))
    return folder, meta


async def result_page(request: Request):
    folder, meta = _checked(request)
    return _render(request, "result.html.j2", token=request.path_params["token"], meta=meta,
                   result=meta["result"], zone=meta["zone"], period=meta["period"])


async def letter(request: Request):
    folder, meta = _checked(request)
    if not meta["result"]["letter"]:
        raise PageError(404, words("not_found"))
    name = f"{safe_file_stem(meta['name'])}_kiem_tra.xlsx"
    return FileResponse(folder / meta["result"]["letter"], filename=name,
                        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


async def submit(request: Request):
    folder, meta = _checked(request)
    await _form(request)
    if meta["result"]["blocking"]:
        raise PageError(409, words("cannot_submit", why=meta["result"]["blocking"]))
    if "receipt" not in meta:  # a second click (or reload) gets the same receipt, not a new version
        settings = request.app.state.settings
        meta["receipt"] = storage.store_submission(settings, meta["period"], meta["zone"],
                                                   folder / meta["file"], meta["result"])
        (folder / "ket_qua.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    return _redirect(request, f"/ket-qua/{request.path_params['token']}/bien-nhan")


async def receipt_page(request: Request):
    folder, meta = _checked(request)
    if "receipt" not in meta:
        raise PageError(404, words("not_found"))
    return _render(request, "receipt.html.j2", receipt=meta["receipt"], meta=meta, zone=meta["zone"])


async def staff_page(request: Request):
    if request.state.session.get("account") != auth.STAFF:
        raise PageError(403, words("forbidden"))
    settings = request.app.state.settings
    period = _period(request, request.query_params.get("ky") or default_period(settings.schedule["timezone"]))
    registry = request.app.state.registry
    zones = [(code, registry.names[code]) for code in registry.active_in(period)]
    return _render(request, "staff.html.j2", periods=periods(settings), period=period,
                   lines=storage.period_status(settings, period, zones))


# -- the shell: sessions on every request, errors as pages -------------------------------------

async def _error_page(request: Request, status: int, text: str) -> HTMLResponse:
    if not hasattr(request.state, "session"):
        request.state.session = auth.new_session(None, 1)
    return _render(request, "error.html.j2", status=status, message=text)


async def on_page_error(request: Request, exc: PageError):
    return await _error_page(request, exc.status, exc.words)


async def on_http_error(request: Request, exc: HTTPException):
    key = {404: "not_found", 405: "not_found", 403: "forbidden", 400: "bad_form"}.get(exc.status_code, "bad_form")
    if exc.status_code == 413:
        return await _error_page(request, 413, words("too_large", mb=request.app.state.settings.limits["max_file_mb"]))
    return await _error_page(request, exc.status_code, words(key))


async def on_crash(request: Request, exc: Exception):
    return await _error_page(request, 500, words("server_error"))


class Sessions:
    """ASGI middleware: the signed session cookie on request.state (a new anonymous one if missing)."""

    def __init__(self, app, secret: bytes, hours: float):
        self.app, self.secret, self.hours = app, secret, hours

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            session = auth.unsign(Request(scope).cookies.get(COOKIE), self.secret)
            scope.setdefault("state", {})["session"] = session or auth.new_session(None, self.hours)
        await self.app(scope, receive, send)


@asynccontextmanager
async def _lifespan(app):
    start_checker()
    yield


def create_app(settings) -> Starlette:
    routes = [Route("/", home), Route("/dang-nhap", login, methods=["POST"]),
              Route("/dang-xuat", logout, methods=["POST"]), Route("/kiem-tra", check_page),
              Route("/kiem-tra", upload, methods=["POST"]), Route("/ket-qua/{token}", result_page),
              Route("/ket-qua/{token}/thu", letter), Route("/ket-qua/{token}/nop", submit, methods=["POST"]),
              Route("/ket-qua/{token}/bien-nhan", receipt_page), Route("/can-bo", staff_page)]
    app = Starlette(routes=routes, lifespan=_lifespan, exception_handlers={PageError: on_page_error, HTTPException: on_http_error,
                                                       Exception: on_crash})
    registry = load_zone_registry(settings.reference)
    app.state.settings, app.state.registry = settings, registry
    app.state.zone_names = registry.names
    app.state.zones = sorted(registry.names.items(), key=lambda item: item[1])
    app.state.secret = auth.session_secret(settings)
    app.state.pages = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True)
    app.state.pages.filters["local_time"] = partial(local_time, zone=ZoneInfo(settings.schedule["timezone"]))
    app.add_middleware(Sessions, secret=app.state.secret, hours=settings.web["session_hours"])
    return app
