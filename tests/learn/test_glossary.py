"""One name for the signed document: "la charte" in French, "the policy" in English.

The product is also called Charte, so French texts say "la plateforme Charte" for the product and
"la charte" for the document; "politique" is not used for the document. The few legitimate other
uses of "politique" (a privacy policy, a political party, political opinions) are allowed by name.
"""

from __future__ import annotations

import re

import pytest
import yaml

from tests.learning_helpers import ROOT

POLITIQUE = re.compile(r"\bpolitiques?\b", re.IGNORECASE)
# Phrases where "politique" does not name the signed document.
ALLOWED = re.compile(
    r"politiques? de confidentialité|partis? politiques?|opinions? politiques?"
    r"|expression politique|activités? politiques?|engagements? politiques?",
    re.IGNORECASE,
)
CHARTER = re.compile(r"\bcharters?\b", re.IGNORECASE)


def misuses(text: str) -> list[str]:
    """Each use of "politique" that is not in an allowed phrase, with some context."""
    cleaned = ALLOWED.sub("", text)
    return [cleaned[max(0, m.start() - 30) : m.end() + 30] for m in POLITIQUE.finditer(cleaned)]


def french_texts() -> list[tuple[str, str]]:
    """(where, text) for every French text a learner or signer reads."""
    found: list[tuple[str, str]] = []
    for path in sorted((ROOT / "content").rglob("*.fr.md")):
        found.append((str(path.relative_to(ROOT)), path.read_text(encoding="utf-8")))
    for path in sorted((ROOT / "quizzes").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        found.extend((f"{path.relative_to(ROOT)}", text) for text in _localised(data, "fr"))
    return found


def _localised(node, locale: str):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == locale and isinstance(value, str):
                yield value
            else:
                yield from _localised(value, locale)
    elif isinstance(node, list):
        for item in node:
            yield from _localised(item, locale)


def catalogue_msgstrs() -> list[str]:
    """Every French translation in the catalogue (msgstr, plural forms included)."""
    text = (ROOT / "app/translations/fr/LC_MESSAGES/messages.po").read_text(encoding="utf-8")
    strings, current = [], None
    for line in text.splitlines():
        if line.startswith("msgstr"):
            current = [line.split(" ", 1)[1]]
            strings.append(current)
        elif line.startswith('"') and current is not None:
            current.append(line)
        else:
            current = None
    return ["".join(part.strip('"') for part in parts) for parts in strings]


def test_the_allow_list_lets_other_meanings_through():
    assert misuses("Adresse de la politique de confidentialité") == []
    assert misuses("un parti politique a été épinglé") == []
    assert misuses("Lisez la politique avant de signer") != []


def test_french_content_calls_the_document_la_charte():
    problems = [(where, bad) for where, text in french_texts() for bad in misuses(text)]
    assert problems == [], "say « la charte » for the signed document: " + repr(problems)


def test_french_catalogue_calls_the_document_la_charte():
    problems = [bad for text in catalogue_msgstrs() for bad in misuses(text)]
    assert problems == [], "say « la charte » for the signed document: " + repr(problems)


@pytest.mark.parametrize("folder", ["content", "quizzes"])
def test_english_content_calls_the_document_the_policy(folder):
    paths = sorted((ROOT / folder).rglob("*.en.md")) if folder == "content" else []
    texts = [(str(p), p.read_text(encoding="utf-8")) for p in paths]
    if folder == "quizzes":
        for path in sorted((ROOT / folder).glob("*.yaml")):
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            texts.extend((str(path), text) for text in _localised(data, "en"))
    problems = [(where, m.group(0)) for where, text in texts for m in CHARTER.finditer(text)]
    assert problems == [], "say “the policy” for the signed document: " + repr(problems)


def _current_texts(locale: str) -> list[tuple[str, str]]:
    """Modules, consent texts and the newest policy version in one locale (older policy versions
    are published evidence and stay as they were signed)."""
    paths = sorted((ROOT / "content" / "modules").glob(f"*.{locale}.md"))
    paths += sorted((ROOT / "content" / "consent").glob(f"*.{locale}.md"))
    policies = sorted(
        (ROOT / "content" / "policy").glob(f"v*.{locale}.md"),
        key=lambda p: int(p.name[1:].split(".")[0]),
    )
    paths += policies[-1:]
    found = [(str(p.relative_to(ROOT)), p.read_text(encoding="utf-8")) for p in paths]
    for path in sorted((ROOT / "quizzes").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        found.extend((str(path.relative_to(ROOT)), text) for text in _localised(data, locale))
    return found


@pytest.mark.parametrize(("locale", "other"), [("fr", "'"), ("en", "’")])
def test_one_apostrophe_style_per_locale(locale, other):
    """French uses the typographic apostrophe ’, English the straight one '."""
    problems = sorted({where for where, text in _current_texts(locale) if other in text})
    assert problems == [], f"{locale} texts must not use {other!r}: {problems}"
