"""French typography: no-break spaces and apostrophes in text, never in code, URLs or HTML."""

from __future__ import annotations

import re

import pytest

from app.core.typography import NBSP, NNBSP, for_locale, french


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Que feriez-vous ?", f"Que feriez-vous{NNBSP}?"),
        ("Attention !", f"Attention{NNBSP}!"),
        ("Attention!", f"Attention{NNBSP}!"),
        ("un ; deux", f"un{NNBSP}; deux"),
        ("Note : voir", f"Note{NBSP}: voir"),
        ("Note: voir", f"Note{NBSP}: voir"),
        ("« Bonjour »", f"«{NNBSP}Bonjour{NNBSP}»"),
        ("«Bonjour»", f"«{NNBSP}Bonjour{NNBSP}»"),
        ("l'entreprise", "l’entreprise"),
        ("Vraiment ?!", f"Vraiment{NNBSP}?!"),
        # Left alone: times, URLs, query strings, ratios.
        ("à 10:30", "à 10:30"),
        ("https://exemple.fr/page?id=2", "https://exemple.fr/page?id=2"),
        ("3:2", "3:2"),
    ],
)
def test_french_typography(text, expected):
    assert french(text) == expected
    assert french(expected) == expected  # idempotent


def test_only_french_gets_it():
    assert for_locale("Why ? Because : yes", "en") == "Why ? Because : yes"
    assert for_locale("Pourquoi ?", "fr") == f"Pourquoi{NNBSP}?"


def test_markdown_rendering_leaves_code_links_and_images_alone(app):
    from app.learn.content.catalog import render_markdown

    source = (
        "Lisez : « la charte » ! Voir [l'aide ?](https://exemple.fr/a?b=c) "
        "et `code : ici ?` puis <https://exemple.fr/x?y=1> et ![l'image ?](https://exemple.fr/i.png)\n\n"
        "```\nbloc : code ?\n```"
    )
    with app.test_request_context():
        html = str(render_markdown(source, {}, {}, "fr")).replace("&nbsp;", NBSP)
        english = str(render_markdown(source, {}, {}, "en"))
    assert f"Lisez{NBSP}: «{NNBSP}la charte{NNBSP}»{NNBSP}!" in html
    assert f">l’aide{NNBSP}?</a>" in html
    assert 'href="https://exemple.fr/a?b=c"' in html
    assert "<code>code : ici ?</code>" in html
    assert ">https://exemple.fr/x?y=1</a>" in html
    assert 'alt="l\'image ?"' in html or 'alt="l\'image ?"' in html
    assert "bloc : code ?" in html
    assert NNBSP not in english and NBSP not in english


def test_policy_and_consent_texts_get_it_in_french(app):
    from app.consent.texts import render_html
    from app.policy.versions import render_markdown

    assert f"Vous{NBSP}: oui" in render_markdown("Vous : oui", "fr").replace("&nbsp;", NBSP)
    assert "Vous : oui" in render_markdown("Vous : oui", "en")
    assert f"retrait{NNBSP}?" in str(render_html("Et le retrait ?", "fr"))
    assert "retrait ?" in str(render_html("Et le retrait ?", "en"))


def test_the_french_catalogue_is_typeset():
    """Every French interface string uses no-break spaces before : ; ! ? and ’ in words."""
    from babel.messages.pofile import read_po

    path = "app/translations/fr/LC_MESSAGES/messages.po"
    with open(path, "rb") as handle:
        catalogue = read_po(handle, locale="fr")
    plain_space = re.compile(r"\S [:;!?](\s|$)")
    straight_apostrophe = re.compile(r"(?<=[^\W\d_])'(?=[^\W\d_])")
    offenders = []
    for message in catalogue:
        texts = message.string if isinstance(message.string, tuple) else (message.string,)
        for text in texts:
            if text and (plain_space.search(text) or straight_apostrophe.search(text)):
                offenders.append(text)
    assert offenders == [], offenders[:5]
