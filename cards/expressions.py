"""Tokenizer and parser for the adaptive-expressions language used inside ``${...}``.

Supported: property paths (``a.b``, ``a['b']``, ``a[0]``), literals, the operators
``! - + * / % == != < <= > >= & && || ?? ?:`` and the functions in
:data:`cards.functions.FUNCTIONS`; operators become calls of those functions.
Anything else raises :class:`TemplateError` when the template is compiled.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .functions import FUNCTIONS, MANY
from .js_values import UNDEFINED

__all__ = ["TemplateError", "Const", "Access", "Element", "Call", "parse", "string_literal_end"]


class TemplateError(ValueError):
    """A template is malformed or one of its expressions cannot be evaluated."""


@dataclass(frozen=True)
class Const:
    value: Any


@dataclass(frozen=True)
class Access:
    name: str
    parent: Any = None  # None: a top-level name, looked up in the data context


@dataclass(frozen=True)
class Element:
    instance: Any
    index: Any


@dataclass(frozen=True)
class Call:
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
    "??": "coalesce",
    "||": "or",
    "&&": "and",
    "<": "less",
    "<=": "lessOrEquals",
    ">": "greater",
    ">=": "greaterOrEquals",
    "&": "concat",
    "==": "equals",
    "!=": "notEquals",
    "+": "add",
    "-": "sub",
    "*": "mul",
    "/": "div",
    "%": "mod",
}
_KEYWORDS = {"true": True, "false": False, "null": None, "undefined": UNDEFINED}


def parse(source: str):
    """Parse the text between ``${`` and ``}`` into a tree of the node classes above."""
    return _Parser(source).parse()


def string_literal_end(s: str, pos: int) -> int | None:
    """End (exclusive) of the quoted string literal at ``pos``, or None if there is no complete one."""
    m = _TOKEN_RE.match(s, pos)
    if not m or m.lastgroup != "str":
        return None
    return m.end()


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
        if expected is not None and (kind != "op" or text != expected):
            self.fail(f"expected {expected!r} but found {text!r}")
        self.pos += 1
        return kind, text

    def parse(self):
        if not self.tokens:
            return Const("")
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
            return self.call("sub" if op == "-" else "add", (Const(0), operand))
        return self.postfix(self.primary())

    def primary(self):
        kind, text = self.take()
        if kind == "num":
            return Const(float(text) if "." in text else int(text))
        if kind == "str":
            return Const(_unescape_string_literal(text))
        if kind == "id":
            return Const(_KEYWORDS[text]) if text in _KEYWORDS else Access(text)
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
                node = Access(name, node)
            elif op == "[":
                self.take()
                index = self.ternary()
                self.take("]")
                node = Element(node, index)
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
        if isinstance(node, Access):
            return node.name if node.parent is None else f"{self.dotted_name(node.parent)}.{node.name}"
        self.fail("only named functions can be called")

    def call(self, name: str, args: tuple):
        # Unknown functions and wrong arities are template errors, found before any data is seen.
        spec = FUNCTIONS.get(name)
        if spec is None:
            self.fail(f"unknown function {name!r}")
        low, high = spec[1], spec[2]
        if not low <= len(args) <= high:
            wanted = str(low) if low == high else f"{low} to {high}" if high < MANY else f"at least {low}"
            self.fail(f"{name}() takes {wanted} arguments, got {len(args)}")
        return Call(name, args)
