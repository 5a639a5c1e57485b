#!/usr/bin/env python3
"""Fill French translations from a JSON file {msgid: msgstr} (plural: {msgid: [one, many]}).

Usage: .venv/bin/python scripts/po_fill.py translations.json   (then `make compile-translations`)
Also: `--missing` lists the msgids still untranslated, one JSON object, ready to be filled;
`--from-po OTHER.po` takes the translations of another catalog (used when merging branches).
"""

from __future__ import annotations

import json
import sys

from babel.messages.pofile import read_po, write_po

PO = "app/translations/fr/LC_MESSAGES/messages.po"


def main() -> int:
    with open(PO, "rb") as handle:
        catalog = read_po(handle)
    if sys.argv[1:] == ["--missing"]:
        missing = {}
        for message in catalog:
            if not message.id:
                continue
            done = message.string if isinstance(message.string, str) else all(message.string)
            if not done or message.fuzzy:
                key = message.id if isinstance(message.id, str) else message.id[0]
                missing[key] = "" if isinstance(message.id, str) else ["", ""]
        print(json.dumps(missing, ensure_ascii=False, indent=1))
        return 0
    if sys.argv[1] == "--from-po":
        with open(sys.argv[2], "rb") as handle:
            other = read_po(handle)
        translations = {
            (m.id if isinstance(m.id, str) else m.id[0]): (
                m.string if isinstance(m.string, str) else list(m.string)
            )
            for m in other
            if m.id and not m.fuzzy
        }
    else:
        with open(sys.argv[1], encoding="utf-8") as handle:
            translations = json.load(handle)
    filled = 0
    for message in catalog:
        key = message.id if isinstance(message.id, str) else (message.id or [None])[0]
        if (
            key in translations
            and translations[key]
            and (isinstance(translations[key], str) or all(translations[key]))
        ):
            value = translations[key]
            message.string = tuple(value) if isinstance(message.id, tuple) else value
            message.flags.discard("fuzzy")
            filled += 1
    with open(PO, "wb") as handle:
        write_po(handle, catalog, width=100)
    print(f"filled {filled} messages")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
