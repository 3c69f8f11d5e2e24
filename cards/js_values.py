"""JavaScript value semantics of the template engine, on plain JSON values.

The official engine runs in JavaScript, so what a card shows depends on how
JavaScript prints numbers, joins arrays, tests truthiness and compares values.
Data is only read through dict keys and list indexes, never through attributes, so
no expression can reach Python objects.  Property names match case-insensitively,
like the engine, which takes the first key that matches.
"""

from __future__ import annotations

import functools
import json
import math
import re
from decimal import Decimal
from typing import Any


class _Undefined:
    """JavaScript's ``undefined``: a missing value, distinct from JSON ``null``."""

    _instance = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "UNDEFINED"


UNDEFINED = _Undefined()


class EvalError(Exception):
    """An evaluation error the official engine reports as an error value (not a crash)."""


def is_number(v: Any) -> bool:
    # bool is an int subclass in Python but never a number in JavaScript.
    return isinstance(v, (int, float)) and not isinstance(v, bool) and not (isinstance(v, float) and math.isnan(v))


def is_integer(v: Any) -> bool:
    # JavaScript cannot tell 2.0 from 2, so Number.isInteger(2.0) is true.
    return is_number(v) and (isinstance(v, int) or (math.isfinite(v) and v.is_integer()))


def is_nullish(v: Any) -> bool:
    return v is None or v is UNDEFINED


def normalise_number(v: float | int) -> float | int:
    if isinstance(v, float) and math.isfinite(v) and v.is_integer() and abs(v) < 2**53:
        return int(v)
    return v


def js_number(v: float | int) -> str:
    """Number.prototype.toString (ECMAScript Number::toString)."""
    if isinstance(v, float):
        if math.isnan(v):
            return "NaN"
        if math.isinf(v):
            return "Infinity" if v > 0 else "-Infinity"
    if v == 0:
        return "0"
    sign, digit_tuple, exponent = Decimal(repr(v) if isinstance(v, float) else str(v)).normalize().as_tuple()
    digits = "".join(map(str, digit_tuple))
    k, n = len(digits), len(digits) + exponent
    prefix = "-" if sign else ""
    if k <= n <= 21:
        return prefix + digits + "0" * (n - k)
    if 0 < n <= 21:
        return prefix + digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return prefix + "0." + "0" * (-n) + digits
    e = n - 1
    mantissa = digits if k == 1 else digits[0] + "." + digits[1:]
    return f"{prefix}{mantissa}e{'+' if e >= 0 else '-'}{abs(e)}"


def to_string(v: Any) -> str:
    """``value.toString()`` as used by the engine to join interpolated strings.

    Unlike ``String(v)`` it fails on ``null`` and missing values, which is why a
    ``null`` inside an interpolated string is an error.
    """
    if is_nullish(v):
        raise EvalError(f"cannot convert {'null' if v is None else 'undefined'} to text")
    return js_string(v)


def js_string(v: Any) -> str:
    """JavaScript ``String(v)``."""
    if v is None:
        return "null"
    if v is UNDEFINED:
        return "undefined"
    if isinstance(v, bool):
        return "true" if v else "false"
    if is_number(v) or isinstance(v, float):
        return js_number(v)
    if isinstance(v, list):
        return array_join(v, ",")
    if isinstance(v, dict):
        return "[object Object]"
    return str(v)


def array_join(items: list, sep: str) -> str:
    return sep.join("" if is_nullish(x) else js_string(x) for x in items)


def _js_json(v: Any) -> str:
    """JSON.stringify, which prints numbers the JavaScript way (2.0 is "2")."""
    if isinstance(v, dict):
        pairs = [json.dumps(str(k), ensure_ascii=False) + ":" + _js_json(x) for k, x in v.items() if x is not UNDEFINED]
        return "{" + ",".join(pairs) + "}"
    if isinstance(v, list):
        return "[" + ",".join("null" if x is UNDEFINED else _js_json(x) for x in v) + "]"
    if is_number(v):
        return js_number(v) if math.isfinite(v) else "null"
    return json.dumps(v, ensure_ascii=False)


