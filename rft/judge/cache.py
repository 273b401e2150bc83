"""The judge's disk cache: one SQLite file, keyed by sha256 of the full rendered request.

The key covers the backend (base URL or local model and its modification time), the model,
the messages, every sampling parameter, and the draw number for `samples: n`, so repeated
epochs and re-runs of the same request cost nothing, while any change to the prompt or the
parameters is a miss. Only server replies are stored (refusals and unparseable replies
included: parsing happens after the cache); transport errors never are.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import orjson

CACHE_FILE = "cache.sqlite3"


def default_cache_dir(root: Path | None = None) -> Path:
    """`root/judge` if given, else `$RFT_CACHE_DIR/judge`, else `~/.cache/rft/judge`."""
    if root is None:
        env = os.environ.get("RFT_CACHE_DIR")
        root = Path(env) if env else Path.home() / ".cache" / "rft"
    return Path(root) / "judge"


def cache_key(backend: str, request: Mapping[str, Any], draw: int = 0) -> str:
    """sha256 of the canonical JSON of (backend, request, draw)."""
    canonical = orjson.dumps(
        {"backend": backend, "request": request, "draw": draw}, option=orjson.OPT_SORT_KEYS
    )
    return hashlib.sha256(canonical).hexdigest()


class JudgeCache:
    """A key -> reply store shared by processes (SQLite in WAL mode).

    Args:
        directory: folder of the cache file (created when missing).
    """

    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.path = directory / CACHE_FILE
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(
            self.path, timeout=30, isolation_level=None, check_same_thread=False
        )
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.execute(
            "CREATE TABLE IF NOT EXISTS replies (key TEXT PRIMARY KEY, reply BLOB NOT NULL, created REAL NOT NULL)"
        )

    def get_many(self, keys: Iterable[str]) -> dict[str, dict[str, Any]]:
        """The cached replies among `keys`."""
        keys = list(dict.fromkeys(keys))
        found: dict[str, dict[str, Any]] = {}
        with self._lock:
            for start in range(0, len(keys), 500):
                chunk = keys[start : start + 500]
                marks = ",".join("?" * len(chunk))
                rows = self._conn.execute(
                    f"SELECT key, reply FROM replies WHERE key IN ({marks})", chunk
                ).fetchall()
                found.update((key, orjson.loads(reply)) for key, reply in rows)
        return found

    def put_many(self, replies: Mapping[str, Mapping[str, Any]]) -> None:
        """Store replies (one transaction)."""
        if not replies:
            return
        now = time.time()
        rows = [(key, orjson.dumps(dict(reply)), now) for key, reply in replies.items()]
        with self._lock:
            self._conn.execute("BEGIN")
            self._conn.executemany("INSERT OR REPLACE INTO replies VALUES (?, ?, ?)", rows)
            self._conn.execute("COMMIT")

    def __len__(self) -> int:
        with self._lock:
            return self._conn.execute("SELECT COUNT(*) FROM replies").fetchone()[0]

    def close(self) -> None:
        with self._lock:
            self._conn.close()
