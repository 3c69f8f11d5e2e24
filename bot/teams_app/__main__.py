"""``python -m bot.teams_app [--out appPackage.zip] [--local]``: build the Teams app package."""

from __future__ import annotations

import argparse
import json
import sys
import zipfile

from bot.teams_app import AppPackageError, build_package


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bot.teams_app",
        description="Build the Teams app package (manifest.json + icons) to upload in Teams.",
    )
    parser.add_argument("--out", default="appPackage.zip", help="where to write the zip (default: %(default)s)")
    parser.add_argument(
        "--local",
        action="store_true",
        help="use a fixed local app id instead of MICROSOFT_APP_ID (for local testing only)",
    )
    args = parser.parse_args(argv)
    try:
        path = build_package(args.out, local=args.local)
    except AppPackageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    with zipfile.ZipFile(path) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        names = archive.namelist()
    print(
        f"Wrote {path} (manifest {manifest['manifestVersion']}, app version {manifest['version']}, "
        f"app id {manifest['id']}{' [local]' if args.local else ''}): {', '.join(names)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
