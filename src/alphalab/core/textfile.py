"""Read the text files users write (SDL, mappings, routing tables) as they save them.

UTF-8 with or without a byte-order mark (Windows Notepad and Excel add one) and UTF-16 with a
byte-order mark are accepted. Anything else is a ValidationError that names the file and the
first byte that is not UTF-8, with a hint.
"""

from __future__ import annotations

import codecs
from pathlib import Path

from alphalab.core.errors import ValidationError


def read_user_text(path: str | Path) -> str:
    """Return the text of ``path``, decoded from UTF-8 (BOM optional) or BOM-marked UTF-16."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except IsADirectoryError:
        raise ValidationError(f"{p}: is a directory, not a file", hint="name the JSON file itself") from None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError(not_utf8(p, exc), hint="save the file as UTF-8", source=str(p)) from None


def not_utf8(path: str | Path, exc: UnicodeDecodeError) -> str:
    """Say which byte of ``path`` is not UTF-8 (the sentence of the error)."""
    return f"{path}: is not UTF-8 text (byte {exc.object[exc.start : exc.start + 1]!r} at offset {exc.start})"
