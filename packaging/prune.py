"""What the bundle leaves out: used by ``moodlelogsmart.spec`` on PyInstaller's tables.

PyInstaller's hooks collect whole packages: every Qt plugin of the modules used, every
Arrow library, headers, Cython sources, Qt's translations in 40 languages. The app needs a
fraction of that. :func:`prune` drops the entries matched by :data:`DROP` and then, on
Linux, every system library copied to the top of the bundle that no kept binary needs
(the GTK stack came only for the GTK theme plugin, for instance).
"""

from __future__ import annotations

import fnmatch
import posixpath
import sys
from collections.abc import Callable, Iterable
from pathlib import PurePosixPath

Entry = tuple[str, str, str]  # PyInstaller TOC entry: destination, source, kind

DROP = (
    # Arrow: C++ headers and sources, Cython files, and the parts the pipeline never loads
    # (Flight RPC, cloud and HDFS file systems, ORC, CUDA, duplicate unversioned copies).
    "pyarrow/include/*",
    "pyarrow/src/*",
    "pyarrow/*.pyx",
    "pyarrow/*.pxd",
    "pyarrow/*.pxi",
    "pyarrow/*flight*",
    "pyarrow/_s3fs*",
    "pyarrow/libarrow_s3*",
    "pyarrow/_gcsfs*",
    "pyarrow/_azurefs*",
    "pyarrow/_hdfs*",
    "pyarrow/_orc*",
    "pyarrow/_dataset_orc*",
    "pyarrow/_cuda*",
    "pyarrow/libarrow_python.so",
    "pyarrow/libarrow_python.so.*.*",
    "pyarrow/libarrow_python_parquet_encryption.so",
    "pyarrow/libarrow_python_parquet_encryption.so.*.*",
    "pyarrow/tests/*",
    "numpy/_core/tests/*",
    "pandas/tests/*",
    # Qt: screens the app is never shown on (framebuffer, VNC, KMS/EGL, Vulkan display),
    # the GTK theme (pulls the whole GTK stack), input devices read directly, network
    # information and TLS back-ends (only a local socket is used).
    "PySide6/Qt/plugins/platforms/libqeglfs.so",
    "PySide6/Qt/plugins/platforms/libqlinuxfb.so",
    "PySide6/Qt/plugins/platforms/libqvnc.so",
    "PySide6/Qt/plugins/platforms/libqvkkhrdisplay.so",
    "PySide6/Qt/plugins/platforms/libqminimalegl.so",
    "PySide6/Qt/plugins/egldeviceintegrations/*",
    "PySide6/Qt/plugins/generic/*",
    "PySide6/Qt/plugins/platformthemes/libqgtk3.so",
    "PySide6/Qt/plugins/networkinformation/*",
    "PySide6/Qt/plugins/tls/*",
    "PySide6/Qt/lib/libQt6EglFS*",
)
KEEP_TRANSLATIONS = ("*_pt_BR.qm",)
"""Qt's own translations: only the languages the app ships (see gui/translation.py)."""


def dropped(destination: str) -> bool:
    """True for a bundle path the app does not need."""
    path = PurePosixPath(destination.replace("\\", "/"))
    text = str(path)
    if any(fnmatch.fnmatch(text, pattern) for pattern in DROP):
        return True
    if text.startswith("PySide6/Qt/translations/"):
        return not any(fnmatch.fnmatch(path.name, keep) for keep in KEEP_TRANSLATIONS)
    return False


def unneeded_top_libraries(
    binaries: Iterable[Entry], imports: Callable[[str], Iterable[str]]
) -> set[str]:
    """Top-level libraries (copied dependencies) that no package binary needs, even
    indirectly; ``imports(source)`` names the libraries a binary needs (``ldd`` on Linux)."""
    entries = list(binaries)
    top = {PurePosixPath(dest).name: src for dest, src, _ in entries if "/" not in dest}
    roots = [src for dest, src, _ in entries if "/" in dest or dest.startswith("libpython")]
    needed: set[str] = set()
    pending = list(roots)
    seen: set[str] = set()
    while pending:
        source = pending.pop()
        if source in seen:
            continue
        seen.add(source)
        for name in imports(source):
            base = PurePosixPath(name).name
            if base in top and base not in needed:
                needed.add(base)
                pending.append(top[base])
    return {name for name in top if name not in needed and not name.startswith("libpython")}


def _ldd_imports(source: str) -> list[str]:
    from PyInstaller.depend import bindepend  # only inside a PyInstaller build

    try:
        return [name for name, _ in bindepend.get_imports(source)]
    except Exception:  # an unreadable file keeps everything it might need
        return list(_ALL)


_ALL: set[str] = set()


def prune(binaries: list[Entry], datas: list[Entry]) -> tuple[list[Entry], list[Entry]]:
    """The binaries and datas tables without what the app does not need."""
    gone = {entry[0] for entry in (*binaries, *datas) if dropped(entry[0])}
    binaries = [entry for entry in binaries if entry[0] not in gone]
    datas = [entry for entry in datas if entry[0] not in gone]
    if sys.platform.startswith("linux"):
        _ALL.update(dest for dest, _, _ in binaries if "/" not in dest)
        unused = unneeded_top_libraries(binaries, _ldd_imports)
        gone |= unused
        binaries = [entry for entry in binaries if entry[0] not in unused]
    # PyInstaller's links to libraries in package folders go with their targets.
    datas = [entry for entry in datas if not dangling(entry, gone)]
    binaries = [entry for entry in binaries if not dangling(entry, gone)]
    return binaries, datas


def dangling(entry: Entry, gone: set[str]) -> bool:
    """A SYMLINK entry whose target is one of the ``gone`` destinations."""
    dest, target, kind = entry
    if kind != "SYMLINK":
        return False
    resolved = posixpath.normpath(posixpath.join(posixpath.dirname(dest), target))
    return resolved in gone
