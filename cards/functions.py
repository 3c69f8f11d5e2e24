"""The builtin functions of template expressions, as the official engine implements them.

Operators are parsed into calls of these functions (``a + b`` is ``add(a, b)``), so
this table defines the operators too.  Reproduced quirks of the official engine:

* a value that is *missing* (not ``null``) prints as its own ``${path}``, also inside
  most functions (``toUpper(missing)`` is ``"${MISSING}"``, ``coalesce(missing, 'x')``
  is ``"${missing}"``), but not inside ``if``'s condition, ``not``, ``and``, ``or``,
  comparisons, ``exists`` and ``empty`` (the "lazy" and "compare" modes below);
* ``&&``, ``||``, ``!`` and ``if`` treat only ``false``, ``null`` and missing as false
  (``0`` and ``''`` are true).
"""

from __future__ import annotations

import math
from typing import Any, Protocol

from .js_values import (
    UNDEFINED,
    EvalError,
    access_property,
    array_join,
    common_equals,
    common_stringify,
    is_integer,
    is_logic_true,
    is_nullish,
    is_number,
    js_number,
    js_parse_int,
    js_string,
    normalise_number,
    utf16_len,
)

__all__ = ["FUNCTIONS", "MANY", "Evaluator"]


class Evaluator(Protocol):
    """What a "lazy" function gets to evaluate its argument nodes itself."""

    def evaluate(self, node: Any, subst: bool) -> Any: ...


def _fn_if(scope: Evaluator, args, subst):
    try:
        condition = is_logic_true(scope.evaluate(args[0], False))
    except EvalError:
        condition = False
    return scope.evaluate(args[1] if condition else args[2], subst)


def _fn_not(scope: Evaluator, args, subst):
    try:
        return not is_logic_true(scope.evaluate(args[0], False))
    except EvalError:
        return True


def _fn_and(scope: Evaluator, args, subst):
    for arg in args:
        try:
            if not is_logic_true(scope.evaluate(arg, False)):
                return False
        except EvalError:
            return False
    return True


def _fn_or(scope: Evaluator, args, subst):
    # Like the engine: when nothing is true, the last operand's value comes back as
    # it is (false || null is null), and undefined if that operand failed.
    result: Any = False
    for arg in args:
        try:
            result = scope.evaluate(arg, False)
        except EvalError:
            result = UNDEFINED
            continue
        if is_logic_true(result):
            return True
    return result


def _fn_contains(scope: Evaluator, args, subst):
    try:
        haystack, needle = (scope.evaluate(a, subst) for a in args)
    except EvalError:
        return False
    if isinstance(haystack, str) and isinstance(needle, str):
        return needle in haystack
    if isinstance(haystack, list):
        return any(common_equals(item, needle) for item in haystack)
    if isinstance(needle, str):
        return access_property(haystack, needle) is not UNDEFINED
    return False


def _compare(op):
    def compare(a, b):
        if is_nullish(a) or is_nullish(b):
            return False
        if (is_number(a) and is_number(b)) or (isinstance(a, str) and isinstance(b, str)):
            return op(a, b)
        raise EvalError(f"{js_string(a)} and {js_string(b)} must be comparable")

    return compare


def _fn_empty(value):
    if is_nullish(value):
        return True
    if isinstance(value, (str, list, dict)):
        return len(value) == 0
    return False  # the engine rejects numbers and booleans, which counts as false


def _fn_count(value):
    if isinstance(value, (str, list, dict)):
        return utf16_len(value) if isinstance(value, str) else len(value)
    raise EvalError("count() needs a string, a list or an object")


def _fn_length(value):
    if isinstance(value, str):
        return utf16_len(value)
    if value is UNDEFINED:
        return 0
    raise EvalError("length() needs a string")


def _fn_join(items, sep, last_sep=UNDEFINED):
    if not isinstance(items, list):
        raise EvalError(f"{js_string(items)} is not a list")
    sep_text = "," if sep is UNDEFINED else js_string(sep)
    if last_sep is UNDEFINED and sep is not UNDEFINED:
        return array_join(items, sep_text)
    last_text = "," if last_sep is UNDEFINED else js_string(last_sep)
    if len(items) < 3:
        return array_join(items, last_text)
    return array_join(items[:-1], sep_text) + last_text + js_string(items[-1])


def _fn_concat(*args):
    result = args[0]
    for item in args[1:]:
        if is_nullish(result) and is_nullish(item):
            result = UNDEFINED
        elif is_nullish(result) and isinstance(item, list):
            result = item
        elif is_nullish(item) and isinstance(result, list):
            pass
        elif isinstance(result, list) and isinstance(item, list):
            result = result + item
        else:
            result = common_stringify(result) + common_stringify(item)
    return result


