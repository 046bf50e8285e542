"""Reading the fields of parsed JSON dicts and of client objects alike, with checked types.

Client objects (the ``openai`` package's pydantic models) and the dicts ``json.loads`` returns
carry the same fields; :func:`field` reads either. The checked readers raise a ``TypeError`` or
``ValueError`` whose message names where the bad value was.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


_ABSENT = object()


def field(obj: Any, name: str) -> Any:
    """``obj[name]`` for a mapping, ``obj.name`` otherwise; ``None`` when absent."""
    if type(obj) is dict:  # parsed JSON: skip the slower abstract-class check
        return obj.get(name)
    extra: Any = getattr(obj, "__pydantic_extra__", _ABSENT)
    if extra is not _ABSENT:
        # A pydantic (v2) model, such as the openai package's: its fields live in __dict__, the
        # undeclared ones a server added (extra="allow") apart. Reading them there spares the
        # AttributeError its __getattr__ raises and formats for every absent name.
        value = obj.__dict__.get(name, _ABSENT)
        if value is not _ABSENT:
            return value
        return extra.get(name) if extra else None
    if isinstance(obj, Mapping):
        return obj.get(name)
    return getattr(obj, name, None)


def index(value: Any, where: str) -> int:
    """``value`` if it is an int >= 0.

    Raises:
        ValueError: it is not.
    """
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{where}: index must be an int >= 0, got {value!r}")
    return value


def text_or_none(value: Any, where: str) -> str | None:
    """``value`` if it is a str or None.

    Raises:
        TypeError: it is neither.
    """
    if value is None or isinstance(value, str):
        return value
    raise TypeError(f"{where} must be a str or None, got {type(value).__name__}")


def list_of(value: Any, where: str) -> Sequence[Any]:
    """``value`` if it is a list (any sequence but a str or bytes); ``()`` for None.

    Raises:
        TypeError: it is something else.
    """
    if value is None:
        return ()
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Sequence):
        raise TypeError(f"{where} must be a list, got {type(value).__name__}")
    return value


def int_or_none(value: Any, where: str) -> int | None:
    """``value`` if it is an int or None.

    Raises:
        ValueError: it is neither.
    """
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    raise ValueError(f"{where} must be an int, got {value!r}")
