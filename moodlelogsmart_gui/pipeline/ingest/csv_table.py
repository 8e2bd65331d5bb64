"""Reading a sniffed CSV source into an Arrow table (pyarrow, with the encoding fallbacks).

:mod:`.read` finds out what the file is (:class:`Source`); this module reads it.
"""

from __future__ import annotations

import codecs
import gzip
from typing import Any

from moodlelogsmart_gui.pipeline.ingest.read import Source


def _sample_has_multiline_cells(rows: list[list[str]]) -> bool:
    return any("\n" in cell or "\r" in cell for row in rows for cell in row)


UTF8_REPLACING = "mls-utf-8-replace"


class _ReplacingUtf8Decoder(codecs.BufferedIncrementalDecoder):
    def _buffer_decode(self, data: Any, errors: str, final: bool) -> tuple[str, int]:
        return codecs.utf_8_decode(data, "replace", final)


def _find_codec(name: str) -> codecs.CodecInfo | None:
    if name.replace("_", "-") != UTF8_REPLACING:
        return None
    return codecs.CodecInfo(
        name=UTF8_REPLACING,
        encode=codecs.utf_8_encode,
        decode=lambda data, errors="replace": codecs.utf_8_decode(data, "replace", True),
        incrementaldecoder=_ReplacingUtf8Decoder,
    )


def _register_codec() -> None:
    try:
        codecs.lookup(UTF8_REPLACING)
    except LookupError:
        codecs.register(_find_codec)


def utf8_damage(source: Source) -> tuple[int, int]:
    """(bytes in valid multi-byte UTF-8 characters, invalid sequences), streamed over the file."""
    decoder = codecs.getincrementaldecoder("utf-8")("replace")
    opener = gzip.open if source.compression == "gzip" else open
    multibyte = invalid = 0
    with opener(source.path, "rb") as fh:
        while block := fh.read(16 << 20):
            text = decoder.decode(block)
            bad = text.count("\ufffd")
            invalid += bad
            multibyte += max(0, len(block) - len(text) - 2 * bad)
    return multibyte, invalid


def _decodes_as_utf8(source: Source) -> bool:
    """Strict UTF-8 check of the whole file, streamed in 16 MB blocks."""
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    opener = gzip.open if source.compression == "gzip" else open
    try:
        with opener(source.path, "rb") as fh:
            while block := fh.read(16 << 20):
                decoder.decode(block)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True
