"""Content files as the app sees them: the shipped folders overlaid by what was published in the browser.

A content file is named by its path under a root folder, the layout `flask content export`
writes and `flask content import` reads:

    content/modules/<slug>.<locale>.md    a module in one locale
    quizzes/<slug>.yaml                   its quiz
    content/consent/<slug>.<locale>.md    a consent purpose's text in one locale

The shipped files (CONTENT_DIR, QUIZZES_DIR) are the base; the newest published row of each
path (PublishedContentFile, evidence) replaces the shipped file. The loaders of the catalogue and
of consent texts read folders, so an overlaid set of files is written once to a folder named by
its digest (`materialise`) and read from there: the validation is the one `flask content check`
runs, file for file. Images and the policy folder stay the shipped ones (linked, not copied).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
from functools import lru_cache
from pathlib import Path

from flask import current_app
from sqlalchemy import inspect, select
from sqlalchemy.exc import SQLAlchemyError

from app.core import process_cache
from app.extensions import db
from app.models.learning import PublishedContentFile

PATH_RE = re.compile(
    r"^(?:content/modules/[a-z0-9][a-z0-9-]*\.[a-z]{2}\.md"
    r"|quizzes/[a-z0-9][a-z0-9-]*\.yaml"
    r"|content/consent/[a-z0-9][a-z0-9-]*\.[a-z]{2}\.md)$"
)
# The policy's files travel in the same folder but are the policy builder's to read and write
# (app.policy.builder.transfer): the module/quiz/consent reader leaves them alone.
POLICY_PATH_RE = re.compile(r"^content/policy/v\d+\.[a-z]{2}\.md$")
PUBLISHED_TABLE = PublishedContentFile.__tablename__


class ContentFolderError(ValueError):
    """A folder given to `flask content import` holds a malformed file: nothing is imported."""


def valid_path(path: str) -> bool:
    """True for a path an authored file may have (see the module doc)."""
    return bool(PATH_RE.match(path))


def kind_of(path: str) -> str:
    """'module', 'quiz' or 'consent'."""
    if path.startswith("quizzes/"):
        return "quiz"
    return "consent" if path.startswith("content/consent/") else "module"


def slug_locale(path: str) -> tuple[str, str | None]:
    """The slug a file is about and its locale (None for a quiz, which holds both)."""
    name = path.rsplit("/", 1)[-1]
    if name.endswith(".yaml"):
        return name.removesuffix(".yaml"), None
    slug, locale, _ = name.rsplit(".", 2)
    return slug, locale


def _dirs() -> tuple[Path, Path]:
    config = current_app.config
    return _paths(config["CONTENT_DIR"], config["QUIZZES_DIR"])


@lru_cache(maxsize=64)
def _paths(content_dir: str, quizzes_dir: str) -> tuple[Path, Path]:
    # Every catalogue lookup (several per page) asks for these: the Path objects are made once.
    return Path(content_dir), Path(quizzes_dir)


def _read(path: Path) -> str:
    # Bytes, not read_text(): line ends are kept exactly, so an export is byte-identical.
    return path.read_bytes().decode("utf-8")


def shipped_files() -> dict[str, str]:
    """Every authorable file of CONTENT_DIR and QUIZZES_DIR, by path (see the module doc)."""
    content_dir, quizzes_dir = _dirs()
    found: dict[str, str] = {}
    for prefix, folder in (
        ("content/modules/", content_dir / "modules"),
        ("quizzes/", quizzes_dir),
        ("content/consent/", content_dir / "consent"),
    ):
        if not folder.is_dir():
            continue
        for file in sorted(folder.iterdir()):
            if file.is_file() and valid_path(prefix + file.name):
                found[prefix + file.name] = _read(file)
    return found


def _published() -> tuple[tuple[str, str], ...]:
    latest: dict[str, str] = {}
    for path, text in db.session.execute(
        select(PublishedContentFile.path, PublishedContentFile.text).order_by(
            PublishedContentFile.id
        )
    ):
        latest[path] = text
    return tuple(sorted(latest.items()))


def published_files() -> dict[str, str]:
    """The newest published text of each path (cached per process, dropped on publication)."""
    return dict(process_cache.cached("published_content", [PUBLISHED_TABLE], _published))


def effective_files() -> dict[str, str]:
    """Shipped files overlaid by published ones: what learners and consent pages use."""
    return {**shipped_files(), **published_files()}


def _digest(files: dict[str, str], base: tuple[Path, Path]) -> str:
    digest = hashlib.sha256()
    for folder in base:
        digest.update(str(folder.resolve()).encode() + b"\0")
    for path in sorted(files):
        digest.update(path.encode() + b"\0" + files[path].encode() + b"\0")
    return digest.hexdigest()[:32]


def _overlay_root() -> Path:
    # Per user: folders another account wrote are not trusted (and may not be writable).
    return Path(tempfile.gettempdir()) / f"charte-content-{os.getuid()}"


def materialise(files: dict[str, str]) -> Path:
    """A folder holding exactly these files (plus the shipped images and policy), written once.

    The folder is named by the digest of the files, so it never changes once written and a
    different set of files gets a different folder (and a fresh catalogue cache entry).
    """
    content_dir, quizzes_dir = _dirs()
    root = _overlay_root() / _digest(files, (content_dir, quizzes_dir))
    if root.is_dir():
        return root
    root.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".build-", dir=root.parent))
    build_folder(files, work)
    try:
        work.rename(root)
    except OSError:  # another process wrote the same folder first: theirs is identical
        shutil.rmtree(work, ignore_errors=True)
    return root


def build_folder(files: dict[str, str], work: Path) -> None:
    """Write files into an empty folder with the shipped images and policy linked in."""
    content_dir, _ = _dirs()
    for sub in ("content/modules", "content/consent", "quizzes"):
        (work / sub).mkdir(parents=True, exist_ok=True)
    write_folder(files, work)
    for source, target in (
        (content_dir / "modules" / "images", work / "content/modules/images"),
        (content_dir / "policy", work / "content/policy"),
    ):
        if source.is_dir():
            os.symlink(source.resolve(), target, target_is_directory=True)


def _shipped_stamp() -> tuple:
    """Names, sizes and modification times of the shipped files: changes when one changes."""
    content_dir, quizzes_dir = _dirs()
    stamp: list[tuple] = []
    for folder in (content_dir / "modules", quizzes_dir, content_dir / "consent"):
        if folder.is_dir():
            for file in sorted(folder.iterdir()):
                if file.is_file():
                    info = file.stat()
                    stamp.append((str(file), info.st_size, info.st_mtime_ns))
    return tuple(stamp)


_READY = "charte.published_content_ready"


def _table_ready() -> bool:
    """True once the published files' table exists (asked of the catalogue, which never fails
    the caller's transaction as a query of a missing table would; remembered once found)."""
    if current_app.extensions.get(_READY):
        return True
    try:
        ready = inspect(db.session.connection()).has_table(PUBLISHED_TABLE)
    except SQLAlchemyError:
        return False
    if ready:
        current_app.extensions[_READY] = True
    return ready