def common_stringify(v: Any) -> str:
    if is_nullish(v):
        return ""
    if isinstance(v, (dict, list)):
        return re.sub(r"['\"]*$", "", re.sub(r"^['\"]*", "", _js_json(v)))
    return js_string(v)


def is_logic_true(v: Any) -> bool:
    # The engine's logic functions count only false, null and missing as false
    # (0 and '' are true), unlike JavaScript's own truthiness below.
    if isinstance(v, bool):
        return v
    return not is_nullish(v)


def js_truthy(v: Any) -> bool:
    if is_nullish(v) or v is False or v == "":
        return False
    if is_number(v):
        return v != 0
    return not (isinstance(v, float) and math.isnan(v))


def js_parse_int(v: Any) -> int | None:
    text = v if isinstance(v, str) else js_string(v)
    # Most of what is asked is a property name: no number can start there.
    if not text or not (text[0].isdecimal() or text[0] in "+-" or text[0].isspace()):
        return None
    m = _LEADING_INT.match(text)
    return int(m.group(1)) if m else None


_LEADING_INT = re.compile(r"\s*([+-]?\d+)")


def utf16_len(s: str) -> int:
    return len(s.encode("utf-16-le")) // 2


def common_equals(a: Any, b: Any) -> bool:
    if is_nullish(a) or is_nullish(b):
        return is_nullish(a) and is_nullish(b)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(common_equals(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return _deep_equal(a, b)
    if is_number(a) and is_number(b):
        return abs(a - b) < 2.220446049250313e-16
    return type(a) is type(b) and a == b


def _deep_equal(a: Any, b: Any) -> bool:
    # lodash isEqual, used by the engine for objects: strict types, 1 == 1.0.
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_deep_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_deep_equal(x, y) for x, y in zip(a, b))
    if is_number(a) and is_number(b):
        return a == b
    return type(a) is type(b) and a == b


def access_property(instance: Any, name: str) -> Any:
    # The engine looks keys up case-insensitively and takes the first match.
    if not js_truthy(instance):
        return UNDEFINED
    if isinstance(instance, dict):
        keys = instance.keys()
    elif isinstance(instance, (list, str)):
        keys = [str(i) for i in range(len(instance))]
    else:
        return UNDEFINED
    wanted = name.lower()
    for key in keys:
        if str(key).lower() == wanted:
            return instance[key] if isinstance(instance, dict) else instance[int(key)]
    return UNDEFINED


def access_index(instance: Any, index: int) -> Any:
    if is_nullish(instance):
        return UNDEFINED
    if not isinstance(instance, list):
        raise EvalError(f"{js_string(instance)} is not a collection")
    if not 0 <= index < len(instance):
        raise EvalError(f"{index} is out of range")
    return instance[index]


@functools.lru_cache(maxsize=4096)
def _path_parts(path: str) -> tuple[tuple[str, int | None], ...]:
    """A path's parts, unquoted, each with the index it reads as: the paths
    are mostly the templates' own, so each is split once."""
    parts = []
    for part in (p for p in re.split(r"[.\[\]]+", path) if p):
        if len(part) >= 2 and part[0] == part[-1] and part[0] in "'\"":
            part = part[1:-1]
        parts.append((part, js_parse_int(part)))
    return tuple(parts)


def get_path(scope: Any, path: str) -> Any:
    """SimpleObjectMemory.getValue: split the path text and walk it; failures are undefined."""
    value = UNDEFINED
    for part, index in _path_parts(path):
        try:
            if index is not None and isinstance(scope, list):
                value = access_index(scope, index)
            else:
                value = access_property(scope, part)
        except EvalError:
            return UNDEFINED
        scope = value
    return value
