"""The user's files, handled safely: regular files only, size caps, names that are not paths.

Every file the tool reads on a user's behalf (case YAML, profile CSVs, weather files,
scenarios files, the files of results and sweep folders) goes through
:func:`read_limited` or :func:`check_readable`:

- only regular files are read (a FIFO would block forever, ``/dev/zero`` never ends);
- a file larger than its cap is refused before it is read, naming the cap;
- a symbolic link loop, a missing file or a folder gives one clear sentence.

A case ``name`` names the default results folder through :func:`slug`, never as a path.
"""

from __future__ import annotations

import errno
import os
import re
import stat
import tempfile
import unicodedata
from collections.abc import Callable
from pathlib import Path

from dispatch.errors import CaseError, Problem

MIB = 1024 * 1024
MAX_YAML_BYTES = 8 * MIB
"""Largest case or scenarios file read [bytes]; a case is a page of keys."""

MAX_TABLE_BYTES = 64 * MIB
"""Largest CSV, weather or results table read [bytes]; a year of 15-minute values in
twenty columns is about 7 MiB."""

MAX_MAGNITUDE = 1e12
"""Largest magnitude of a number in a case or its profiles; a park's loads [kW], sizes,
prices and costs lie far below (a load given in W instead of kW still passes, to be
noted as implausible), and larger values overflow annual sums (1e308 x 8760)."""

MAX_SLUG_CHARS = 80
"""Longest folder name derived from a case name [characters]."""

_REASONS = {
    errno.ENOENT: "does not exist",
    errno.ELOOP: "is a symbolic link loop",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.ENAMETOOLONG: "name too long",
    errno.ENOTDIR: "a part of the path is a file, not a folder",
    errno.EISDIR: "is a folder, expected a file",
}


class FileRefused(ValueError):
    """A file that is not read: missing, not a regular file, too large, unreadable.

    Attributes
    ----------
    path : pathlib.Path
        The file.
    reason : str
        Why, in a few words (``"is a FIFO, not a regular file"``).
    """

    def __init__(self, path: str | Path, reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{path}: {reason}")


def _size_text(n_bytes: int) -> str:
    return f"{n_bytes / MIB:.0f} MiB" if n_bytes >= MIB else f"{n_bytes} bytes"


def _kind(mode: int) -> str:
    """Name the kind of a file that is not regular."""
    if stat.S_ISDIR(mode):
        return "is a folder, expected a file"
    if stat.S_ISFIFO(mode):
        return "is a FIFO (named pipe), not a regular file"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "is a device, not a regular file"
    if stat.S_ISSOCK(mode):
        return "is a socket, not a regular file"
    return "is not a regular file"


def _refused(path: str | Path, exc: OSError) -> FileRefused:
    reason = _REASONS.get(exc.errno or 0, f"cannot read: {exc.strerror or exc}")
    return FileRefused(path, reason)


def read_limited(path: str | Path, limit: int = MAX_TABLE_BYTES) -> bytes:
    """Return the bytes of a regular file no larger than ``limit``.

    The file is opened without blocking (a FIFO is refused, not waited on) and
    checked on its open descriptor, so it cannot be swapped in between.

    Parameters
    ----------
    path : str or pathlib.Path
        The file.
    limit : int
        Largest size accepted [bytes].

    Returns
    -------
    bytes
        The content.

    Raises
    ------
    FileRefused
        The file is missing, not a regular file, larger than ``limit`` or unreadable.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise _refused(path, exc) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise FileRefused(path, _kind(info.st_mode))
        _check_size(path, info.st_size, limit)
        chunks, total = [], 0
        while True:
            chunk = os.read(fd, min(MIB, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            _check_size(path, total, limit)  # a file that grows while read
    except OSError as exc:
        raise _refused(path, exc) from None
    finally:
        os.close(fd)
    return b"".join(chunks)


def _check_size(path: str | Path, size: int, limit: int) -> None:
    if size > limit:
        raise FileRefused(
            path, f"is larger than {_size_text(limit)}, the most this tool reads from such a file"
        )


def check_readable(path: str | Path, limit: int = MAX_TABLE_BYTES) -> None:
    """Refuse what :func:`read_limited` would refuse, for readers that take a path.

    Raises
    ------
    FileRefused
        The file is missing, not a regular file, larger than ``limit`` or unreadable.
    """
    try:
        info = os.stat(path)
    except OSError as exc:
        raise _refused(path, exc) from None
    if not stat.S_ISREG(info.st_mode):
        raise FileRefused(path, _kind(info.st_mode))
    _check_size(path, info.st_size, limit)
    if not os.access(path, os.R_OK):
        raise FileRefused(path, "permission denied")


def read_text(path: str | Path, limit: int = MAX_TABLE_BYTES) -> str:
    """Return a regular UTF-8 text file (a byte-order mark is dropped).

    Raises
    ------
    FileRefused
        As :func:`read_limited`, or the file is not UTF-8 text.
    """
    raw = read_limited(path, limit)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise FileRefused(path, f"line {line}: not UTF-8 text") from None


def slug(name: str) -> str:
    """Return a case name as one safe folder name: never a path, never hidden, never empty.

    Letters and digits (any script) are kept; runs of anything else become one ``-``;
    the result is at most :data:`MAX_SLUG_CHARS` characters. ``"../../x"`` gives ``"x"``,
    ``"/abs/path"`` gives ``"abs-path"``, ``".."`` and ``""`` give ``"case"``.

    Parameters
    ----------
    name : str
        A case name.

    Returns
    -------
    str
        The folder name.
    """
    text = unicodedata.normalize("NFKC", str(name))
    text = "".join(c if c.isalnum() or c in "-_." else "-" for c in text)
    text = re.sub(r"\.{2,}", "-", text)  # no ".." anywhere
    text = re.sub(r"-{2,}", "-", text).strip("-._")
    text = text[:MAX_SLUG_CHARS].rstrip("-._")
    return text or "case"


def replace_file(path: str | Path, write: Callable[[Path], object]) -> Path:
    """Write a file through a temporary file beside it, then move it into place.

    Readers see the old file or the new one, never half of one; on failure the old
    file is untouched and the temporary file removed.

    Parameters
    ----------
    path : str or pathlib.Path
        The file to (re)write; its folder must exist.
    write : callable
        ``write(tmp_path)`` writes the content.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    path = Path(path)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.tmp-", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        mask = os.umask(0)
        os.umask(mask)
        tmp.chmod(0o666 & ~mask)  # mkstemp makes it private; outputs are to share
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def same_file(a: str | Path, b: str | Path) -> bool:
    """Return whether two paths name the same existing file (links followed)."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def check_not_input(target: str | Path, inputs: list[Path], option: str) -> None:
    """Refuse to write ``target`` when it is one of the files a case reads.

    Raises
    ------
    CaseError
        Naming ``option`` and the input that would be overwritten.
    """
    for path in inputs:
        if same_file(target, path):
            raise CaseError(
                [
                    Problem(
                        str(target),
                        option,
                        f"is an input of the case ({path}); it is left alone: "
                        "choose another folder",
                    )
                ]
            )
