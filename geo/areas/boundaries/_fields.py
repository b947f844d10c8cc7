"""Which attribute holds an area's code, name and parent code.

ONS files name their fields by geography and year (``CED23CD``, ``LAD23NM``, ``CTY23CD``); the
shared Kent files use ``ced_code``, ``lad_name`` and so on. A field is chosen automatically
only when exactly one matches; otherwise the error lists the file's fields so the user can
pass ``--code-field`` (or the name or parent equivalent).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from geo.errors import InputError

_CODE = {
    "county": (r"CTY\d{2}CD", r"cty_code"),
    "district": (r"LAD\d{2}CD", r"lad_code"),
    "division": (r"CED\d{2}CD", r"ced_code"),
}
# Welsh names (``...NMW``) never match: the patterns match whole field names.
_NAME = {
    "county": (r"CTY\d{2}NM", r"cty_name"),
    "district": (r"LAD\d{2}NM", r"lad_name"),
    "division": (r"CED\d{2}NM", r"ced_name"),
}
_GENERIC_NAME = (r"name", r"nm")
_PARENT = {"division": (r"LAD\d{2}CD", r"lad_code")}
_OPTION = {"code": "--code-field", "name": "--name-field", "parent": "--parent-field"}


def choose_fields(
    file: str,
    level: str,
    columns: Sequence[str],
    *,
    code: str | None,
    name: str | None,
    parent: str | None,
) -> tuple[str, str, str | None]:
    """The (code, name, parent) fields to read; parent is None when there is none."""
    code_field = _given(file, columns, code, "code") or _detect(
        file, level, columns, _CODE[level], "code", required=True
    )
    name_field = _given(file, columns, name, "name") or _detect_name(file, level, columns)
    parent_field = _given(file, columns, parent, "parent")
    if parent_field is None and level in _PARENT:
        parent_field = _detect(file, level, columns, _PARENT[level], "parent", required=False)
    assert code_field is not None
    return code_field, name_field, parent_field


def _given(file: str, columns: Sequence[str], field: str | None, what: str) -> str | None:
    if field is None:
        return None
    if field not in columns:
        raise InputError(
            file, f"has no field {field!r} (given as the {what} field); {_fields_text(columns)}"
        )
    return field


def _detect_name(file: str, level: str, columns: Sequence[str]) -> str:
    found = _matches(columns, _NAME[level]) or _matches(columns, _GENERIC_NAME)
    if len(found) == 1:
        return found[0]
    return _detect(file, level, columns, _NAME[level], "name", required=True) or ""


def _detect(
    file: str,
    level: str,
    columns: Sequence[str],
    patterns: Sequence[str],
    what: str,
    *,
    required: bool,
) -> str | None:
    found = _matches(columns, patterns)
    if len(found) == 1:
        return found[0]
    if len(found) > 1:
        raise InputError(
            file,
            f"more than one field could be the {level} {what}: {', '.join(found)}; "
            f"choose one with {_OPTION[what]}",
        )
    if not required:
        return None
    examples = " or ".join(p.replace(r"\d{2}", "23") for p in patterns)
    raise InputError(
        file,
        f"no {level} {what} field found (looked for {examples}); {_fields_text(columns)}; "
        f"name the right one with {_OPTION[what]}",
    )


def _matches(columns: Sequence[str], patterns: Sequence[str]) -> list[str]:
    return [c for c in columns if any(re.fullmatch(p, c, flags=re.IGNORECASE) for p in patterns)]


def _fields_text(columns: Sequence[str]) -> str:
    shown = ", ".join(columns) if columns else "(none)"
    return f"the file's fields are: {shown}"
