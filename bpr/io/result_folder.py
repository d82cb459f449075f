"""Result folders written atomically: all or nothing, one run at a time, never mixed with another.

A command writes its whole folder under a hidden temporary sibling (`.NAME.tmp-PID-XXXX`), seals
it with a manifest (every file and its size, in result.json under "manifest", or in manifest.json
for a folder without a result.json such as a report), and renames it into place at the end. So a
run that is killed, interrupted or runs out of disk leaves the target as it was; `bpr report`
refuses a folder whose manifest is missing or does not match its files.

Before the work starts, `result_folder` checks that the target can be written (its parent is a
folder, writable), locks it against a concurrent run into the same folder (a second run stops
with a clear error), and refuses a non-empty folder of another kind unless `force`. A folder that
bpr did not write is never replaced, even with `force`.

    with result_folder("out/audit", "audit") as folder:   # folder: the temporary sibling
        write_audit(result, folder)
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

from bpr.errors import InputError, UsageError

MANIFEST_KEY = "manifest"
MANIFEST_FILE = "manifest.json"  # for folders without a result.json (reports)


class OutputError(UsageError):
    """An output cannot be written (not a folder, read-only, locked, full disk)."""


def output_error(exc: OSError, path: str | Path | None = None) -> OutputError:
    """An OSError while writing, as the one-line error naming the path and the fix."""
    name = exc.filename or path
    code = {errno.ENOSPC: "output_disk_full", errno.EDQUOT: "output_disk_full", errno.EACCES: "output_not_writable",
            errno.EPERM: "output_not_writable", errno.EROFS: "output_not_writable",
            errno.ENOTDIR: "output_under_file", errno.EISDIR: "output_is_folder",
            errno.ENAMETOOLONG: "output_name_too_long"}.get(exc.errno or 0, "output_os_error")
    return OutputError.of(code, {"reason": exc.strerror or exc}, file=name)


def check_writable_parent(target: Path) -> Path:
    """Create `target`'s parent folders; an OutputError unless a file can be created there."""
    parent = target.parent
    for ancestor in [parent, *parent.parents]:
        if ancestor.exists() and not ancestor.is_dir():
            raise OutputError.of("output_under_file", {"reason": ""}, file=ancestor)
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise output_error(exc, parent) from None
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputError.of("output_not_writable", {"reason": "permission denied"}, file=parent)
    return parent


def folder_kind(folder: Path) -> str | None:
    """The kind of a bpr result or report folder ("audit", "report", …), None when not bpr's."""
    for name in ("result.json", MANIFEST_FILE):
        path = folder / name
        if not path.is_file():
            continue
        with contextlib.suppress(OSError, ValueError):
            with path.open("rb") as fh:
                head = fh.read(1 << 16).decode("utf-8", "replace")
            match = re.search(r'"kind"\s*:\s*"([a-z_]+)"', head)
            if match:
                return match[1]
            if path.stat().st_size < (64 << 20):
                data = json.loads(path.read_text(encoding="utf-8"))
                if isinstance(data, dict) and isinstance(data.get("kind"), str):
                    return data["kind"]
        return "unknown"
    names = [p for p in folder.iterdir() if not p.name.startswith(".")]
    if names and all(p.is_file() and p.suffix in (".html", ".xlsx", ".docx") for p in names):
        return "report"  # a report folder from before manifests
    return None


@contextlib.contextmanager
def result_folder(target: str | Path, kind: str, force: bool = False) -> Iterator[Path]:
    """A temporary folder to write the result into, renamed to `target` when the block succeeds."""
    target = Path(target)
    if target.exists() and not target.is_dir():
        raise OutputError.of("output_is_file", file=target)
    parent = check_writable_parent(target)
    with _lock(target):
        _check_replaceable(target, kind, force)
        for stale in parent.glob(f".{target.name}.tmp-*"):  # left by a killed run (we hold the lock)
            shutil.rmtree(stale, ignore_errors=True)
        tmp = parent / f".{target.name}.tmp-{os.getpid()}-{secrets.token_hex(3)}"
        try:
            tmp.mkdir()
        except OSError as exc:
            raise output_error(exc, parent) from None
        try:
            yield tmp
            seal(tmp, kind)
            _move_into_place(tmp, target)
        except OSError as exc:
            shutil.rmtree(tmp, ignore_errors=True)
            raise output_error(exc, target) from None
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise


