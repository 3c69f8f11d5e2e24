"""A small, safe expander for the Adaptive Cards Template Language.

It follows the official JavaScript engine (npm ``adaptivecards-templating`` on top of
``adaptive-expressions``) closely enough that the tests compare the two on every
template and fixture.  Expressions are parsed by :mod:`cards.expressions` and
evaluated here by a tiny interpreter: nothing is ever handed to ``eval``/``exec``,
and data is only read through dict keys and list indexes, so neither a template nor
user data can reach Python objects or run code.  Values taken from the data are
never expanded again.

Supported: ``${...}`` in strings, ``\\${`` for a literal ``${``, ``$data`` (object or
array, repeating the element), ``$when``, ``$index``, ``$root``, ``$data``, ``$host``.
Anything else raises :class:`TemplateError`.

Known deliberate difference from the official engine: an evaluation error inside an
interpolated string (``"a ${1/0} b"``, an unknown function, ...) raises
:class:`TemplateError` here, where the official engine leaves ``${...}`` in the text.
Quirks of the official engine that are reproduced on purpose (they decide what a
card shows, so matching them keeps the designer preview and the bot identical; the
value and function quirks are listed in :mod:`cards.js_values` and
:mod:`cards.functions`):

* a missing value prints as its own ``${path}`` (see :meth:`_Scope.evaluate`);
* a ``null`` value inside an interpolated string is an error;
* ``$when`` keeps an element only for boolean ``true``;
* a string that holds ``${`` must not contain an unescaped backtick or end with a
  backslash (syntax error in the official engine).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .expressions import Access, Call, Const, Element, TemplateError, parse, string_literal_end
from .functions import FUNCTIONS
from .js_values import (
    UNDEFINED,
    EvalError,
    access_index,
    access_property,
    get_path,
    is_integer,
    js_parse_int,
    js_string,
    js_truthy,
    to_string,
)

__all__ = ["TemplateError", "UNDEFINED", "expand", "compile_template", "expand_compiled"]


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
        if isinstance(node, Const):
            return node.value
        if isinstance(node, Access):
            return self._access(node, subst)
        if isinstance(node, Element):
            instance = self.evaluate(node.instance, subst)
            index = self.evaluate(node.index, False)
            if is_integer(index):
                return access_index(instance, int(index))
            if isinstance(index, str):
                return access_property(instance, index)
            raise EvalError("an index must be an integer or a string")
        impl, _, _, mode = FUNCTIONS[node.name]
        if mode == "lazy":
            return impl(self, node.args, subst)
        if mode == "compare":
            try:
                args = [self.evaluate(a, False) for a in node.args]
            except EvalError:
                return False
            return impl(*args)
        args = [self.evaluate(a, subst) for a in node.args]
        return impl(*args)

    def _access(self, node: Access, subst: bool) -> Any:
        # Build the same path text as adaptive-expressions, since missing values
        # are printed as that text.
        path, current = "", node
        while isinstance(current, (Access, Element)):
            if isinstance(current, Access):
                path = f"{current.name}.{path}"
                current = current.parent
            else:
                index = self.evaluate(current.index, subst)
                if js_parse_int(index) is not None:
                    path = f"[{js_string(index)}].{path}"
                elif isinstance(index, str):
                    path = f"['{index}'].{path}"
                else:
                    raise EvalError("an index must be an integer or a string")
                current = current.instance
        path = path.rstrip(".").replace(".[", "[")
        if current is None:
            lookup = path if path.startswith("$") else "$data." + path
            value = get_path(self.memory(), lookup)
        else:
            value = get_path(self.evaluate(current, subst), path)
        if value is UNDEFINED and subst:
            return "${" + path + "}"
        return value


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
        if len(self.parts) == 1 and isinstance(self.parts[0], tuple) and not isinstance(self.parts[0][1], Const):
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
            end = string_literal_end(s, i)
            if end is None:
                return None
            i = end
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
                parts.append((source, parse(source)))
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
            if not (isinstance(expr, Call) and expr.name == "concat"):
                return scope.evaluate(expr, True)
            return "".join(to_string(scope.evaluate(arg, True)) for arg in expr.args)
        pieces = []
        for part in node.parts:
            if isinstance(part, str):
                pieces.append(part)
            else:
                source = part[0]
                pieces.append(to_string(scope.evaluate(part[1], True)))
        return "".join(pieces)
    except EvalError as exc:
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
            keep = not js_truthy(when)
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
    except EvalError:
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
