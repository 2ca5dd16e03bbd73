"""Load operator-edited YAML while keeping the line of every mapping and value.

Rule and lexicon files are edited by hand; every validation error has to name the file, the line
and the field. ``load_yaml_with_lines`` returns plain Python data plus a :class:`LineMap` that knows
the 1-based line of each mapping key and sequence item by its path (a tuple of keys and indexes).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml


class SourceError(ValueError):
    """A problem located in a source file: ``file:line: field: message``."""

    def __init__(self, file: str, line: int | None, field: str | None, message: str):
        self.file, self.line, self.field, self.message = file, line, field, message
        where = f"{file}:{line}" if line else file
        super().__init__(f"{where}: {field + ': ' if field else ''}{message}")

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "field": self.field, "message": self.message}


@dataclass
class LineMap:
    file: str
    lines: dict[tuple, int] = field(default_factory=dict)

    def line(self, path: tuple) -> int | None:
        """Line of ``path``, or of its nearest ancestor that has one."""
        while True:
            if path in self.lines:
                return self.lines[path]
            if not path:
                return None
            path = path[:-1]

    def error(self, path: tuple, message: str) -> SourceError:
        field = ".".join(str(p) for p in path) or None
        return SourceError(self.file, self.line(path), field, message)


def _construct(node: yaml.Node, path: tuple, lines: dict[tuple, int], file: str) -> Any:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = key_node.value
            if key in out:
                raise SourceError(file, key_node.start_mark.line + 1, ".".join(map(str, path + (key,))), "duplicate key")
            lines[path + (key,)] = key_node.start_mark.line + 1
            out[key] = _construct(value_node, path + (key,), lines, file)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_construct(item, path + (i,), lines, file) for i, item in enumerate(node.value)]
    # Scalars: let the safe constructor resolve ints, floats, bools, nulls, dates.
    try:
        return yaml.SafeLoader("").construct_object(node, deep=True)
    except (ValueError, yaml.YAMLError) as exc:  # e.g. an impossible date such as 2027-02-30
        raise SourceError(file, node.start_mark.line + 1, ".".join(map(str, path)) or None,
                          f"invalid value {node.value!r}: {exc}") from exc


def load_yaml_with_lines(text: str, file: str = "<string>") -> tuple[Any, LineMap]:
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise SourceError(file, mark.line + 1 if mark else None, None, f"invalid YAML: {getattr(exc, 'problem', exc)}") from exc
    lines: dict[tuple, int] = {}
    data = None if root is None else _construct(root, (), lines, file)
    return data, LineMap(file=file, lines=lines)


def load_yaml_file(path: str | Path) -> tuple[Any, LineMap, str]:
    """Returns ``(data, line_map, raw_text)``; raises :class:`SourceError` for unreadable files."""
    p = Path(path)
    try:
        raw = p.read_bytes().decode("utf-8")
    except FileNotFoundError as exc:
        raise SourceError(str(p), None, None, "file not found") from exc
    except UnicodeDecodeError as exc:
        raise SourceError(str(p), None, None, f"not UTF-8 ({exc.reason} at byte {exc.start})") from exc
    data, lines = load_yaml_with_lines(raw, str(p))
    return data, lines, raw
