"""Reading an essay file for the commands: the import page's reading (claims/intake.py), with the path in every message."""

from django.core.management.base import CommandError

from claims import importing, intake


def read_essay_file(path):
    """The Intake of an essay file (.txt, .md, .docx, .html, .mhtml), or a CommandError that says what is wrong with it."""
    if not path.exists():
        raise CommandError(f"{path}: no such file.")
    if path.is_dir():
        raise CommandError(f"{path}: is a directory; give the path of a text file.")
    if not path.is_file():
        raise CommandError(f"{path}: not a regular file.")
    limit = max(importing.max_bytes(), intake.max_file_bytes())
    try:
        with path.open("rb") as essay_file:
            # One byte over the limit is enough to refuse, whatever the file grew to.
            raw = essay_file.read(limit + 1)
    except OSError as exc:
        raise CommandError(f"{path}: cannot be read ({exc.strerror}).") from None
    if len(raw) > limit:
        raise CommandError(f"{path}: the file is over the limit of {limit:,} bytes (ESSAY_MAX_BYTES, IMPORT_MAX_FILE_BYTES).")
    try:
        return intake.from_file(path.name, raw)
    except importing.EssayRejected as exc:
        raise CommandError(f"{path}: {exc.message}") from None


def read_essay(path):
    """The text of an essay file, or a CommandError."""
    return read_essay_file(path).text