_roots: dict[tuple, Path] = {}
_ROOTS_MAX = 64


def effective_dirs() -> tuple[Path, Path]:
    """(content folder, quizzes folder) to load: the shipped ones unless something was published."""
    if not _table_ready():  # a database not migrated yet: `flask content check` in CI, upgrades
        return _dirs()
    try:
        published = process_cache.cached("published_content", [PUBLISHED_TABLE], _published)
    except SQLAlchemyError:  # the database is down: learners get the shipped files meanwhile
        db.session.rollback()
        published = ()
    if not published:
        return _dirs()
    # Reading every shipped file on each page would be wasteful: the folder for this published
    # set and these shipped files (by name, size and date) is remembered.
    key = (published, _shipped_stamp())
    root = _roots.get(key)
    if root is None or not root.is_dir():
        root = materialise({**shipped_files(), **dict(published)})
        if len(_roots) >= _ROOTS_MAX:
            _roots.clear()
        _roots[key] = root
    return root / "content", root / "quizzes"


def write_folder(files: dict[str, str], folder: Path) -> None:
    """Write files under folder in the export layout (bytes exactly as stored)."""
    for path, text in sorted(files.items()):
        target = folder / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(text.encode("utf-8"))


def read_folder(folder: Path) -> tuple[dict[str, str], list[str]]:
    """The authorable files under folder, and the problems (unknown or non-UTF-8 files)."""
    files: dict[str, str] = {}
    problems: list[str] = []
    for file in sorted(folder.rglob("*")):
        if not file.is_file():
            continue
        path = file.relative_to(folder).as_posix()
        if POLICY_PATH_RE.match(path):
            continue  # read by the policy builder (content_import_prepared)
        if not valid_path(path):
            problems.append(f"{path}: not a module, quiz or consent text file (ignored)")
            continue
        try:
            files[path] = _read(file)
        except UnicodeDecodeError:
            problems.append(f"{path}: not UTF-8 text (ignored)")
    return files, problems
