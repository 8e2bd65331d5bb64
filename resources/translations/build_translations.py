"""Build ``moodlelogsmart_<lang>.ts`` and ``.qm`` from the ``<lang>.json`` dictionaries.

The JSON ({context: {English source: translation}}) is what translators edit; the .ts file
opens in Qt Linguist; the .qm file is what the app loads. A text with ``%n`` has a list of
plural forms as its translation (Portuguese and English: [one, other]); ``en.json`` holds only
those English plural forms, the Qt way of writing "1 job" and "2 jobs" from one ``tr()``.
Run after editing the JSON::

    python resources/translations/build_translations.py
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from xml.sax.saxutils import escape

HERE = Path(__file__).resolve().parent


def write_ts(language: str, contexts: dict[str, dict[str, str | list[str]]], path: Path) -> None:
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        "<!DOCTYPE TS>",
        f'<TS version="2.1" language="{language}" sourcelanguage="en">',
    ]
    for context, messages in sorted(contexts.items()):
        lines.append(f"<context>\n    <name>{escape(context)}</name>")
        for source, translation in messages.items():
            if isinstance(translation, list):  # plural forms of a "%n" text, in order
                forms = "".join(
                    f"\n            <numerusform>{escape(f)}</numerusform>" for f in translation
                )
                lines.append(
                    '    <message numerus="yes">\n'
                    f"        <source>{escape(source)}</source>\n"
                    f"        <translation>{forms}\n        </translation>\n"
                    "    </message>"
                )
                continue
            lines.append(
                "    <message>\n"
                f"        <source>{escape(source)}</source>\n"
                f"        <translation>{escape(translation)}</translation>\n"
                "    </message>"
            )
        lines.append("</context>")
    lines.append("</TS>")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def lrelease() -> str:
    found = shutil.which("pyside6-lrelease") or shutil.which("lrelease")
    if found is None:
        candidate = Path(sys.executable).with_name("pyside6-lrelease")
        found = str(candidate) if candidate.exists() else None
    if found is None:
        raise SystemExit("lrelease not found (it comes with PySide6: pyside6-lrelease)")
    return found


def main() -> int:
    for source in sorted(HERE.glob("*.json")):
        language = source.stem
        contexts = json.loads(source.read_text(encoding="utf-8"))
        ts = HERE / f"moodlelogsmart_{language}.ts"
        write_ts(language, contexts, ts)
        subprocess.run(
            [lrelease(), "-silent", str(ts), "-qm", str(ts.with_suffix(".qm"))], check=True
        )
        print(f"{ts.with_suffix('.qm').name}: {sum(len(m) for m in contexts.values())} texts")
    return 0


if __name__ == "__main__":
    sys.exit(main())
