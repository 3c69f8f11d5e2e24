"""Render every card template with each of its fixtures to a PNG, as Teams would show it.

    python -m tests.tools.render_cards [--out DIR] [--templates DIR]

The cards are expanded by cards.templating and drawn by the official adaptivecards
renderer (with markdown-it, like the Adaptive Cards designer) using the Microsoft
Teams light host config, in headless Chromium through Playwright.  The page is a local
file and every request that would leave this machine is aborted, so images from the
internet show as empty frames.  Output: one PNG per template and fixture variant
(<name>.png, <name>.<variant>.png), cropped to the card, about as wide as in Teams.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import cards

TOOLS_DIR = Path(__file__).parent
NODE_MODULES = TOOLS_DIR.parent / "node" / "node_modules"
HOST_CONFIG = TOOLS_DIR / "teams-host-config-light.json"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--lang=nb-NO",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
CARD_WIDTH = 500  # px: a card in a Teams chat is about this wide

# The renderer leaves buttons and inputs to the host's CSS; this approximates Teams
# and comes after the renderer's own stylesheet so that it wins.
PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8">
<link rel="stylesheet" href="{css}">
<style>
  body {{ margin: 0; padding: 16px; background: #f5f5f5; font-family: 'Segoe UI', Tahoma, sans-serif; }}
  #frame {{ width: {width}px; background: #fff; border: 1px solid #e1dfdd; border-radius: 4px; overflow: hidden; }}
  .ac-pushButton {{ font: 600 14px 'Segoe UI', Tahoma, sans-serif; color: #252424; background: #fff;
    border: 1px solid #e1dfdd; border-radius: 4px; min-height: 32px; padding: 4px 12px; cursor: pointer;
    overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }}
  .ac-pushButton.style-positive {{ background: #6264a7; border-color: #6264a7; color: #fff; }}
  .ac-pushButton.style-destructive {{ background: #fff; border-color: #e1dfdd; color: #c4314b; }}
  .ac-pushButton.expanded {{ background: #e1dfdd; }}
  .ac-input {{ font: 14px 'Segoe UI', Tahoma, sans-serif; color: #252424; box-sizing: border-box; }}
  .ac-textInput, .ac-numberInput, .ac-dateInput, .ac-timeInput, .ac-multichoiceInput {{
    min-height: 32px; padding: 4px 8px; border: 1px solid #e1dfdd; border-radius: 4px; background: #fff; }}
  .ac-textInput.ac-multiline {{ min-height: 64px; }}
  .ac-anchor {{ color: #6264a7; }}
</style>
<script src="{markdown_it}"></script>
<script src="{adaptivecards}"></script>
<script>
  window.renderCard = (card, hostConfig) => {{
    const adaptiveCard = new AdaptiveCards.AdaptiveCard();
    adaptiveCard.hostConfig = new AdaptiveCards.HostConfig(hostConfig);
    adaptiveCard.parse(card);
    document.getElementById("frame").replaceChildren(adaptiveCard.render());
    // Wait for images (which fail fast: the network is blocked) so the size is final.
    const pending = [...document.images].filter((img) => !img.complete);
    return Promise.all(pending.map((img) => new Promise((done) => {{ img.onload = img.onerror = done; }})));
  }};
</script>
</head><body><div id="frame"></div></body></html>
"""


def _is_local(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("file", "data", "about", "blob") or parts.hostname in ("127.0.0.1", "localhost", "::1")


def collect(template_dir: Path, fixture_dir: Path) -> list[tuple[str, dict]]:
    """(file stem, expanded card) for every template and fixture variant."""
    found = []
    for template_path in sorted(template_dir.glob("*.json")):
        name = template_path.stem
        template = json.loads(template_path.read_text(encoding="utf-8"))
        for variant, data in cards.fixtures(name, fixture_dir).items():
            found.append((f"{name}.{variant}" if variant else name, cards.expand(template, data)))
    return found


def render(items: list[tuple[str, dict]], out_dir: Path) -> list[Path]:
    from playwright.sync_api import sync_playwright

    host_config = json.loads(HOST_CONFIG.read_text(encoding="utf-8"))
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        page_file = Path(tmp) / "gallery.html"
        page_file.write_text(
            PAGE.format(
                width=CARD_WIDTH,
                css=(NODE_MODULES / "adaptivecards" / "dist" / "adaptivecards.css").as_uri(),
                markdown_it=(NODE_MODULES / "markdown-it" / "dist" / "markdown-it.min.js").as_uri(),
                adaptivecards=(NODE_MODULES / "adaptivecards" / "dist" / "adaptivecards.min.js").as_uri(),
            ),
            encoding="utf-8",
        )
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            # Norwegian, as the forum reads its cards (dates in inputs follow it).
            context = browser.new_context(
                viewport={"width": CARD_WIDTH + 64, "height": 800}, device_scale_factor=1, locale="nb-NO"
            )
            context.route("**/*", lambda route: route.continue_() if _is_local(route.request.url) else route.abort())
            page = context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(page_file.as_uri())
            if not page.evaluate("typeof AdaptiveCards !== 'undefined' && typeof markdownit === 'function'"):
                raise RuntimeError(f"could not load the renderer from {NODE_MODULES}: run 'npm ci' in tests/node")
            for stem, card in items:
                page.evaluate("([card, config]) => renderCard(card, config)", [card, host_config])
                if errors:
                    raise RuntimeError(f"{stem}: the renderer failed: {errors}")
                target = out_dir / f"{stem}.png"
                page.locator("#frame").screenshot(path=str(target))
                written.append(target)
        finally:
            browser.close()
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--out", type=Path, default=cards.TEMPLATE_DIR / "gallery", help="output folder (default: cards/gallery)"
    )
    parser.add_argument(
        "--templates",
        type=Path,
        default=cards.TEMPLATE_DIR,
        help="folder of templates, with fixtures/ inside (default: cards)",
    )
    args = parser.parse_args(argv)
    items = collect(args.templates, args.templates / "fixtures")
    if not items:
        print(f"no templates with fixtures in {args.templates}", file=sys.stderr)
        return 1
    for path in render(items, args.out):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
