"""`python -m bot backup FILE`: a copy of the SQLite database taken while
the bot runs. (PostgreSQL has its own tool, pg_dump; see the README.)"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from sqlalchemy.engine import make_url

from storage.database import normalise_url


class BackupFailed(Exception):
    """Why no backup was written, in one line for the operator."""


def back_up_sqlite(database_url: str, target: Path) -> None:
    url = make_url(normalise_url(database_url))
    if url.get_backend_name() != "sqlite":
        raise BackupFailed(
            "DATABASE_URL is not SQLite: back PostgreSQL up with pg_dump -Fc (README: Backup and restore)"
        )
    source = Path(url.database or "")
    if url.database in (None, "", ":memory:") or not source.is_file():
        raise BackupFailed(f"there is no SQLite database at {url.database or '(none)'}")
    if target.exists():
        raise BackupFailed(f"{target} exists already: a backup never overwrites a file")
    partial = target.with_name(f"{target.name}.partial")
    # The bot keeps its latest writes in the -wal file beside the database,
    # so a copy of the database file alone may lack them or catch a write
    # half-way. SQLite's backup API copies one consistent state, in one step
    # under a read transaction, which the bot's writers do not wait for.
    try:
        with closing(sqlite3.connect(source, timeout=30)) as live, closing(sqlite3.connect(partial)) as copy:
            live.backup(copy)
        partial.rename(target)  # a half-written copy never bears the backup's name
    except (sqlite3.Error, OSError) as error:
        raise BackupFailed(f"{target}: {error}") from error
    finally:
        partial.unlink(missing_ok=True)