def seal(folder: str | Path, kind: str) -> dict:
    """Write the manifest of `folder` (every file but result.json and its size) and return it."""
    folder = Path(folder)
    files = {p.relative_to(folder).as_posix(): p.stat().st_size for p in sorted(folder.rglob("*"))
             if p.is_file() and p.name not in ("result.json", MANIFEST_FILE)}
    manifest = {"kind": kind, "complete": True, "files": files}
    result = folder / "result.json"
    if result.is_file():
        _append_key(result, MANIFEST_KEY, manifest)
    else:
        _write_json(folder / MANIFEST_FILE, manifest)
    return manifest


def check_complete(folder: str | Path, data: dict | None = None) -> None:
    """An InputError unless `folder` carries a manifest that matches its files."""
    folder = Path(folder)
    manifest = (data or {}).get(MANIFEST_KEY)
    if manifest is None and (folder / MANIFEST_FILE).is_file():
        with contextlib.suppress(OSError, ValueError):
            manifest = json.loads((folder / MANIFEST_FILE).read_text(encoding="utf-8"))
    if not isinstance(manifest, dict) or manifest.get("complete") is not True \
            or not isinstance(manifest.get("files"), dict):
        raise InputError.of("result_incomplete", file=folder)
    wrong = [name for name, size in manifest["files"].items()
             if not (folder / name).is_file() or (folder / name).stat().st_size != size]
    if wrong:
        raise InputError.of("result_files_differ", file=folder, details=wrong)


def _check_replaceable(target: Path, kind: str, force: bool) -> None:
    if not target.is_dir() or not any(target.iterdir()):
        return
    old = folder_kind(target)
    if old is None or old == "unknown":
        raise OutputError.of("output_not_bpr_folder", file=target)
    if old != kind and not force:
        raise OutputError.of("output_other_kind", {"old": old, "kind": kind}, file=target)


def _move_into_place(tmp: Path, target: Path) -> None:
    """Rename `tmp` to `target`, replacing a previous result folder as a whole."""
    if target.exists():
        old = target.parent / f".{target.name}.old-{os.getpid()}-{secrets.token_hex(3)}"
        os.rename(target, old)
        os.rename(tmp, target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.rename(tmp, target)
    with contextlib.suppress(OSError):
        os.chmod(target, 0o777 & ~_umask())


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def _lock(target: Path) -> Iterator[None]:
    """An exclusive lock on `.NAME.lock` beside `target` (released by the kernel if the run dies)."""
    import fcntl

    path = target.parent / f".{target.name}.lock"
    for _attempt in range(5):
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
        except OSError as exc:
            raise output_error(exc, target.parent) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise OutputError.of("output_locked", file=target) from None
        try:
            same = os.fstat(fd).st_ino == os.stat(path).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)  # the lock file was removed by a run that just finished: take the new one
    else:
        raise OutputError.of("output_locked", file=target)
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            os.unlink(path)  # unlinked while still held: a run that opened it before re-checks above
        os.close(fd)


def _append_key(path: Path, key: str, value: object) -> None:
    """Add `key` at the end of the JSON object in `path` without loading it (an audit of 100,000
    matters writes a result.json of hundreds of MB)."""
    with path.open("r+b") as fh:
        fh.seek(0, os.SEEK_END)
        size = fh.tell()
        fh.seek(max(0, size - 4096))
        tail = fh.read()
        end = tail.rfind(b"}")
        if end < 0:
            raise InputError.of("report_not_a_result", file=path)
        before = tail[:end].rstrip()
        empty = before.endswith(b"{")
        fh.seek(size - len(tail) + end)
        fh.truncate()
        fh.write(("" if empty else ",").encode() + f'\n "{key}": '.encode()
                 + json.dumps(value, ensure_ascii=False).encode("utf-8") + b"\n}\n")
        fh.flush()
        os.fsync(fh.fileno())


def _write_json(path: Path, data: dict) -> None:
    tmp = path.with_name(f".{path.name}.part")
    with tmp.open("w", encoding="utf-8") as fh:
        json.dump(data, fh, ensure_ascii=False, indent=1, default=str)
    os.replace(tmp, path)
