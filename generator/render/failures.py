"""Whatever goes wrong in a template run, as a TemplateError naming the template file and line.

The template is user input, so any exception out of a run is the template's failure, not a
bug in modelops: a limit it went past (sandbox.Refused), Jinja's own errors, and Python's
(1/0, 1 + 'a', RecursionError from an include of itself, MemoryError).  The line is the
innermost template frame of the traceback, which may be in an included template.

Problems found in the output after the run (YAML that does not parse, a document that is no
Kubernetes object) have only an output position; `output_line` maps it to the template line
that printed it by rendering once more and watching which template line yields each chunk.
"""

from __future__ import annotations

import traceback
import types
from typing import Any

import jinja2
from jinja2.sandbox import SecurityError

from generator.errors import TemplateError
from generator.layout import TEMPLATES_DIR
from generator.render.sandbox import Refused

_TEMPLATE_FILE = f"{TEMPLATES_DIR}/"


def _where(exc: BaseException, filename: str) -> tuple[str, int | None]:
    """The innermost frame that runs template code, else `filename` and the line Jinja knows."""
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename.startswith(_TEMPLATE_FILE):
            return frame.filename, frame.lineno
    return filename, getattr(exc, "lineno", None)


def _message(exc: BaseException) -> str:
    if isinstance(exc, Refused):
        return str(exc)
    if isinstance(exc, jinja2.UndefinedError):
        return f"undefined value: {exc.message}"
    if isinstance(exc, jinja2.TemplateNotFound):
        return f"no template {exc.name} in {TEMPLATES_DIR}/ or the built-in ones"
    if isinstance(exc, SecurityError):
        return f"template tried an unsafe operation: {exc}"
    if isinstance(exc, jinja2.TemplateError):
        return f"template error: {exc}"
    if isinstance(exc, RecursionError):
        return "templates nest too deeply: does a template include itself, or a macro call itself?"
    if isinstance(exc, MemoryError):
        return "template ran out of memory"
    return f"template failed: {exc} ({type(exc).__name__})"


def template_error(exc: Exception, filename: str) -> TemplateError:
    """The TemplateError for an exception out of compiling or running template `filename`."""
    if isinstance(exc, jinja2.TemplateSyntaxError):
        file = exc.filename if exc.filename and exc.filename.startswith(_TEMPLATE_FILE) else filename
        return TemplateError.at(f"template syntax error: {exc.message}", file, exc.lineno)
    file, line = _where(exc, filename)
    return TemplateError.at(_message(exc), file, line)


def offset_of_line(text: str, line: int) -> int:
    """Offset in `text` where 1-based `line` starts."""
    offset = 0
    for _ in range(line - 1):
        found = text.find("\n", offset)
        if found < 0:
            break
        offset = found + 1
    return offset


def output_line(template: jinja2.Template, source: str, context: dict[str, Any], offset: int) -> int | None:
    """The line of `source` (the text of `template`) whose output reaches `offset` of what it renders for `context`.

    Rendering is deterministic, so a second run prints the same text.  A template's render
    function yields its output chunk by chunk; the generator's paused frame says which
    statement yielded each (an include or a macro shows as the line that called it).  Jinja
    maps only statements to lines, so a chunk of literal text is looked up in the source
    from that statement on.
    """
    generator = template.root_render_func(template.new_context(context))
    if not isinstance(generator, types.GeneratorType):
        return None
    printed, line, chunk = 0, None, ""
    try:
        for chunk in generator:
            frame = generator.gi_frame
            line = template.get_corresponding_lineno(frame.f_lineno) if frame is not None else line
            printed += len(chunk)
            if printed > offset:
                return _literal_line(source, chunk, line or 1, len(chunk) - (printed - offset))
    except Exception:  # asked only after a run that succeeded; a failing second one must not hide the finding
        return None
    finally:
        generator.close()
    # Past the end of the output (YAML that ends too early): the last line that printed something.
    return _literal_line(source, chunk, line, len(chunk.rstrip("\n"))) if line is not None else None


def _literal_line(source: str, chunk: str, statement: int, within: int) -> int:
    found = source.find(chunk, offset_of_line(source, statement)) if chunk.strip() else -1
    if found < 0:
        return statement
    return source.count("\n", 0, found) + 1 + chunk.count("\n", 0, within)
