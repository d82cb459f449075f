"""Hardening shared by every reader and writer: hostile files in, safe files out.

- `check_xlsx`: an .xlsx is a zip; refuse one that is not a zip, is truncated, or whose members
  would decompress past a limit (zip bombs), before openpyxl or pandas ever touch it.
- `atomic_output`: write to a temporary name beside the target and rename on success, so a failed
  run never leaves a half-written file.
- `escape_cell`: text starting with = + - @ (or tab/CR) is written as text, never as a formula.
- `safe_filename`: a file name derived from a matter name cannot escape the output folder.
- `existing_file`: the one check that an input path names a file (found, a regular file, not empty);
  `read_text_file`: a small text file (a whitelist, a holiday list) in UTF-8 or GBK, size-limited.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

from bpr.errors import InputError

MAX_XLSX_UNCOMPRESSED = 1 << 30  # 1 GiB in total
MAX_XLSX_MEMBER = 512 << 20  # 512 MiB for one sheet
MAX_COMPRESSION_RATIO = 200  # spreadsheets compress ~5-20x; bombs compress 1000x+


def existing_file(path: str | Path, allow_empty: bool = False) -> Path:
    """`path` as a Path if it names a file (non-empty unless `allow_empty`), else an InputError."""
    path = Path(path)
    if not path.exists():
        raise InputError.of("file_not_found", file=path)
    if path.is_dir():
        raise InputError.of("file_is_folder", file=path)
    if not path.is_file():  # /dev/zero, a FIFO: endless or blocking reads
        raise InputError.of("file_not_regular", file=path)
    if not allow_empty and path.stat().st_size == 0:
        raise InputError.of("file_empty", file=path)
    return path


def read_text_file(path: str | Path, max_bytes: int = 8 << 20) -> str:
    """The text of a small file as Chinese editors and Excel save it (UTF-8, with or without BOM,
    or GBK/GB18030); an InputError when it is larger than `max_bytes` or neither."""
    path = existing_file(path, allow_empty=True)
    size = path.stat().st_size
    if size > max_bytes:
        raise InputError.of("text_too_big", {"kib": size >> 10, "limit": max_bytes >> 10}, file=path)
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InputError.of("text_encoding", file=path)


def check_xlsx(path: str | Path) -> None:
    """Raise InputError unless `path` is a well-formed, reasonably sized .xlsx zip."""
    path = Path(path)
    if not zipfile.is_zipfile(path):
        with path.open("rb") as fh:
            head = fh.read(8)
        if head.startswith(OLE2_MAGIC):  # a compound file: an old .xls, or an .xlsx saved with a password
            raise InputError.of("xlsx_encrypted" if _is_encrypted_ooxml(path) else "xlsx_old_binary", file=path)
        raise InputError.of("xlsx_not_zip", file=path)
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            names = {i.filename for i in infos}
            if "[Content_Types].xml" not in names:
                raise InputError.of("xlsx_no_content_types", file=path)
            total = 0
            for info in infos:
                total += info.file_size
                ratio = info.file_size / max(info.compress_size, 1)
                if info.file_size > MAX_XLSX_MEMBER or (info.file_size > (8 << 20) and ratio > MAX_COMPRESSION_RATIO):
                    raise InputError.of("xlsx_zip_bomb", {"member": info.filename, "mib": info.file_size >> 20,
                                                           "ratio": f"{ratio:.0f}"}, file=path)
            if total > MAX_XLSX_UNCOMPRESSED:
                raise InputError.of("xlsx_too_big", {"mib": total >> 20, "limit": MAX_XLSX_UNCOMPRESSED >> 20},
                                    file=path)
            bad = zf.testzip()
            if bad is not None:
                raise InputError.of("xlsx_corrupt_member", {"member": bad}, file=path)
    except (zipfile.BadZipFile, EOFError, OSError) as exc:
        raise InputError.of("xlsx_damaged", {"reason": exc}, file=path) from None


OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
#: the compound-file stream Office writes an encrypted .xlsx/.docx into (MS-OFFCRYPTO 2.3.4.4)
_ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")


def is_old_excel(path: Path) -> bool:
    """An old binary .xls: an OLE2 compound file that is not an encrypted .xlsx."""
    with Path(path).open("rb") as fh:
        return fh.read(len(OLE2_MAGIC)) == OLE2_MAGIC and not _is_encrypted_ooxml(Path(path))


def _is_encrypted_ooxml(path: Path, chunk: int = 1 << 20) -> bool:
    """Whether a compound file holds an `EncryptedPackage` stream: its directory entry names it in
    UTF-16, somewhere in the file (read in chunks, never whole)."""
    overlap = len(_ENCRYPTED_STREAM)
    tail = b""
    with path.open("rb") as fh:
        while block := fh.read(chunk):
            if _ENCRYPTED_STREAM in tail + block:
                return True
            tail = block[-overlap:]
    return False


@contextlib.contextmanager
def atomic_output(target: str | Path, mode: str = "wb", **open_kwargs) -> Iterator:
    """Open a temporary file beside `target`; rename it into place only if the block succeeds."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    try:
        with os.fdopen(fd, mode, **open_kwargs) as fh:
            yield fh
        _publish(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """Like `atomic_output` for libraries that want a path (openpyxl, python-docx, matplotlib)."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=target.suffix, dir=target.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        _publish(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _publish(tmp: str, target: Path) -> None:
    """Rename the finished temporary file into place with the permissions a plain open() would
    give (mkstemp makes it owner-only, and reports are meant to be shared)."""
    os.chmod(tmp, 0o666 & ~_umask())
    os.replace(tmp, target)


@functools.cache
def _umask() -> int:
    mask = os.umask(0)  # the only way to read it is to set it; put it straight back
    os.umask(mask)
    return mask


#: advice a library appends to its message that is wrong or meaningless for a bpr user
_LIBRARY_ADVICE = re.compile(r"(?:\s*[,;.]?\s*please use xlrd\b.*|\s*The search space used was:.*|\s*Possible fixes:.*"
                             r"|\s*Possible Solution:.*|\s*See also https?://\S+.*)", re.IGNORECASE | re.DOTALL)


def library_reason(exc: BaseException, limit: int = 300) -> str:
    """A library's exception as the reason part of a one-line error: its first lines without the
    library's own advice (openpyxl's "please use xlrd", DuckDB's "The search space used was: …",
    "Possible fixes"), capped at `limit` characters."""
    text = _LIBRARY_ADVICE.sub("", str(exc)).strip()
    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.strip().startswith(("LINE ", "^"))]
    return "; ".join(lines[:3])[:limit] or type(exc).__name__


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def escape_cell(value: object) -> object:
    """Prefix a quote to text that a spreadsheet would run as a formula (CSV/Excel injection)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')


def safe_filename(name: str, default: str = "matter", max_length: int = 80) -> str:
    """A file name from free text (a matter name): no path separators, no dots at the start."""
    name = re.sub(r"\.{2,}", "_", _UNSAFE.sub("_", name))
    name = re.sub(r"_+", "_", name).strip(" ._")
    name = re.sub(r"\s+", " ", name)[:max_length].rstrip()
    if not name or name in {".", ".."}:
        return default
    if name.upper().split(".")[0] in {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)),
                                       *(f"LPT{i}" for i in range(1, 10))}:
        name = "_" + name
    return name
