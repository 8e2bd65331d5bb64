"""The run's inputs: paths every worker can read, or fsspec URLs (``s3://``, ``abfs://``,
``file://``, ...) when the matching filesystem package is installed.

The driver lists them (a URL folder gives its log files) with their sizes; a worker reads
a URL itself, the whole file into its own temporary folder or only its byte range
(``read_range``), so the events never travel through the driver or the scheduler.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from moodlelogsmart_gui.pipeline.errors import BadInputError

URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]+://")
COMPRESSED = (".gz", ".bz2", ".xz", ".zst")
COPY_BYTES = 8 << 20


@dataclass(frozen=True)
class Input:
    """One input file: where every worker finds it, the name to show, its size."""

    location: str  # an absolute local path, or a URL
    name: str
    size: int

    @property
    def is_url(self) -> bool:
        return is_url(self.location)


def is_url(text: str) -> bool:
    return URL.match(text) is not None


def local_inputs(paths: list[Path]) -> list[Input]:
    return [Input(str(p.absolute()), p.name, p.stat().st_size) for p in paths]


def _filesystem(url: str) -> tuple[Any, str]:
    """The fsspec filesystem and path of ``url``; one sentence when it cannot be used."""
    try:
        import fsspec
    except ImportError:  # pragma: no cover - dask installs fsspec
        raise BadInputError(
            f"The input {url} is a URL, which needs the fsspec package: run pip install fsspec."
        ) from None
    try:
        fs, path = fsspec.core.url_to_fs(url)
        return fs, str(path)
    except (ImportError, ValueError) as err:
        scheme = url.split("://", 1)[0]
        raise BadInputError(
            f"The input {url} cannot be read: the filesystem for {scheme}:// is not available "
            f"({str(err).splitlines()[0][:200]})."
        ) from None


def _is_log_name(name: str) -> bool:
    from moodlelogsmart_gui.jobs.intake import LOG_SUFFIXES

    path = PurePosixPath(name)
    if path.name.startswith("."):
        return False
    if path.suffix.lower() in COMPRESSED:
        path = path.with_suffix("")
    return path.suffix.lower() in LOG_SUFFIXES


def url_inputs(url: str) -> list[Input]:
    """The file at ``url``, or the log files in the folder at ``url`` (sorted by name)."""
    fs, path = _filesystem(url)
    protocol = url.split("://", 1)[0]
    try:
        if fs.isdir(path):
            found = sorted(p for p in fs.find(path) if _is_log_name(p))
            if not found:
                raise BadInputError(f"The folder {url} holds no log files.")
            return [Input(fs.unstrip_protocol(p), PurePosixPath(p).name, fs.size(p)) for p in found]
        if not fs.isfile(path):
            raise BadInputError(f"The input {url} was not found.")
        return [Input(url, PurePosixPath(path).name, int(fs.size(path)))]
    except OSError as err:
        raise BadInputError(f"The input {url} cannot be read ({protocol}: {err}).") from None


@contextlib.contextmanager
def local_copy(item: Input) -> Iterator[Path]:
    """A local path for ``item``: the path itself, or a URL copied into a temporary folder
    that is removed afterwards (the file name is kept: it tells the format and the date)."""
    if not item.is_url:
        yield Path(item.location)
        return
    import fsspec

    folder = Path(tempfile.mkdtemp(prefix="moodlelogsmart-cluster-"))
    try:
        target = folder / PurePosixPath(item.name).name
        with fsspec.open(item.location, "rb") as src, open(target, "wb") as dest:
            shutil.copyfileobj(src, dest, COPY_BYTES)
        yield target
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def read_range(location: str, start: int, end: int) -> bytes:
    """Bytes ``start`` to ``end`` (exclusive) of a local file or a URL."""
    if is_url(location):
        import fsspec

        with fsspec.open(location, "rb") as src:
            src.seek(start)
            return bytes(src.read(end - start))
    with open(location, "rb") as src:
        src.seek(start)
        return src.read(end - start)
