"""A real Tiny Tiny RSS on 127.0.0.1 for tests: Debian's ``tt-rss`` under PHP's server.

:class:`TtrssServer` builds everything in one fresh directory under the system's temp
dir and removes it on :meth:`TtrssServer.close`:

- a private PostgreSQL cluster (``initdb``; a unix socket in that directory only, no TCP
  port), loaded with TT-RSS's own schema;
- a private copy of the package's web tree (``/usr/share/tt-rss/www``) with our own
  ``config.php`` and patches to ``classes/urlhelper.php``: feed URLs on 127.0.0.1 and
  on any port are allowed (the package refuses loopback hosts and addresses, and ports
  other than 80/443, with no setting to turn that off), and the port is kept in URLs
  (the package drops it), so that ``subscribeToFeed`` can reach a local test server;
- ``php -S 127.0.0.1:<port>`` serving that tree.

A user :data:`USER` (password :data:`PASSWORD`) has API access on. Test feeds and articles
go straight into the database (:meth:`TtrssServer.add_feed`, :meth:`add_articles`): the
package's ``update.php`` refuses to run as root and fetching takes time.

PostgreSQL refuses to run as root, so when we are root the cluster and PHP run as
``nobody`` (subprocess's ``user=``). Run ``python tests/servers/ttrss.py`` to start one by
hand (it prints the API URL and waits for Ctrl-C).
"""

from __future__ import annotations

import hashlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

WEB_TREE = Path("/usr/share/tt-rss/www")
SCHEMA = Path("/usr/share/tt-rss/schema/ttrss_schema_pgsql.sql")
USER = "reader"
PASSWORD = "reader-secret"
DB_PORT = 5439
"""Only names the socket file (``.s.PGSQL.5439``): the cluster listens on no TCP port."""


def missing() -> str | None:
    """Why a TT-RSS cannot be started here (None: it can)."""
    if not WEB_TREE.is_dir() or not SCHEMA.is_file():
        return "Debian package tt-rss is not installed (apt-get install tt-rss)"
    if shutil.which("php") is None:
        return "php-cli is not installed"
    if _pg_bin("initdb") is None:
        return "PostgreSQL's initdb is not installed"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("nobody")
        except KeyError:
            return "running as root without a user nobody (PostgreSQL refuses root)"
    probe = subprocess.run(["php", "-m"], capture_output=True, text=True, check=False)
    if "pdo_pgsql" not in probe.stdout:
        return "php-pgsql is not installed"
    return None


def _nogroup() -> int:
    try:
        return pwd.getpwnam("nobody").pw_gid
    except KeyError:
        return 65534


_NOGROUP = _nogroup()


