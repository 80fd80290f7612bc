"""Release folders: a period's outputs are written beside the live ones, checked, then made live
by replacing one symbolic link (`os.replace`, atomic on one filesystem). Earlier releases stay
under `.releases/<period>/` as history. A lock file keeps two runs of one period apart.
"""

from __future__ import annotations

import errno
import fcntl
import os
import shutil
import time
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

RELEASES = ".releases"
LOCKS = ".locks"


class PublishError(RuntimeError):
    """Raised when a period cannot be published; the previous publication stands."""


class PeriodLockedError(PublishError):
    """Raised when another run holds the period's lock."""


# Locks held in this context: `heza run` takes the period's lock before Prefect starts and the flow
# (same thread, or a thread Prefect starts with a copy of the context) takes it again. Another
# thread of the process with its own context still waits, as another process does.
_HELD: ContextVar[frozenset] = ContextVar("heza_held_period_locks", default=frozenset())


@contextmanager
def period_lock(processed_dir: Path, period: str, wait_seconds: float = 0):
    """Hold the period's lock for the block; another holder makes this wait, then fail clearly.
    Re-entrant within one context, so `heza run` can hold it before Prefect starts and the flow
    inside it takes it again without waiting on itself."""
    lock_dir = Path(processed_dir) / LOCKS
    key = str((lock_dir / f"{period}.lock").resolve())
    if key in _HELD.get():
        yield
        return
    lock_dir.mkdir(parents=True, exist_ok=True)
    handle = open(lock_dir / f"{period}.lock", "a+")
    deadline = time.monotonic() + wait_seconds
    try:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES) or time.monotonic() >= deadline:
                    raise PeriodLockedError(
                        f"Kỳ {period} đang được một lần chạy khác xử lý; hãy chờ lần đó kết thúc rồi chạy lại / "
                        f"another run is processing period {period}; wait for it to finish, then run again"
                    ) from exc
                time.sleep(0.2)
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        token = _HELD.set(_HELD.get() | {key})
        try:
            yield
        finally:
            _HELD.reset(token)
    finally:
        handle.close()


def writable_folder_message(folder: Path) -> str | None:
    """Why `folder` (created if missing) cannot take a release, or None: checked before any work,
    so a read-only or misnamed output folder is one message naming it, not a failure at the end."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".heza-write-test-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
        return None
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        return (f"Không ghi được vào thư mục công bố {folder} ({reason}); hãy chọn thư mục khác (--out) "
                f"hoặc sửa [paths] processed / cannot write to the output folder {folder} ({reason}); "
                f"choose another (--out) or fix [paths] processed")


def lock_holder_message(processed_dir: Path, period: str) -> str | None:
    """The lock's message if another run holds the period now (checked without waiting), else None."""
    try:
        with period_lock(processed_dir, period):
            return None
    except PeriodLockedError as exc:
        return str(exc)


def new_release_dir(processed_dir: Path, period: str, run_id: str) -> Path:
    """An empty folder to write the release into, beside the live one (same filesystem)."""
    folder = Path(processed_dir) / RELEASES / period / f"{run_id}.partial"
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    return folder


def _fsync_tree(folder: Path) -> None:
    for path in folder.rglob("*"):
        if path.is_file():
            with open(path, "rb") as stream:
                os.fsync(stream.fileno())


def make_live(processed_dir: Path, period: str, release: Path) -> Path:
    """Finish the release folder and point `<processed>/<period>` at it in one atomic step."""
    processed_dir = Path(processed_dir)
    _fsync_tree(release)
    final = release.with_name(release.name.removesuffix(".partial"))
    os.replace(release, final)
    live = processed_dir / period
    if live.exists() and not live.is_symlink():  # a folder from before releases existed: keep it as history
        os.replace(live, final.with_name(f"legacy-{int(live.stat().st_mtime)}"))
    temporary = processed_dir / f".{period}.{final.name}.link"
    if temporary.is_symlink() or temporary.exists():
        temporary.unlink()
    temporary.symlink_to(Path(RELEASES) / period / final.name, target_is_directory=True)
    os.replace(temporary, live)
    return final


def discard_partial_releases(processed_dir: Path, period: str) -> None:
    """Remove release folders a killed run left half-written (never the live or finished ones)."""
    folder = Path(processed_dir) / RELEASES / period
    if folder.exists():
        for partial in folder.glob("*.partial"):
            shutil.rmtree(partial, ignore_errors=True)
