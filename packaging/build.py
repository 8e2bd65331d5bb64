"""Build the standalone bundle: ``python packaging/build.py`` (after ``pip install -e ".[build]"``).

Produces ``dist/MoodleLogSmart/`` (the window ``moodlelogsmart-gui`` and the command line
``moodlelogsmart`` over one set of libraries, plus ``install.sh``/``uninstall.sh`` on
Linux) and ``dist/MoodleLogSmart-<version>-<platform>-<machine>.tar.gz`` of that folder.
Prints the size and how long each step took. Needs only what pip installed.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import stat
import sys
import tarfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGING = ROOT / "packaging"
NAME = "MoodleLogSmart"
SCRIPTS = ("install.sh", "uninstall.sh")


def version() -> str:
    sys.path.insert(0, str(ROOT))
    from moodlelogsmart_gui import __version__

    return __version__


def platform_tag() -> str:
    system = {"darwin": "macos", "win32": "windows"}.get(sys.platform, sys.platform)
    system = "linux" if system.startswith("linux") else system
    machine = platform.machine().lower().replace("amd64", "x86_64")
    return f"{system}-{machine}"


def folder_size(folder: Path) -> int:
    total = 0
    for path in folder.rglob("*"):
        if path.is_file() and not path.is_symlink():
            total += path.stat().st_size
    return total


def run_pyinstaller(dist: Path, work: Path) -> None:
    import PyInstaller.__main__

    PyInstaller.__main__.run(
        [
            "--noconfirm",
            "--clean",
            "--log-level=WARN",
            f"--distpath={dist}",
            f"--workpath={work}",
            str(PACKAGING / "moodlelogsmart.spec"),
        ]
    )


def add_scripts(bundle: Path) -> None:
    """The Linux installer and uninstaller go inside the folder (and so inside the tarball)."""
    if not sys.platform.startswith("linux"):
        return
    for name in SCRIPTS:
        target = bundle / name
        shutil.copyfile(PACKAGING / name, target)
        target.chmod(target.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)


def make_archive(bundle: Path, archive: Path) -> None:
    """A gzip tarball with the folder at its top; links stay links. ISA-L's gzip (a
    dependency of the app) compresses several times faster than zlib at a similar size."""
    from isal import igzip

    partial = archive.with_name(archive.name + ".part")
    with (
        igzip.open(partial, "wb", compresslevel=2) as raw,  # type: ignore[no-untyped-call]
        tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar,
    ):
        tar.add(bundle, arcname=bundle.name)
    os.replace(partial, archive)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dist", type=Path, default=ROOT / "dist", help="output folder")
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "pyinstaller")
    parser.add_argument("--no-archive", action="store_true", help="skip the tarball")
    args = parser.parse_args(argv)
    dist: Path = args.dist.absolute()
    bundle = dist / NAME
    started = time.monotonic()
    run_pyinstaller(dist, args.work.absolute())
    frozen_at = time.monotonic()
    add_scripts(bundle)
    size = folder_size(bundle)
    print(f"bundle: {bundle} ({size / 2**20:.0f} MiB), built in {frozen_at - started:.0f} s")
    if not args.no_archive:
        archive = dist / f"{NAME}-{version()}-{platform_tag()}.tar.gz"
        make_archive(bundle, archive)
        print(
            f"archive: {archive} ({archive.stat().st_size / 2**20:.0f} MiB), "
            f"written in {time.monotonic() - frozen_at:.0f} s"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
