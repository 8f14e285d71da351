"""Sources (feeds and local folders): matching the config, what their fetches left
(validators, errors), titles and labels, compression dictionaries, forgetting one."""

from __future__ import annotations

import sqlite3
import time
import zlib
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from newsterm.core.bodies import pack_zdict, unpack_zdict
from newsterm.core.models import SectionPath, Source, SourceState
from newsterm.core.store._base import SEP, _dt, _ts, log, wrap_exceptions
from newsterm.core.store.search import SearchMixin
from newsterm.core.text import clean_line


class SourcesMixin(SearchMixin):
    @wrap_exceptions
    def sync_sources(self, sources: Sequence[Source]) -> None:
        """Make the store's sources match the config.

        New sources are added; a feed's section follows feeds.toml; a source no longer
        configured loses its articles, except starred ones, which stay.
        """
        wanted = {s.key for s in sources}
        with self._tx() as db:
            existing = {  # an account's feeds follow its server, not feeds.toml
                key: (sid, label, section_id)
                for sid, key, label, section_id in db.execute(
                    "SELECT id, key, label, section_id FROM sources WHERE kind != 'remote'"
                )
            }
            for source in sources:
                if source.key in existing:
                    self._update_source(db, source, *existing[source.key])
                else:
                    self._add_source(db, source)
            for key, (sid, *_) in existing.items():
                if key not in wanted:
                    self._delete_where(db, "source_id = ? AND starred = 0", (sid,))

    def _add_source(self, db: sqlite3.Connection, source: Source) -> None:
        db.execute(
            "INSERT INTO sources (key, kind, label, config_title, url) VALUES (?, ?, ?, ?, ?)",
            (
                source.key,
                source.kind,
                source.title or _default_label(source),
                source.title,
                source.key if source.kind == "feed" else None,
            ),
        )

    def _update_source(
        self,
        db: sqlite3.Connection,
        source: Source,
        sid: int,
        old_label: str,
        old_section: int | None,
    ) -> None:
        """A configured source: its title and (for a feed) its section follow the config."""
        db.execute(
            "UPDATE sources SET config_title = ?, label = COALESCE(?, title, ?) WHERE id = ?",
            (source.title, source.title, source.title or _default_label(source), sid),
        )
        (new_label,) = db.execute("SELECT label FROM sources WHERE id = ?", (sid,)).fetchone()
        if new_label != old_label:
            self._reindex_source(db, sid, old_label, new_label)
        if source.kind != "feed":
            return
        section_id = self._section_id(db, source.section)
        if old_section != section_id:
            db.execute(
                "UPDATE articles SET section_id = ? WHERE source_id = ? AND section_id != ?",
                (section_id, sid, section_id),
            )
            db.execute("UPDATE sources SET section_id = ? WHERE id = ?", (section_id, sid))

    def _section_id(self, db: sqlite3.Connection, section: SectionPath) -> int:
        path = SEP.join(section)
        cached = self._sections.get(path)
        if cached is not None:
            return cached
        row = db.execute("SELECT id FROM sections WHERE path = ?", (path,)).fetchone()
        if row is None:
            sid = db.execute("INSERT INTO sections (path) VALUES (?)", (path,)).lastrowid
            assert sid is not None
        else:
            sid = row[0]
        self._sections[path] = sid
        return sid

    # -- what fetches left -------------------------------------------------------------

    @wrap_exceptions
    def source_state(self, key: str) -> SourceState | None:
        return self.source_states([key]).get(key)

    @wrap_exceptions
    def source_states(self, keys: Sequence[str]) -> dict[str, SourceState]:
        """What the store knows of these sources (one query for a whole refresh)."""
        wanted = set(keys)
        rows = self._query(
            "SELECT key, title, url, etag, last_modified, body_hash, last_error, last_error_at, "
            "last_ok_at, retry_after FROM sources"
        )
        return {
            r[0]: SourceState(
                r[0], r[1], r[2], r[3], r[4], r[5], r[6], _dt(r[7]), _dt(r[8]), _dt(r[9])
            )
            for r in rows
            if r[0] in wanted
        }

    @wrap_exceptions
    def source_errors(self) -> list[tuple[str, str, str, datetime | None, datetime | None]]:
        """(key, label, error, when, last ok) for every source whose last refresh failed."""
        return [
            (r[0], r[1], r[2], _dt(r[3]), _dt(r[4]))
            for r in self._query(
                "SELECT key, label, last_error, last_error_at, last_ok_at FROM sources "
                "WHERE last_error IS NOT NULL ORDER BY label"
            )
        ]

    @wrap_exceptions
    def record_fetch(
        self,
        key: str,
        *,
        ok: bool,
        error: str | None = None,
        title: str | None = None,
        link: str | None = None,
        url: str | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
        body_hash: str | None = None,
        retry_after: datetime | None = None,
    ) -> None:
        """Remember the outcome of a fetch: validators on success, the error otherwise.

        A failure with ``body_hash`` is a body that could not be read: its hash is kept,
        marked (:func:`failed_body`), so the same body fetched again is not parsed again
        (its error stays). Any other failure forgets such a mark (the error is no longer
        the body's)."""
        now = int(time.time())
        with self._tx() as db:
            if not ok:
                failed = failed_body(body_hash) if body_hash else None
                db.execute(
                    "UPDATE sources SET last_error = ?, last_error_at = ?, retry_after = ?, "
                    "body_hash = CASE WHEN ? IS NOT NULL THEN ? "
                    "WHEN substr(body_hash, 1, 1) = ? THEN NULL ELSE body_hash END WHERE key = ?",
                    (error or "failed", now, _ts(retry_after), failed, failed, _FAILED, key),
                )
                return
            db.execute(
                "UPDATE sources SET last_error = NULL, last_error_at = NULL, last_ok_at = ?, "
                "etag = COALESCE(?, etag), last_modified = COALESCE(?, last_modified), "
                "body_hash = COALESCE(?, body_hash), url = COALESCE(?, url), "
                "link = COALESCE(?, link), retry_after = NULL WHERE key = ?",
                (now, etag, last_modified, body_hash, url, link, key),
            )
            if title:
                self._set_title(db, key, title)

    @wrap_exceptions
    def record_unchanged(self, fetches: Sequence[tuple[str, dict[str, str | None]]]) -> None:
        """:meth:`record_fetch` of feeds fetched fine but unchanged (304, or the same
        body), with their validators, in one transaction."""
        with self._tx():
            for key, validators in fetches:
                self.record_fetch(
                    key,
                    ok=True,
                    etag=validators.get("etag"),
                    last_modified=validators.get("last_modified"),
                    url=validators.get("url"),
                )

    def _set_title(self, db: sqlite3.Connection, key: str, title: str) -> None:
        row = db.execute(
            "SELECT id, title, label, config_title FROM sources WHERE key = ?", (key,)
        ).fetchone()
        if row is None or row[1] == title:
            return
        sid, _, old_label, config_title = row
        new_label = config_title or title
        db.execute("UPDATE sources SET title = ?, label = ? WHERE id = ?", (title, new_label, sid))
        if new_label != old_label:
            self._reindex_source(db, sid, old_label, new_label)

    @wrap_exceptions
    def forget_source(self, key: str, keep_starred: bool = True) -> int:
        """Delete a source's articles (starred ones stay unless ``keep_starred`` is False)
        and what its fetches left (validators, last error), so that subscribing to it
        again fetches it in full. Returns how many articles went."""
        with self._tx() as db:
            row = db.execute("SELECT id FROM sources WHERE key = ?", (key,)).fetchone()
            if row is None:
                return 0
            where = "a.source_id = ?" + (" AND a.starred = 0" if keep_starred else "")
            removed = self._delete_where(db, where, (row[0],))
            db.execute(
                "UPDATE sources SET etag = NULL, last_modified = NULL, body_hash = NULL, "
                "url = CASE WHEN kind = 'feed' THEN key ELSE url END, last_error = NULL, "
                "last_error_at = NULL, retry_after = NULL WHERE id = ?",
                (row[0],),
            )
        return removed

    # -- what a refresh's parser needs: fingerprints, the compression dictionary ----------

    @wrap_exceptions
    def fingerprints(self, source_key: str) -> dict[str, str]:
        return dict(
            self._query(
                "SELECT a.guid, a.fingerprint FROM articles a JOIN sources s ON s.id = a.source_id "
                "WHERE s.key = ?",
                (source_key,),
            )
        )

    @wrap_exceptions
    def fingerprints_and_zdict(self, source_key: str) -> tuple[dict[str, str], bytes | None]:
        """What a refresh's parser needs of a feed: the fingerprints of its stored
        articles, and its compression dictionary (None until it has one)."""
        rows = self._query(
            "SELECT z.data FROM sources s JOIN zdicts z ON z.id = s.zdict_id WHERE s.key = ?",
            (source_key,),
        )
        return self.fingerprints(source_key), unpack_zdict(rows[0][0]) if rows else None

    def _add_zdict(self, db: sqlite3.Connection, key: str, zdict: bytes) -> bool:
        """Keep a feed's new dictionary; False when another one has the same adler32
        (blobs name their dictionary by it, so that one must do without)."""
        checksum = zlib.adler32(zdict)
        row = db.execute("SELECT id, data FROM zdicts WHERE checksum = ?", (checksum,)).fetchone()
        if row is None:
            zid = db.execute(
                "INSERT INTO zdicts (checksum, data) VALUES (?, ?)", (checksum, pack_zdict(zdict))
            ).lastrowid
        elif unpack_zdict(row[1]) == zdict:
            zid = row[0]
        else:
            log.warning("%s: compression dictionary %08x collides; not used", key, checksum)
            return False
        db.execute("UPDATE sources SET zdict_id = ? WHERE key = ?", (zid, key))
        self._zdicts[checksum] = zdict
        return True


_FAILED = "!"


def failed_body(body_hash: str) -> str:
    """How a source's ``body_hash`` reads when that body could not be parsed."""
    return _FAILED + body_hash


def _default_label(source: Source) -> str:
    if source.kind == "local":
        if source.section:
            return source.section[-1]
        return clean_line(Path(source.path or source.key).name) or "local"
    return url_label(source.key)


def url_label(url: str) -> str:
    """A feed's name until it has a title: its host and path, without the scheme, the
    port or a final slash (``127.0.0.1/rsparser__atp.rss``), so feeds of one host differ."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        host = None
    if not host:
        return clean_line(url) or url
    path = parts.path.rstrip("/")
    query = f"?{parts.query}" if parts.query else ""
    return clean_line(f"{host}{path}{query}") or host
