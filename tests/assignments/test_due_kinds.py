"""Due-item keys: built and parsed from DueKind, identical to the keys stored in reminders."""

from __future__ import annotations

from app.assignments.due import DueKind, due_key, parse_due_key


def test_keys_are_the_stored_strings():
    assert due_key(DueKind.PROGRAMME) == "programme"
    assert due_key(DueKind.POLICY) == "policy"
    assert due_key(DueKind.REFRESHER) == "refresher"
    assert due_key(DueKind.MODULE, "phishing") == "module:phishing"
    assert all(type(due_key(kind, "x")) is str for kind in DueKind)


def test_keys_parse_back():
    for kind in DueKind:
        slug = "phishing" if kind is DueKind.MODULE else ""
        assert parse_due_key(due_key(kind, slug)) == (kind, slug)
    # A key no kind knows stays as it is (the labels read it as a module slug, as before).
    assert parse_due_key("module") == (None, "module")
    assert parse_due_key("something") == (None, "something")