def _pg_bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    for candidate in sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True):
        return str(candidate)
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _quote(value: object) -> str:
    """A SQL literal (the harness's own test values only)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


@dataclass(frozen=True)
class Article:
    """A test article to put on the server."""

    guid: str
    title: str
    link: str
    content: str = "<p>Body</p>"
    author: str = ""
    updated: str = "2024-01-01 12:00:00"
    unread: bool = True
    marked: bool = False


_CONFIG = """<?php
define('DB_TYPE', 'pgsql');
define('DB_HOST', '{socket_dir}');
define('DB_PORT', '{db_port}');
define('DB_USER', 'postgres');
define('DB_NAME', 'ttrss');
define('DB_PASS', '');
define('MYSQL_CHARSET', 'UTF8');
define('SELF_URL_PATH', 'http://127.0.0.1:{port}/');
define('SINGLE_USER_MODE', false);
define('SIMPLE_UPDATE_MODE', false);
define('PHP_EXECUTABLE', '/usr/bin/php');
define('LOCK_DIRECTORY', '{state}/lock');
define('CACHE_DIR', '{state}/cache');
define('ICONS_DIR', 'feed-icons');
define('ICONS_URL', 'feed-icons');
define('AUTH_AUTO_CREATE', false);
define('AUTH_AUTO_LOGIN', false);
define('FORCE_ARTICLE_PURGE', 0);
define('ENABLE_REGISTRATION', false);
define('REG_NOTIFY_ADDRESS', 'nobody@example.invalid');
define('REG_MAX_USERS', 10);
define('SESSION_COOKIE_LIFETIME', 86400);
define('SMTP_FROM_NAME', 'Tiny Tiny RSS');
define('SMTP_FROM_ADDRESS', 'nobody@example.invalid');
define('DIGEST_SUBJECT', 'digest');
define('CHECK_FOR_UPDATES', false);
define('ENABLE_GZIP_OUTPUT', false);
define('PLUGINS', 'auth_internal');
define('LOG_DESTINATION', '');
define('CONFIG_VERSION', 26);
"""

# (what the package has, what the private copy gets): see the module docstring.
_PATCHES = (
    (
        "$tmp = $parts['scheme'] . \"://\" . $parts['host'];",
        "$tmp = $parts['scheme'] . \"://\" . $parts['host'];"
        " if (isset($parts['port'])) $tmp .= ':' . $parts['port'];",
    ),
    ("if ($extended_filtering) {", "if (false && $extended_filtering) {"),
    ('strpos($ip_addr, "127.") === 0', "false"),
    ('strpos($fetch_effective_ip_addr, "127.") === 0', "false"),
)


class TtrssServer:
    """One private TT-RSS (database and PHP server); see the module docstring."""

    def __init__(self) -> None:
        reason = missing()
        if reason:
            raise RuntimeError(reason)
        self.root = Path(tempfile.mkdtemp(prefix="newsterm-ttrss-"))
        self.port = _free_port()
        self._as_nobody = os.geteuid() == 0
        self._php: subprocess.Popen[bytes] | None = None
        self._db_up = False
        self._serial = 0
        try:
            self._start_database()
            self._install_web_tree()
            self.start()
        except BaseException:
            self.close()
            raise

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    # -- processes -------------------------------------------------------------------

    def _run_as(self, argv: Sequence[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # type: ignore[call-overload,no-any-return]
            list(argv), capture_output=True, text=True, check=True, **self._user(), **kwargs
        )

    def _user(self) -> dict[str, Any]:
        """subprocess arguments that run a child as ``nobody`` when we are root."""
        if not self._as_nobody:
            return {}
        return {"user": "nobody", "group": _NOGROUP, "extra_groups": []}

    def _start_database(self) -> None:
        if self._as_nobody:
            os.chmod(self.root, 0o755)
            shutil.chown(self.root, "nobody", _NOGROUP)
        data = self.root / "pg"
        initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
        assert initdb and pg_ctl
        self._run_as(
            [initdb, "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
             "--no-sync", "--locale=C"]
        )  # fmt: skip
        options = (
            f"-c listen_addresses='' -c unix_socket_directories='{self.root}' "
            f"-p {DB_PORT} -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self._run_as(
            [pg_ctl, "-D", str(data), "-o", options, "-l", str(self.root / "pg.log"), "-w",
             "start"]
        )  # fmt: skip
        self._db_up = True
        self.psql("CREATE DATABASE ttrss", database="postgres")
        subprocess.run(
            [*self._psql_argv("ttrss"), "-q", "-f", str(SCHEMA)],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        self.add_user(USER, PASSWORD)

    def add_user(self, login: str, password: str, api: bool = True) -> None:
        """A user (TT-RSS's legacy unsalted hash, which it still reads), API access on
        or off."""
        pwd_hash = "SHA1:" + hashlib.sha1(password.encode()).hexdigest()
        self.psql(
            f"INSERT INTO ttrss_users (login, pwd_hash, access_level) "
            f"VALUES ({_quote(login)}, {_quote(pwd_hash)}, 0);"
            f"INSERT INTO ttrss_user_prefs (owner_uid, pref_name, value) "
            f"SELECT id, 'ENABLE_API_ACCESS', {_quote(str(api).lower())} FROM ttrss_users"
            f" WHERE login = {_quote(login)}"
        )

    def _install_web_tree(self) -> None:
        www = self.root / "www"
        shutil.copytree(WEB_TREE, www, symlinks=True, ignore=shutil.ignore_patterns("locale"))
        (www / "locale").symlink_to(WEB_TREE / "locale")
        for link in www.rglob("*"):  # the package's relative links point out of the tree
            if link.is_symlink() and not os.path.isabs(os.readlink(link)):
                original = WEB_TREE / link.relative_to(www)
                target = os.path.normpath(original.parent / os.readlink(original))
                link.unlink()
                link.symlink_to(target)
        for link in ("config.php", "feed-icons"):
            (www / link).unlink()
        state = self.root / "state"
        for sub in ("lock", "cache", "cache/images", "cache/upload", "cache/export"):
            (state / sub).mkdir(parents=True, exist_ok=True)
        (www / "feed-icons").mkdir()
        (www / "config.php").write_text(
            _CONFIG.format(socket_dir=self.root, db_port=DB_PORT, port=self.port, state=state)
        )
        helper = www / "classes" / "urlhelper.php"
        source = helper.read_text()
        for old, new in _PATCHES:
            if old not in source:
                raise RuntimeError(f"tt-rss changed: {old!r} not in urlhelper.php")
            source = source.replace(old, new)
        helper.write_text(source)
        if self._as_nobody:
            for path in (state, www / "feed-icons"):
                for sub in [path, *path.rglob("*")]:
                    shutil.chown(sub, "nobody", _NOGROUP)

    def start(self) -> None:
        """Start (or restart after :meth:`stop`) the PHP server, on the same port."""
        if self._php is not None:
            return
        argv = ["php", "-S", f"127.0.0.1:{self.port}", "-t", str(self.root / "www")]
        log = open(self.root / "php.log", "ab")  # noqa: SIM115 (closed with the process)
        self._php = subprocess.Popen(
            argv, cwd=self.root / "www", stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, **self._user(),
        )  # fmt: skip
        log.close()
        deadline = time.monotonic() + 15
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/api/", timeout=2):
                    return
            except OSError:
                if self._php.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        "php -S did not start: " + (self.root / "php.log").read_text()[-500:]
                    ) from None
                time.sleep(0.05)

    def stop(self) -> None:
        """Stop the PHP server (the database stays): the server is "down"."""
        if self._php is None:
            return
        self._php.terminate()
        try:
            self._php.wait(5)
        except subprocess.TimeoutExpired:
            self._php.kill()
            self._php.wait()
        self._php = None

    def close(self) -> None:
        self.stop()
        if self._db_up:
            pg_ctl = _pg_bin("pg_ctl")
            assert pg_ctl
            self._run_as([pg_ctl, "-D", str(self.root / "pg"), "-m", "immediate", "stop"])
            self._db_up = False
        shutil.rmtree(self.root, ignore_errors=True)

    # -- the database ----------------------------------------------------------------

    def _psql_argv(self, database: str) -> list[str]:
        psql = _pg_bin("psql")
        assert psql
        return [psql, "-h", str(self.root), "-p", str(DB_PORT), "-U", "postgres", "-d",
                database, "-v", "ON_ERROR_STOP=1", "-X", "-q"]  # fmt: skip

    def psql(self, sql: str, database: str = "ttrss") -> list[list[str]]:
        """Run SQL on the server's database; the rows of the last statement."""
        done = subprocess.run(
            [*self._psql_argv(database), "-At", "-F", "\t"],
            input=sql, capture_output=True, text=True, check=True,
        )  # fmt: skip
        return [line.split("\t") for line in done.stdout.splitlines() if line]

    def uid(self) -> int:
        return int(self.psql(f"SELECT id FROM ttrss_users WHERE login = {_quote(USER)}")[0][0])

    def add_category(self, title: str) -> int:
        rows = self.psql(
            f"INSERT INTO ttrss_feed_categories (owner_uid, title) "
            f"VALUES ({self.uid()}, {_quote(title)}) RETURNING id"
        )
        return int(rows[0][0])

    def add_feed(
        self, title: str, url: str, category: int | None = None, site_url: str = ""
    ) -> int:
        rows = self.psql(
            f"INSERT INTO ttrss_feeds (owner_uid, title, feed_url, cat_id, site_url) "
            f"VALUES ({self.uid()}, {_quote(title)}, {_quote(url)}, {_quote(category)}, "
            f"{_quote(site_url)}) RETURNING id"
        )
        return int(rows[0][0])

    def add_articles(self, feed_id: int, articles: Iterable[Article]) -> list[int]:
        """Insert articles into a feed (one transaction); their server ids, in order."""
        uid = self.uid()
        statements = ["BEGIN;"]
        for article in articles:
            self._serial += 1
            statements.append(
                "WITH e AS (INSERT INTO ttrss_entries (title, guid, link, updated, content,"
                " content_hash, date_entered, date_updated, author) VALUES ("
                f"{_quote(article.title)}, {_quote(article.guid)}, {_quote(article.link)},"
                f" {_quote(article.updated)}, {_quote(article.content)},"
                f" {_quote('h' + str(self._serial))},"
                f" NOW() + interval '{self._serial} microseconds', NOW(),"
                f" {_quote(article.author)}) RETURNING id)"
                " INSERT INTO ttrss_user_entries (ref_id, uuid, feed_id, owner_uid, unread,"
                " marked, tag_cache, label_cache) SELECT id, '', "
                f"{feed_id}, {uid}, {_quote(article.unread)}, {_quote(article.marked)}, '', ''"
                " FROM e RETURNING ref_id;"
            )
        statements.append("COMMIT;")
        done = subprocess.run(
            [*self._psql_argv("ttrss"), "-At"],
            input="\n".join(statements), capture_output=True, text=True, check=True,
        )  # fmt: skip
        return [int(line) for line in done.stdout.split() if line.isdigit()]

    def states(self) -> dict[int, tuple[bool, bool]]:
        """{article id: (unread, marked)} for the test user, straight from the database."""
        rows = self.psql(
            f"SELECT ref_id, unread, marked FROM ttrss_user_entries WHERE owner_uid = {self.uid()}"
        )
        return {int(r[0]): (r[1] == "t", r[2] == "t") for r in rows}


if __name__ == "__main__":
    started = time.monotonic()
    server = TtrssServer()
    print(f"TT-RSS up in {time.monotonic() - started:.1f} s: {server.api_url}")
    print(f"user {USER!r}, password {PASSWORD!r}; files in {server.root}")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
