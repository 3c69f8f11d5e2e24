"""A small, safe expander for the Adaptive Cards Template Language.

It follows the official JavaScript engine (npm ``adaptivecards-templating`` on top of
``adaptive-expressions``) closely enough that the tests compare the two on every
template and fixture.  Expressions are tokenised and parsed here and evaluated by a
tiny interpreter: nothing is ever handed to ``eval``/``exec``, and data is only read
through dict keys and list indexes, so neither a template nor user data can reach
Python objects or run code.  Values taken from the data are never expanded again.

Supported: ``${...}`` in strings, ``\\${`` for a literal ``${``, ``$data`` (object or
array, repeating the element), ``$when``, ``$index``, ``$root``, ``$data``, ``$host``;
property paths (``a.b``, ``a['b']``, ``a[0]``), literals, the operators
``! - + * / % == != < <= > >= & && || ?? ?:`` and the functions listed in
``_FUNCTIONS``.  Anything else raises :class:`TemplateError`.

Known deliberate difference from the official engine: an evaluation error inside an
interpolated string (``"a ${1/0} b"``, an unknown function, ...) raises
:class:`TemplateError` here, where the official engine leaves ``${...}`` in the text.
Quirks of the official engine that are reproduced on purpose (they decide what a
card shows, so matching them keeps the designer preview and the bot identical):

* a value that is *missing* (not ``null``) prints as its own ``${path}``, also inside
  most functions (``toUpper(missing)`` is ``"${MISSING}"``, ``coalesce(missing, 'x')``
  is ``"${missing}"``), but not inside ``if``'s condition, ``not``, ``and``, ``or``,
  comparisons, ``exists`` and ``empty``;
* a ``null`` value inside an interpolated string is an error;
* property names match case-insensitively;
* ``&&``, ``||``, ``!`` and ``if`` treat only ``false``, ``null`` and missing as false
  (``0`` and ``''`` are true); ``$when`` keeps an element only for boolean ``true``;
* a string that holds ``${`` must not contain an unescaped backtick or end with a
  backslash (syntax error in the official engine).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

__all__ = ["TemplateError", "UNDEFINED", "expand", "compile_template", "expand_compiled"]


class TemplateError(ValueError):
    """A template is malformed or one of its expressions cannot be evaluated."""


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


class _EvalError(Exception):
    """An evaluation error the official engine reports as an error value (not a crash)."""


# --------------------------------------------------------------------------- values

def _is_number(v: Any) -> bool:
    # bool is an int subclass in Python but never a number in JavaScript.
    return isinstance(v, (int, float)) and not isinstance(v, bool) and not (isinstance(v, float) and math.isnan(v))


def _is_integer(v: Any) -> bool:
    # JavaScript cannot tell 2.0 from 2, so Number.isInteger(2.0) is true.
    return _is_number(v) and (isinstance(v, int) or (math.isfinite(v) and v.is_integer()))


def _is_nullish(v: Any) -> bool:
    return v is None or v is UNDEFINED


def _normalise_number(v: float | int) -> float | int:
    if isinstance(v, float) and math.isfinite(v) and v.is_integer() and abs(v) < 2**53:
        return int(v)
    return v


def _js_number(v: float | int) -> str:
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


def _to_string(v: Any) -> str:
    """``value.toString()`` as used by the engine to join interpolated strings."""
    if _is_nullish(v):
        raise _EvalError(f"cannot convert {'null' if v is None else 'undefined'} to text")
    return _js_string(v)


def _js_string(v: Any) -> str:
    """JavaScript ``String(v)``."""
    if v is None:
        return "null"
    if v is UNDEFINED:
        return "undefined"
    if isinstance(v, bool):
        return "true" if v else "false"
    if _is_number(v) or isinstance(v, float):
        return _js_number(v)
    if isinstance(v, list):
        return _array_join(v, ",")
    if isinstance(v, dict):
        return "[object Object]"
    return str(v)


def _array_join(items: list, sep: str) -> str:
    return sep.join("" if _is_nullish(x) else _js_string(x) for x in items)


def _js_json(v: Any) -> str:
    """JSON.stringify, which prints numbers the JavaScript way (2.0 is "2")."""
    if isinstance(v, dict):
        pairs = [json.dumps(str(k), ensure_ascii=False) + ":" + _js_json(x) for k, x in v.items() if x is not UNDEFINED]
        return "{" + ",".join(pairs) + "}"
    if isinstance(v, list):
        return "[" + ",".join("null" if x is UNDEFINED else _js_json(x) for x in v) + "]"
    if _is_number(v):
        return _js_number(v) if math.isfinite(v) else "null"
    return json.dumps(v, ensure_ascii=False)


def _common_stringify(v: Any) -> str:
    if _is_nullish(v):
        return ""
    if isinstance(v, (dict, list)):
        return re.sub(r"['\"]*$", "", re.sub(r"^['\"]*", "", _js_json(v)))
    return _js_string(v)


def _is_logic_true(v: Any) -> bool:
    if isinstance(v, bool):
        return v
    return not _is_nullish(v)


def _js_truthy(v: Any) -> bool:
    if _is_nullish(v) or v is False or v == "":
        return False
    if _is_number(v):
        return v != 0
    return not (isinstance(v, float) and math.isnan(v))


def _js_parse_int(v: Any) -> int | None:
    m = re.match(r"\s*([+-]?\d+)", _js_string(v))
    return int(m.group(1)) if m else None


def _utf16_len(s: str) -> int:
    return len(s.encode("utf-16-le")) // 2


def _common_equals(a: Any, b: Any) -> bool:
    if _is_nullish(a) or _is_nullish(b):
        return _is_nullish(a) and _is_nullish(b)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_common_equals(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_deep_equal(a[k], b[k]) for k in a)
    if _is_number(a) and _is_number(b):
        return abs(a - b) < 2.220446049250313e-16
    return type(a) is type(b) and a == b


def _deep_equal(a: Any, b: Any) -> bool:
    # lodash isEqual, used by the engine for objects: strict types, 1 == 1.0.
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_deep_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_deep_equal(x, y) for x, y in zip(a, b))
    if _is_number(a) and _is_number(b):
        return a == b
    return type(a) is type(b) and a == b


def _access_property(instance: Any, name: str) -> Any:
    # The engine looks keys up case-insensitively and takes the first match.
    if not _js_truthy(instance):
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


def _access_index(instance: Any, index: int) -> Any:
    if _is_nullish(instance):
        return UNDEFINED
    if not isinstance(instance, list):
        raise _EvalError(f"{_js_string(instance)} is not a collection")
    if not 0 <= index < len(instance):
        raise _EvalError(f"{index} is out of range")
    return instance[index]


def _get_path(scope: Any, path: str) -> Any:
    """SimpleObjectMemory.getValue: split the path text and walk it; failures are undefined."""
    value = UNDEFINED
    for part in (p for p in re.split(r"[.\[\]]+", path) if p):
        if len(part) >= 2 and part[0] == part[-1] and part[0] in "'\"":
            part = part[1:-1]
        index = _js_parse_int(part)
        try:
            if index is not None and isinstance(scope, list):
                value = _access_index(scope, index)
            else:
                value = _access_property(scope, part)
        except _EvalError:
            return UNDEFINED
        scope = value
    return value


# --------------------------------------------------------------------------- parsing

@dataclass(frozen=True)
class _Const:
    value: Any


@dataclass(frozen=True)
class _Access:
    name: str
    parent: Any = None  # None: a top-level name, looked up in the data context


@dataclass(frozen=True)
class _Element:
    instance: Any
    index: Any


@dataclass(frozen=True)
class _Call:
    name: str
    args: tuple


_TOKEN_RE = re.compile(
    r"""(?P<ws>[ \t\r\n\ufeff\u00a0]+)
      | (?P<num>\d+(?:\.\d+)?)
      | (?P<str>'(?:\\['\\]|\\(?!['\\])|[^'\\])*'|"(?:\\["\\]|\\(?!["\\])|[^"\\])*")
      | (?P<id>(?:@@|[A-Za-z_@#$])[A-Za-z0-9_]*|%[A-Za-z0-9_]+)
      | (?P<op>==|!=|<>|<=|>=|&&|\|\||\?\?|=>|[-+*/%^!<>&()\[\]{},.:?])""",
    re.VERBOSE,
)

# Lowest to highest precedence, as in adaptive-expressions' grammar (note that
# equality binds tighter than '<', and '&' sits between them).
_BINARY_LEVELS = (("??",), ("||",), ("&&",), ("<", "<=", ">", ">="), ("&",), ("==", "!="), ("+", "-"), ("*", "/", "%"))
_OPERATOR_FUNCTIONS = {
    "??": "coalesce", "||": "or", "&&": "and", "<": "less", "<=": "lessOrEquals", ">": "greater",
    ">=": "greaterOrEquals", "&": "concat", "==": "equals", "!=": "notEquals", "+": "add", "-": "sub",
    "*": "mul", "/": "div", "%": "mod",
}
_KEYWORDS = {"true": True, "false": False, "null": None, "undefined": UNDEFINED}


def _unescape_string_literal(token: str) -> str:
    quote, body = token[0], token[1:-1]
    body = body.replace("\\" + quote, quote)
    table = {"\\r": "\r", "\\n": "\n", "\\t": "\t", "\\\\": "\\"}
    return re.sub(r"\\[^\r\n]?", lambda m: table.get(m.group(0), m.group(0)), body)


class _Parser:
    def __init__(self, source: str):
        self.source = source
        self.tokens: list[tuple[str, str]] = []
        pos = 0
        while pos < len(source):
            m = _TOKEN_RE.match(source, pos)
            if not m:
                self.fail(f"unexpected character {source[pos]!r}")
            if m.lastgroup != "ws":
                self.tokens.append((m.lastgroup, m.group()))
            pos = m.end()
        self.pos = 0

    def fail(self, message: str):
        raise TemplateError(f"{message} in template expression '${{{self.source}}}'")

    def peek(self) -> str | None:
        return self.tokens[self.pos][1] if self.pos < len(self.tokens) else None

    def take(self, expected: str | None = None) -> tuple[str, str]:
        if self.pos >= len(self.tokens):
            self.fail("unexpected end" + (f", expected {expected!r}" if expected else ""))
        kind, text = self.tokens[self.pos]
        if expected is not None and (kind not in ("op",) or text != expected):
            self.fail(f"expected {expected!r} but found {text!r}")
        self.pos += 1
        return kind, text

    def parse(self):
        if not self.tokens:
            return _Const("")
        try:
            node = self.ternary()
        except RecursionError:
            self.fail("expression nested too deeply")
        if self.pos != len(self.tokens):
            self.fail(f"unexpected {self.peek()!r}")
        return node

    def ternary(self):
        cond = self.binary(0)
        if self.peek() == "?":
            self.take("?")
            then = self.ternary()
            self.take(":")
            return self.call("if", (cond, then, self.ternary()))
        return cond

    def binary(self, level: int):
        if level == len(_BINARY_LEVELS):
            return self.unary()
        node = self.binary(level + 1)
        while self.pos < len(self.tokens) and self.tokens[self.pos][0] == "op" and self.peek() in _BINARY_LEVELS[level]:
            _, op = self.take()
            node = self.call(_OPERATOR_FUNCTIONS[op], (node, self.binary(level + 1)))
        return node

    def unary(self):
        if self.pos < len(self.tokens) and self.tokens[self.pos][0] == "op" and self.peek() in ("!", "-", "+"):
            _, op = self.take()
            operand = self.unary()
            if op == "!":
                return self.call("not", (operand,))
            return self.call("sub" if op == "-" else "add", (_Const(0), operand))
        return self.postfix(self.primary())

    def primary(self):
        kind, text = self.take()
        if kind == "num":
            return _Const(float(text) if "." in text else int(text))
        if kind == "str":
            return _Const(_unescape_string_literal(text))
        if kind == "id":
            return _Const(_KEYWORDS[text]) if text in _KEYWORDS else _Access(text)
        if text == "(":
            node = self.ternary()
            self.take(")")
            return node
        if text in ("[", "{", "=>", "^", "<>"):
            self.fail(f"{text!r} is not supported by this template engine")
        self.fail(f"unexpected {text!r}")

    def postfix(self, node):
        while self.pos < len(self.tokens) and self.tokens[self.pos][0] == "op":
            op = self.peek()
            if op == ".":
                self.take()
                kind, name = self.take()
                if kind != "id":
                    self.fail(f"expected a property name after '.', found {name!r}")
                node = _Access(name, node)
            elif op == "[":
                self.take()
                index = self.ternary()
                self.take("]")
                node = _Element(node, index)
            elif op == "(":
                name = self.dotted_name(node)
                self.take()
                args = []
                if self.peek() != ")":
                    args.append(self.ternary())
                    while self.peek() == ",":
                        self.take()
                        args.append(self.ternary())
                self.take(")")
                node = self.call(name, tuple(args))
            else:
                break
        return node

    def dotted_name(self, node) -> str:
        if isinstance(node, _Access):
            return node.name if node.parent is None else f"{self.dotted_name(node.parent)}.{node.name}"
        self.fail("only named functions can be called")

    def call(self, name: str, args: tuple):
        spec = _FUNCTIONS.get(name)
        if spec is None:
            self.fail(f"unknown function {name!r}")
        low, high = spec[1], spec[2]
        if not low <= len(args) <= high:
            wanted = str(low) if low == high else f"{low} to {high}" if high < 99 else f"at least {low}"
            self.fail(f"{name}() takes {wanted} arguments, got {len(args)}")
        return _Call(name, args)


# --------------------------------------------------------------------------- evaluation

# The official engine version whose behaviour this module follows.
_ENGINE_VERSION = {"major": 2, "minor": 3, "patch": 1, "suffix": ""}


class _Scope:
    """The evaluation context: $root, $data, $index and $host."""

    def __init__(self, root: Any, host: Any):
        self.root, self.host = root, host
        self.data: Any = UNDEFINED
        self.index: Any = UNDEFINED

    def memory(self) -> dict:
        data = self.root if self.data is UNDEFINED else self.data
        return {
            "$root": self.root,
            "$data": data,
            "$index": self.index,
            "$host": self.host,
            "$_acTemplateVersion": _ENGINE_VERSION,
        }

    def evaluate(self, node, subst: bool) -> Any:
        """Evaluate an expression. ``subst``: print missing values as ``${path}``."""
        if isinstance(node, _Const):
            return node.value
        if isinstance(node, _Access):
            return self._access(node, subst)
        if isinstance(node, _Element):
            instance = self.evaluate(node.instance, subst)
            index = self.evaluate(node.index, False)
            if _is_integer(index):
                return _access_index(instance, int(index))
            if isinstance(index, str):
                return _access_property(instance, index)
            raise _EvalError("an index must be an integer or a string")
        impl, _, _, mode = _FUNCTIONS[node.name]
        if mode == "lazy":
            return impl(self, node.args, subst)
        if mode == "compare":
            try:
                args = [self.evaluate(a, False) for a in node.args]
            except _EvalError:
                return False
            return impl(*args)
        args = [self.evaluate(a, subst) for a in node.args]
        return impl(*args)

    def _access(self, node: _Access, subst: bool) -> Any:
        # Build the same path text as adaptive-expressions, since missing values
        # are printed as that text.
        path, current = "", node
        while isinstance(current, (_Access, _Element)):
            if isinstance(current, _Access):
                path = f"{current.name}.{path}"
                current = current.parent
            else:
                index = self.evaluate(current.index, subst)
                if _js_parse_int(index) is not None:
                    path = f"[{_js_string(index)}].{path}"
                elif isinstance(index, str):
                    path = f"['{index}'].{path}"
                else:
                    raise _EvalError("an index must be an integer or a string")
                current = current.instance
        path = path.rstrip(".").replace(".[", "[")
        if current is None:
            lookup = path if path.startswith("$") else "$data." + path
            value = _get_path(self.memory(), lookup)
        else:
            value = _get_path(self.evaluate(current, subst), path)
        if value is UNDEFINED and subst:
            return "${" + path + "}"
        return value


def _fn_if(scope: _Scope, args, subst):
    try:
        condition = _is_logic_true(scope.evaluate(args[0], False))
    except _EvalError:
        condition = False
    return scope.evaluate(args[1] if condition else args[2], subst)


def _fn_not(scope: _Scope, args, subst):
    try:
        return not _is_logic_true(scope.evaluate(args[0], False))
    except _EvalError:
        return True


def _fn_and(scope: _Scope, args, subst):
    for arg in args:
        try:
            if not _is_logic_true(scope.evaluate(arg, False)):
                return False
        except _EvalError:
            return False
    return True


def _fn_or(scope: _Scope, args, subst):
    # Like the engine: when nothing is true, the last operand's value comes back as
    # it is (false || null is null), and undefined if that operand failed.
    result: Any = False
    for arg in args:
        try:
            result = scope.evaluate(arg, False)
        except _EvalError:
            result = UNDEFINED
            continue
        if _is_logic_true(result):
            return True
    return result


def _fn_contains(scope: _Scope, args, subst):
    try:
        haystack, needle = (scope.evaluate(a, subst) for a in args)
    except _EvalError:
        return False
    if isinstance(haystack, str) and isinstance(needle, str):
        return needle in haystack
    if isinstance(haystack, list):
        return any(_common_equals(item, needle) for item in haystack)
    if isinstance(needle, str):
        return _access_property(haystack, needle) is not UNDEFINED
    return False


def _compare(op):
    def compare(a, b):
        if _is_nullish(a) or _is_nullish(b):
            return False
        if (_is_number(a) and _is_number(b)) or (isinstance(a, str) and isinstance(b, str)):
            return op(a, b)
        raise _EvalError(f"{_js_string(a)} and {_js_string(b)} must be comparable")
    return compare


def _fn_empty(value):
    if _is_nullish(value):
        return True
    if isinstance(value, (str, list, dict)):
        return len(value) == 0
    return False  # the engine rejects numbers and booleans, which counts as false


def _fn_count(value):
    if isinstance(value, (str, list, dict)):
        return _utf16_len(value) if isinstance(value, str) else len(value)
    raise _EvalError("count() needs a string, a list or an object")


def _fn_length(value):
    if isinstance(value, str):
        return _utf16_len(value)
    if value is UNDEFINED:
        return 0
    raise _EvalError("length() needs a string")


def _fn_join(items, sep, last_sep=UNDEFINED):
    if not isinstance(items, list):
        raise _EvalError(f"{_js_string(items)} is not a list")
    sep_text = "," if sep is UNDEFINED else _js_string(sep)
    if last_sep is UNDEFINED and sep is not UNDEFINED:
        return _array_join(items, sep_text)
    last_text = "," if last_sep is UNDEFINED else _js_string(last_sep)
    if len(items) < 3:
        return _array_join(items, last_text)
    return _array_join(items[:-1], sep_text) + last_text + _js_string(items[-1])


def _fn_concat(*args):
    result = args[0]
    for item in args[1:]:
        if _is_nullish(result) and _is_nullish(item):
            result = UNDEFINED
        elif _is_nullish(result) and isinstance(item, list):
            result = item
        elif _is_nullish(item) and isinstance(result, list):
            pass
        elif isinstance(result, list) and isinstance(item, list):
            result = result + item
        else:
            result = _common_stringify(result) + _common_stringify(item)
    return result


def _fn_string(value, locale=""):
    _check_locale(locale)
    if isinstance(value, str):
        return value
    if _is_number(value) and abs(value) >= 1e21:
        return _js_number(value)
    if _is_number(value):
        # The engine formats with d3-format ",.Nf" (en-US grouping, U+2212 minus).
        text = _js_number(value)
        precision = len(text.split(".")[1]) if "." in text else 0
        formatted = f"{abs(value):,.{precision}f}"
        return ("\u2212" if value < 0 else "") + formatted
    return _common_stringify(value)


def _fn_int(value):
    if isinstance(value, str):
        result = _js_parse_int(value)
        if result is None:
            raise _EvalError(f"parameter {value} is not a valid number string")
        return result
    if _is_number(value):
        return _js_parse_int(value)
    return UNDEFINED


def _number_args(*args):
    for a in args:
        if not _is_number(a):
            raise _EvalError(f"{_js_string(a)} is not a number")
    return args


def _fn_add(*args):
    for a in args:
        if not (isinstance(a, str) or a is UNDEFINED or _is_number(a)):
            raise _EvalError(f"{_js_string(a)} is neither a number nor a string")
    result = args[0]
    for item in args[1:]:
        if (result is UNDEFINED and _is_number(item)) or (item is UNDEFINED and _is_number(result)):
            raise _EvalError("'+' cannot be applied to a number and a missing value")
        if _is_number(result) and _is_number(item):
            result = _normalise_number(result + item)
        else:
            result = ("" if result is UNDEFINED else _js_string(result)) + ("" if item is UNDEFINED else _js_string(item))
    return result


def _fold_numbers(op):
    def fold(*args):
        result, *rest = _number_args(*args)
        for item in rest:
            result = _normalise_number(op(result, item))
        return result
    return fold


def _divide(a, b):
    if b == 0:
        raise _EvalError("cannot divide by 0")
    return math.floor(a / b) if _is_integer(a) and _is_integer(b) else a / b


def _fn_mod(a, b):
    if not (_is_integer(a) and _is_integer(b)):
        raise _EvalError("mod() needs integers")
    if b == 0:
        raise _EvalError("cannot mod by 0")
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
        raise _EvalError("a locale must be a string")


def _case_function(name, convert):
    def transform(value, locale=""):
        _check_locale(locale)
        if isinstance(value, str):
            return convert(value)
        if value is UNDEFINED:
            return ""
        raise _EvalError(f"{name}() needs a string")
    return transform


def _fn_coalesce(*args):
    return next((a for a in args if not _is_nullish(a)), UNDEFINED)


_MANY = 99
# name: (implementation, min args, max args, mode).  Modes: "eager" evaluates the
# arguments (missing values become "${path}"), "compare" evaluates them without that
# substitution and turns evaluation errors into false, "lazy" gets the argument nodes.
_FUNCTIONS: dict[str, tuple] = {
    "if": (_fn_if, 3, 3, "lazy"),
    "not": (_fn_not, 1, 1, "lazy"),
    "and": (_fn_and, 1, _MANY, "lazy"),
    "or": (_fn_or, 1, _MANY, "lazy"),
    "contains": (_fn_contains, 2, 2, "lazy"),
    "equals": (_common_equals, 2, 2, "compare"),
    "notEquals": (lambda a, b: not _common_equals(a, b), 2, 2, "compare"),
    "less": (_compare(lambda a, b: a < b), 2, 2, "compare"),
    "lessOrEquals": (_compare(lambda a, b: a <= b), 2, 2, "compare"),
    "greater": (_compare(lambda a, b: a > b), 2, 2, "compare"),
    "greaterOrEquals": (_compare(lambda a, b: a >= b), 2, 2, "compare"),
    "exists": (lambda v: not _is_nullish(v), 1, 1, "compare"),
    "empty": (_fn_empty, 1, 1, "compare"),
    "count": (_fn_count, 1, 1, "eager"),
    "length": (_fn_length, 1, 1, "eager"),
    "join": (_fn_join, 2, 3, "eager"),
    "concat": (_fn_concat, 1, _MANY, "eager"),
    "string": (_fn_string, 1, 2, "eager"),
    "int": (_fn_int, 1, 1, "eager"),
    "add": (_fn_add, 2, _MANY, "eager"),
    "sub": (_fold_numbers(lambda a, b: a - b), 2, _MANY, "eager"),
    "mul": (_fold_numbers(lambda a, b: a * b), 2, _MANY, "eager"),
    "div": (_fold_numbers(_divide), 2, _MANY, "eager"),
    "mod": (_fn_mod, 2, 2, "eager"),
    "first": (_fn_first, 1, 1, "eager"),
    "last": (_fn_last, 1, 1, "eager"),
    "toUpper": (_case_function("toUpper", str.upper), 1, 2, "eager"),
    "toLower": (_case_function("toLower", str.lower), 1, 2, "eager"),
    "coalesce": (_fn_coalesce, 1, _MANY, "eager"),
}


# --------------------------------------------------------------------------- templates

@dataclass(frozen=True)
class _Interpolation:
    """A template string holding at least one ``${...}``."""

    source: str
    parts: tuple  # str pieces and (expression text, parsed node) pairs

    @property
    def single(self):
        # One expression and nothing else keeps the value's type -- unless that
        # expression is a bare literal, which the official engine turns into text.
        if len(self.parts) == 1 and isinstance(self.parts[0], tuple) and not isinstance(self.parts[0][1], _Const):
            return self.parts[0]
        return None


def _scan_expression_end(s: str, start: int) -> int | None:
    """End (exclusive) of the ``${...}`` starting at ``start``, or None if it is not one.

    Mirrors the lexer's TEMPLATE token: quoted strings may hold anything, otherwise
    no braces, backticks or line breaks, and at least one character.
    """
    i = start + 2
    while i < len(s):
        ch = s[i]
        if ch == "}":
            return i + 1 if i > start + 2 else None
        if ch in "'\"":
            m = _TOKEN_RE.match(s, i)
            if not m or m.lastgroup != "str":
                return None
            i = m.end()
            continue
        if ch == "{":
            if re.match(r"""\{\s*(\}|([\w@#$]+|'[^']*'|"[^"]*")\s*:)""", s[i:]):
                raise TemplateError(f"object literals are not supported in template string {s!r}")
            return None
        if ch in "\r\n`":
            return None
        i += 1
    return None


def _compile_string(s: str) -> str | _Interpolation:
    if "${" not in s:
        return s
    parts: list = []
    text: list[str] = []
    i = 0
    while i < len(s):
        ch = s[i]
        if ch == "`":
            raise TemplateError(f"a backtick must be written as \\` in a template string with ${{...}}: {s!r}")
        if ch == "\\":
            if i + 1 == len(s):
                raise TemplateError(f"a template string with ${{...}} cannot end with a backslash: {s!r}")
            if s[i + 1] in "$`":
                text.append(s[i + 1])
                i += 2
                continue
        if s.startswith("${", i):
            end = _scan_expression_end(s, i)
            if end is not None:
                if text:
                    parts.append("".join(text))
                    text = []
                source = s[i + 2 : end - 1].strip()
                parts.append((source, _Parser(source).parse()))
                i = end
                continue
        text.append(ch)
        i += 1
    if text:
        parts.append("".join(text))
    if all(isinstance(p, str) for p in parts):
        return "".join(parts)
    return _Interpolation(s, tuple(parts))


def compile_template(template: Any) -> Any:
    """Parse every template string once, so a template can be expanded many times."""
    if isinstance(template, str):
        return _compile_string(template)
    if isinstance(template, list):
        return [compile_template(item) for item in template]
    if isinstance(template, dict):
        return {key: compile_template(value) for key, value in template.items()}
    return template


def _source(compiled: Any) -> Any:
    """The original JSON of a compiled subtree (for literal ``$data`` values)."""
    if isinstance(compiled, _Interpolation):
        return compiled.source
    if isinstance(compiled, list):
        return [_source(item) for item in compiled]
    if isinstance(compiled, dict):
        return {key: _source(value) for key, value in compiled.items()}
    return compiled


def _evaluate_string(scope: _Scope, node: _Interpolation) -> Any:
    """A template string's value (for $when see _when_is_true)."""
    single = node.single
    try:
        if single is not None:
            source, expr = single
            # The engine joins a top-level concat() piece by piece, like interpolated text.
            if not (isinstance(expr, _Call) and expr.name == "concat"):
                return scope.evaluate(expr, True)
            return "".join(_to_string(scope.evaluate(arg, True)) for arg in expr.args)
        pieces = []
        for part in node.parts:
            if isinstance(part, str):
                pieces.append(part)
            else:
                source = part[0]
                pieces.append(_to_string(scope.evaluate(part[1], True)))
        return "".join(pieces)
    except _EvalError as exc:
        raise TemplateError(f"{exc} in template expression '${{{source}}}' of {node.source!r}") from None


_RESERVED_KEYS = frozenset({"$data", "$when", "$root", "$index", "$host", "$_acTemplateVersion"})
_ABSENT = object()


def _expand_node(scope: _Scope, node: Any) -> Any:
    if isinstance(node, list):
        result = []
        for item in node:
            value = _expand_node(scope, item)
            if value is None:
                continue
            if isinstance(value, list):
                result.extend(value)
            else:
                result.append(value)
        return result
    if isinstance(node, _Interpolation):
        return _evaluate_string(scope, node)
    if isinstance(node, dict):
        return _expand_object(scope, node)
    return node


def _expand_object(scope: _Scope, node: dict) -> Any:
    when = node.get("$when", _ABSENT)
    data = node.get("$data", _ABSENT)
    if data is _ABSENT:
        contexts, repeat = [UNDEFINED], False
    else:
        if isinstance(data, _Interpolation):
            data = _evaluate_string(scope, data)
        else:
            data = _source(data)
        repeat = isinstance(data, list)
        contexts = data if repeat else [data]

    saved = (scope.data, scope.index)
    results = []
    for position, context in enumerate(contexts):
        if repeat:
            scope.index = position
        if context is not UNDEFINED:
            scope.data = context
        if when is _ABSENT:
            keep = True
        elif isinstance(when, _Interpolation):
            keep = _when_is_true(scope, when)
        else:
            # A literal $when is not an expression: the engine drops the element if it is truthy.
            keep = not _js_truthy(when)
        if keep:
            expanded = {}
            for key, value in node.items():
                if key not in _RESERVED_KEYS:
                    value = _expand_node(scope, value)
                    if value is not UNDEFINED:
                        expanded[key] = value
            results.append(expanded)
    scope.data, scope.index = saved
    if not results:
        return None
    return results[0] if len(results) == 1 else results


def _when_is_true(scope: _Scope, when: _Interpolation) -> bool:
    if when.single is None:
        return False  # any interpolated text is a string, never boolean true
    try:
        return scope.evaluate(when.single[1], False) is True
    except _EvalError:
        return False


def _json_ready(value: Any) -> Any:
    """Turn leftover undefined values into null (JSON.stringify does the same in arrays)."""
    if value is UNDEFINED:
        return None
    if isinstance(value, list):
        return [_json_ready(v) for v in value]
    if isinstance(value, dict):
        return {k: _json_ready(v) for k, v in value.items() if v is not UNDEFINED}
    return value


def expand_compiled(compiled: Any, data: Any, host: Any = None) -> Any:
    """Expand a template made by :func:`compile_template`."""
    scope = _Scope(data, UNDEFINED if host is None else host)
    return _json_ready(_expand_node(scope, compiled))


def expand(template: Any, data: Any, host: Any = None) -> Any:
    """Expand an Adaptive Card template with ``data`` (``$root``) and optional ``host`` data.

    Returns a new JSON value; the template and data are not modified.  Raises
    :class:`TemplateError` for malformed templates, unknown functions and
    expressions that fail to evaluate.
    """
    return expand_compiled(compile_template(template), data, host)
