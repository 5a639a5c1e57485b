"""Parse and validate module Markdown and quiz YAML files into an immutable catalog (no Flask)."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from app.core import yaml_text
from app.learn.content.policy_outline import load_outline
from app.learn.content.practice import parse_practices
from app.learn.content.quiz_checks import QuizChecker
from app.learn.content.types import (
    LOCALES,
    PLACEHOLDER_RE,
    SECTION_ID_RE,
    VARIABLES,
    ContentError,
    Module,
    ModuleText,
    PolicyOutline,
    Quiz,
    Step,
)

MODULE_FILE_RE = re.compile(r"^(?P<slug>[a-z0-9][a-z0-9-]*)\.(?P<locale>[a-z]{2})\.md$")
FRONT_MATTER_KEYS = {
    "slug": str,
    "title": str,
    "summary": str,
    "minutes": int,
    "order": int,
    "required": bool,
    "version": int,
}
# Optional keys (older files do without them): which policy sections the steps teach, and
# `retired: true` for a module taken out of use (never deleted: evidence names its slug).
OPTIONAL_KEYS = {"teaches": dict, "retired": bool}
# These describe the module, not its wording, so both locales must agree on them.
SHARED_KEYS = ("slug", "minutes", "order", "required", "version", "teaches", "retired")
IMAGE_RE = re.compile(r"!\[(?P<alt>[^\]]*)\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")


@dataclass
class Catalog:
    """Every valid module in use with its quiz, in front-matter order, plus every error found.

    Retired modules are valid but out of use: learners' lists, paths and due dates read
    `modules` and never see them; pages showing past evidence name them through `named`."""

    modules: tuple[Module, ...] = ()
    errors: tuple[ContentError, ...] = ()
    images: dict[str, str] = field(default_factory=dict)
    # The newest policy version in CONTENT_DIR/policy (its section ids and titles), if any.
    policy: PolicyOutline | None = None
    retired: tuple[Module, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.errors

    def get(self, slug: str) -> Module | None:
        """The module in use with that slug, or None (a retired one too)."""
        for module in self.modules:
            if module.slug == slug:
                return module
        return None

    def named(self, slug: str) -> Module | None:
        """The module with that slug, in use or retired: for titles of past evidence."""
        return self.get(slug) or next((m for m in self.retired if m.slug == slug), None)


def sha256_of(paths: list[Path]) -> str:
    """The SHA-256 of the files' names and bytes, in name order (the content version)."""
    digest = hashlib.sha256()
    for path in sorted(paths, key=lambda p: p.name):
        digest.update(path.name.encode() + b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def check_placeholders(text: str, where: str, add) -> None:
    """Report every {{ variable }} that is not one of the organisation variables."""
    for match in PLACEHOLDER_RE.finditer(text):
        if match.group(1) not in VARIABLES:
            add(
                where,
                f"unknown variable {{{{ {match.group(1)} }}}} (allowed: {', '.join(VARIABLES)})",
            )


class _Errors:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.items: list[ContentError] = []

    def adder(self, path: Path):
        try:
            name = str(path.relative_to(self.root.parent))
        except ValueError:
            name = str(path)

        def add(where: str, message: str) -> None:
            self.items.append(ContentError(name, where, message))

        return add


def _split_front_matter(text: str, add) -> tuple[dict[str, Any] | None, str, int]:
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        add("line 1", "the file must start with front matter between two '---' lines")
        return None, text, 1
    for index in range(1, len(lines)):
        if lines[index].strip() == "---":
            try:
                data = yaml_text.safe_load("\n".join(lines[1:index])) or {}
            except yaml.YAMLError as exc:
                mark = getattr(exc, "problem_mark", None)
                line = (mark.line + 2) if mark else 1
                add(f"line {line}", f"front matter is not valid YAML ({exc.__class__.__name__})")
                return None, "", index + 2
            if not isinstance(data, dict):
                add("line 2", "front matter must be a mapping of keys to values")
                return None, "", index + 2
            return data, "\n".join(lines[index + 1 :]), index + 2
    add("line 1", "the front matter is not closed by a '---' line")
    return None, text, 1


def _key_line(text: str, key: str) -> str:
    for number, line in enumerate(text.split("\n"), start=1):
        if line.startswith(f"{key}:"):
            return f"line {number}"
    return "front matter"


def _check_front_matter(data: dict[str, Any], text: str, add) -> bool:
    ok = True
    for key in data:
        if key not in FRONT_MATTER_KEYS and key not in OPTIONAL_KEYS:
            add(_key_line(text, key), f"unknown front-matter key '{key}'")
            ok = False
    if "teaches" in data and not _check_teaches(data["teaches"], _key_line(text, "teaches"), add):
        ok = False
    for key, kind in FRONT_MATTER_KEYS.items():
        value = data.get(key)
        if value is None:
            add("front matter", f"missing front-matter key '{key}'")
            ok = False
        elif not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            add(_key_line(text, key), f"'{key}' must be a {kind.__name__}")
            ok = False
        elif kind is str and not value.strip():
            add(_key_line(text, key), f"'{key}' must not be empty")
            ok = False
    if ok:
        for key in ("minutes", "version"):
            if data[key] < 1:
                add(_key_line(text, key), f"'{key}' must be at least 1")
                ok = False
    return ok


def _check_teaches(value: Any, where: str, add) -> bool:
    """`teaches:` maps policy section ids to lists of step numbers (1-based)."""
    if not isinstance(value, dict) or not value:
        add(where, "'teaches' maps policy section ids to lists of step numbers")
        return False
    ok = True
    for section, steps in value.items():
        if not isinstance(section, str) or not SECTION_ID_RE.match(section):
            add(where, f"'teaches': '{section}' is not a section id (lowercase-with-dashes)")
            ok = False
        if (
            not isinstance(steps, list)
            or not steps
            or not all(isinstance(n, int) and not isinstance(n, bool) and n >= 1 for n in steps)
        ):
            add(where, f"'teaches': '{section}' needs a list of step numbers (1 for the first)")
            ok = False
    return ok


def _split_steps(body: str, first_line: int, add) -> list[Step]:
    steps: list[Step] = []
    preamble: list[str] = []
    current: tuple[str, int, list[str]] | None = None
    in_fence = False
    for offset, line in enumerate(body.split("\n")):
        if line.lstrip().startswith(("```", "~~~")):
            in_fence = not in_fence
        if not in_fence and line.startswith("## "):
            if current:
                steps.append(Step(current[0], "\n".join(current[2]).strip(), current[1]))
            current = (line[3:].strip(), first_line + offset, [])
        elif current:
            current[2].append(line)
        else:
            preamble.append(line)
    if current:
        steps.append(Step(current[0], "\n".join(current[2]).strip(), current[1]))
    steps = [Step(s.title, s.body, s.line, parse_practices(s.body, s.line, add)) for s in steps]
    if "\n".join(preamble).strip():
        add(f"line {first_line}", "text before the first '## ' step heading belongs to no step")
    if not steps:
        add(f"line {first_line}", "no step: each step starts with a '## ' heading")
    for step in steps:
        if not step.title:
            add(f"line {step.line}", "a step heading has no title")
        if not step.body:
            add(f"line {step.line}", f"step '{step.title}' has no text")
    return steps


def _check_images(text: str, images_dir: Path, images: dict[str, str], add) -> None:
    for number, line in enumerate(text.split("\n"), start=1):
        for match in IMAGE_RE.finditer(line):
            src = match.group(2)
            name = src.removeprefix("images/")
            if not match.group("alt").strip():
                add(
                    f"line {number}",
                    f"image '{src}' has no alternative text: write what it shows, "
                    "e.g. ![A phone showing a public post](images/post.svg)",
                )
            if not src.startswith("images/") or "/" in name or name.startswith("."):
                add(
                    f"line {number}",
                    f"image '{src}' must be a file of images/ (e.g. images/photo.png)",
                )
            elif not (images_dir / name).is_file():
                add(f"line {number}", f"image '{src}' does not exist in {images_dir}")
            else:
                images[name] = sha256_of([images_dir / name])[:12]


def _load_module_file(path: Path, images_dir: Path, images: dict[str, str], add):
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        add("line 1", "the file is not UTF-8 text")
        return None
    data, body, body_line = _split_front_matter(text.replace("\r\n", "\n"), add)
    if data is None or not _check_front_matter(data, text, add):
        return None
    steps = _split_steps(body, body_line, add)
    for number, line in enumerate(text.split("\n"), start=1):
        check_placeholders(line, f"line {number}", add)
    _check_images(text, images_dir, images, add)
    return data, steps


def load_catalog(content_dir: Path, quizzes_dir: Path) -> Catalog:
    """Read CONTENT_DIR/modules and QUIZZES_DIR, validate every rule, return modules and errors."""
    modules_dir = content_dir / "modules"
    images_dir = modules_dir / "images"
    errors = _Errors(content_dir)
    images: dict[str, str] = {}
    if not modules_dir.is_dir():
        errors.adder(modules_dir)("folder", "the modules folder does not exist")
        return Catalog(errors=tuple(errors.items))
    by_slug: dict[str, dict[str, tuple[Path, dict[str, Any], list[Step]]]] = {}
    broken: set[str] = set()
    for path in sorted(modules_dir.iterdir()):
        if path.is_dir() or path.name.startswith("."):
            continue
        add = errors.adder(path)
        match = MODULE_FILE_RE.match(path.name)
        if not match or match["locale"] not in LOCALES:
            add("file name", f"module files are named <slug>.<{'|'.join(LOCALES)}>.md")
            continue
        loaded = _load_module_file(path, images_dir, images, add)
        if loaded is None:
            broken.add(match["slug"])  # already reported; no knock-on "missing locale" error
            continue
        data, steps = loaded
        if data["slug"] != match["slug"]:
            where = _key_line(path.read_text(encoding="utf-8"), "slug")
            other = modules_dir / f"{data['slug']}.{match['locale']}.md"
            if other.exists():
                add(where, f"slug '{data['slug']}' is already used by {other.name}")
            else:
                add(where, f"slug '{data['slug']}' differs from the file name")
            broken.add(match["slug"])
            continue
        by_slug.setdefault(match["slug"], {})[match["locale"]] = (path, data, steps)

    for slug, versions in by_slug.items():
        for path, _data, steps in versions.values():
            seen_ids: set[str] = set()
            for step in steps:
                for practice in step.practices:
                    if practice.id in seen_ids:
                        errors.adder(path)(
                            f"line {step.line}", f"practice id '{practice.id}' is used twice"
                        )
                        broken.add(slug)
                    seen_ids.add(practice.id)
    quizzes = QuizChecker(quizzes_dir, errors).load_all()
    modules: list[Module] = []
    orders: dict[int, str] = {}
    for slug, versions in by_slug.items():
        if slug in broken:
            quizzes.pop(slug, None)
            continue
        module = _assemble(slug, versions, quizzes.pop(slug, None), errors, orders, modules_dir)
        if module:
            modules.append(module)
    for slug, (_quiz, path) in quizzes.items():
        if not any((modules_dir / f"{slug}.{locale}.md").exists() for locale in LOCALES):
            errors.adder(path)("module", f"no module has the slug '{slug}'")
    modules.sort(key=lambda m: (m.order, m.slug))
    policy = load_outline(content_dir / "policy", errors)
    return Catalog(
        tuple(m for m in modules if not m.retired),
        tuple(errors.items),
        images,
        policy,
        tuple(m for m in modules if m.retired),
    )


def _assemble(slug, versions, quiz_entry, errors: _Errors, orders, modules_dir) -> Module | None:
    missing = [loc for loc in LOCALES if loc not in versions]
    first_path = next(iter(versions.values()))[0]
    if missing:
        errors.adder(first_path)(
            "locales", f"module '{slug}' has no {', '.join(missing)} file ({slug}.{missing[0]}.md)"
        )
        return None
    reference_path, reference, ref_steps = versions[LOCALES[0]]
    ok = True
    for locale in LOCALES[1:]:
        path, data, steps = versions[locale]
        add = errors.adder(path)
        for key in SHARED_KEYS:
            if data.get(key) != reference.get(key):
                add(
                    f"{key}",
                    f"'{key}' is {data.get(key)!r} here but {reference.get(key)!r} "
                    f"in {reference_path.name}",
                )
                ok = False
        if len(steps) != len(ref_steps):
            add("steps", f"{len(steps)} steps here but {len(ref_steps)} in {reference_path.name}")
            ok = False
        elif not _same_practices(steps, ref_steps, reference_path.name, add):
            ok = False
    teaches = reference.get("teaches") or {}
    for section, numbers in teaches.items():
        for number in numbers:
            if number > len(ref_steps):
                errors.adder(reference_path)(
                    "teaches", f"'{section}': step {number} does not exist ({len(ref_steps)} steps)"
                )
                ok = False
    if reference["order"] in orders:
        errors.adder(reference_path)(
            "order", f"order {reference['order']} is also used by '{orders[reference['order']]}'"
        )
        ok = False
    orders.setdefault(reference["order"], slug)
    if quiz_entry is None:
        errors.adder(reference_path)("quiz", f"module '{slug}' has no quiz ({slug}.yaml)")
        return None
    quiz, quiz_path = quiz_entry
    if not ok or quiz is None:
        return None
    texts = {
        locale: ModuleText(data["title"], data["summary"], tuple(steps))
        for locale, (path, data, steps) in versions.items()
    }
    return Module(
        slug=slug,
        order=reference["order"],
        required=reference["required"],
        minutes=reference["minutes"],
        material_version=reference["version"],
        content_hash=sha256_of([path for path, _, _ in versions.values()]),
        texts=texts,
        quiz=quiz,
        teaches={section: tuple(numbers) for section, numbers in teaches.items()},
        retired=bool(reference.get("retired")),
    )


def _same_practices(steps: list[Step], ref_steps: list[Step], ref_name: str, add) -> bool:
    """Practice blocks have the same ids and the same right answers in every locale."""
    ok = True
    for number, (step, ref) in enumerate(zip(steps, ref_steps, strict=True), start=1):
        mine = [(p.id, tuple(c.correct for c in p.choices)) for p in step.practices]
        theirs = [(p.id, tuple(c.correct for c in p.choices)) for p in ref.practices]
        if [i for i, _ in mine] != [i for i, _ in theirs]:
            add(
                f"line {step.line}",
                f"step {number}: practice ids {[i for i, _ in mine]} here but "
                f"{[i for i, _ in theirs]} in {ref_name}",
            )
            ok = False
        elif mine != theirs:
            add(f"line {step.line}", f"step {number}: practice choices differ from {ref_name}")
            ok = False
    return ok


__all__ = ["Catalog", "ContentError", "Module", "Quiz", "load_catalog", "sha256_of"]
