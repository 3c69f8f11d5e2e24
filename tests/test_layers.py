"""The forum's rules (bot/forum) are plain Python: they know neither the
Teams SDK nor SQL. A reader follows them without either, and the edge or
the database can be swapped under them. The cards (bot/views) are made
the same way, and know nothing of the edge that sends them; the handlers
(bot/handlers) know the SDK as little. Of the rest of the bot, only the
two SDK packages of the edge import an SDK, so that BOT_SDK swaps it, and
the edge holds nothing else but what those two share."""

from __future__ import annotations

import ast
from pathlib import Path

BOT = Path(__file__).resolve().parent.parent / "bot"
FORUM = BOT / "forum"
VIEWS = BOT / "views"
HANDLERS = BOT / "handlers"
EDGE = BOT / "edge"
SDKS = ("botbuilder", "botframework", "msrest", "microsoft_agents")
NOT_IN_THE_RULES = (*SDKS, "aiohttp", "sqlalchemy")
SDK_PACKAGES = (EDGE / "botbuilder_sdk", EDGE / "agents_sdk")


def imported(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
    return names


def test_the_forums_rules_import_no_sdk_and_no_sql():
    found = {
        str(path.relative_to(FORUM)): sorted(n for n in imported(path) if n.split(".")[0] in NOT_IN_THE_RULES)
        for path in sorted(FORUM.rglob("*.py"))
    }
    assert len(found) > 30  # the rules were read
    assert {file: names for file, names in found.items() if names} == {}


def test_only_the_edges_sdk_packages_import_an_sdk():
    found = {
        str(path.relative_to(BOT)): sorted(n for n in imported(path) if n.split(".")[0] in SDKS)
        for path in sorted(BOT.rglob("*.py"))
        if not any(package in path.parents for package in SDK_PACKAGES)
    }
    assert len(found) > 100  # the bot was read
    assert {file: names for file, names in found.items() if names} == {}


def test_the_cards_import_no_sdk_no_sql_and_not_the_edge():
    found = {
        str(path.relative_to(VIEWS)): sorted(
            n
            for n in imported(path)
            if n.split(".")[0] in NOT_IN_THE_RULES or n.startswith(("bot.edge", "bot.handlers", "bot.web"))
        )
        for path in sorted(VIEWS.rglob("*.py"))
    }
    assert {"common.py", "messages.py", "needs.py", "overview.py", "votes.py", "wheel.py"} <= set(
        found
    )  # the cards were read
    assert {file: names for file, names in found.items() if names} == {}


def test_the_check_sees_imports_where_they_are():
    assert "sqlalchemy.exc" in imported(BOT.parent / "storage" / "needs_reports.py")
    assert "botbuilder.core" in imported(BOT / "edge" / "botbuilder_sdk" / "__init__.py")
    assert "microsoft_agents.hosting.core" in imported(BOT / "edge" / "agents_sdk" / "__init__.py")
    assert "bot.handlers.card_actions" in imported(HANDLERS / "overview.py")


def test_the_handlers_import_no_sdk_no_sql_and_no_web_server():
    found = {
        str(path.relative_to(HANDLERS)): sorted(
            n for n in imported(path) if n.split(".")[0] in NOT_IN_THE_RULES or n.startswith(("bot.edge", "bot.web."))
        )
        for path in sorted(HANDLERS.rglob("*.py"))
    }
    # bot.web.downloads names the kinds of file a download link may carry; the handlers give out those links.
    allowed = {"bot.web.downloads"}
    assert {"bot.py", "commands.py", "needs.py", "votes.py", "wheel.py"} <= set(found)  # the handlers were read
    assert {file: [n for n in names if n not in allowed] for file, names in found.items() if set(names) - allowed} == {}


def test_the_edge_holds_the_sdk_packages_and_what_both_share():
    shared = {path.stem for path in EDGE.glob("*.py")} - {"__init__", "sdk"}
    used_by = {
        package.name: {n.removeprefix("bot.edge.") for path in package.rglob("*.py") for n in imported(path)}
        for package in SDK_PACKAGES
    }
    assert shared, "the edge was read"
    assert {module: [sdk for sdk, names in used_by.items() if module not in names] for module in shared} == {
        module: [] for module in shared
    }