def _fn_string(value, locale=""):
    _check_locale(locale)
    if isinstance(value, str):
        return value
    if is_number(value) and abs(value) >= 1e21:
        return js_number(value)
    if is_number(value):
        # The engine formats with d3-format ",.Nf" (en-US grouping, U+2212 minus).
        text = js_number(value)
        precision = len(text.split(".")[1]) if "." in text else 0
        formatted = f"{abs(value):,.{precision}f}"
        return ("\u2212" if value < 0 else "") + formatted
    return common_stringify(value)


def _fn_int(value):
    if isinstance(value, str):
        result = js_parse_int(value)
        if result is None:
            raise EvalError(f"parameter {value} is not a valid number string")
        return result
    if is_number(value):
        return js_parse_int(value)
    return UNDEFINED


def _number_args(*args):
    for a in args:
        if not is_number(a):
            raise EvalError(f"{js_string(a)} is not a number")
    return args


def _fn_add(*args):
    for a in args:
        if not (isinstance(a, str) or a is UNDEFINED or is_number(a)):
            raise EvalError(f"{js_string(a)} is neither a number nor a string")
    result = args[0]
    for item in args[1:]:
        if (result is UNDEFINED and is_number(item)) or (item is UNDEFINED and is_number(result)):
            raise EvalError("'+' cannot be applied to a number and a missing value")
        if is_number(result) and is_number(item):
            result = normalise_number(result + item)
        else:
            result = ("" if result is UNDEFINED else js_string(result)) + ("" if item is UNDEFINED else js_string(item))
    return result


def _fold_numbers(op):
    def fold(*args):
        result, *rest = _number_args(*args)
        for item in rest:
            result = normalise_number(op(result, item))
        return result

    return fold


def _divide(a, b):
    if b == 0:
        raise EvalError("cannot divide by 0")
    return math.floor(a / b) if is_integer(a) and is_integer(b) else a / b


def _fn_mod(a, b):
    if not (is_integer(a) and is_integer(b)):
        raise EvalError("mod() needs integers")
    if b == 0:
        raise EvalError("cannot mod by 0")
    return int(math.fmod(a, b))


def _fn_first(value):
    if isinstance(value, (str, list)) and value:
        return value[0]
    return UNDEFINED


def _fn_last(value):
    if isinstance(value, (str, list)) and value:
        return value[-1]
    return UNDEFINED


def _check_locale(locale):
    if not isinstance(locale, str):
        raise EvalError("a locale must be a string")


def _case_function(name, convert):
    def transform(value, locale=""):
        _check_locale(locale)
        if isinstance(value, str):
            return convert(value)
        if value is UNDEFINED:
            return ""
        raise EvalError(f"{name}() needs a string")

    return transform


def _fn_coalesce(*args):
    return next((a for a in args if not is_nullish(a)), UNDEFINED)


MANY = 99
# name: (implementation, min args, max args, mode).  Modes: "eager" evaluates the
# arguments (missing values become "${path}"), "compare" evaluates them without that
# substitution and turns evaluation errors into false, "lazy" gets the evaluator and
# the argument nodes.
FUNCTIONS: dict[str, tuple] = {
    "if": (_fn_if, 3, 3, "lazy"),
    "not": (_fn_not, 1, 1, "lazy"),
    "and": (_fn_and, 1, MANY, "lazy"),
    "or": (_fn_or, 1, MANY, "lazy"),
    "contains": (_fn_contains, 2, 2, "lazy"),
    "equals": (common_equals, 2, 2, "compare"),
    "notEquals": (lambda a, b: not common_equals(a, b), 2, 2, "compare"),
    "less": (_compare(lambda a, b: a < b), 2, 2, "compare"),
    "lessOrEquals": (_compare(lambda a, b: a <= b), 2, 2, "compare"),
    "greater": (_compare(lambda a, b: a > b), 2, 2, "compare"),
    "greaterOrEquals": (_compare(lambda a, b: a >= b), 2, 2, "compare"),
    "exists": (lambda v: not is_nullish(v), 1, 1, "compare"),
    "empty": (_fn_empty, 1, 1, "compare"),
    "count": (_fn_count, 1, 1, "eager"),
    "length": (_fn_length, 1, 1, "eager"),
    "join": (_fn_join, 2, 3, "eager"),
    "concat": (_fn_concat, 1, MANY, "eager"),
    "string": (_fn_string, 1, 2, "eager"),
    "int": (_fn_int, 1, 1, "eager"),
    "add": (_fn_add, 2, MANY, "eager"),
    "sub": (_fold_numbers(lambda a, b: a - b), 2, MANY, "eager"),
    "mul": (_fold_numbers(lambda a, b: a * b), 2, MANY, "eager"),
    "div": (_fold_numbers(_divide), 2, MANY, "eager"),
    "mod": (_fn_mod, 2, 2, "eager"),
    "first": (_fn_first, 1, 1, "eager"),
    "last": (_fn_last, 1, 1, "eager"),
    "toUpper": (_case_function("toUpper", str.upper), 1, 2, "eager"),
    "toLower": (_case_function("toLower", str.lower), 1, 2, "eager"),
    "coalesce": (_fn_coalesce, 1, MANY, "eager"),
}
