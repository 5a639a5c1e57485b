#!/bin/sh
# After `git merge <branch>` conflicts only in the catalogs: keep ours, re-extract from the merged
# code, then take every translation either side had. Usage: scripts/merge_catalogs.sh <branch>
set -e
branch="$1"
git show "$branch:app/translations/fr/LC_MESSAGES/messages.po" > /tmp/theirs-fr.po
git show "HEAD:app/translations/fr/LC_MESSAGES/messages.po" > /tmp/ours-fr.po
for f in app/translations/messages.pot app/translations/fr/LC_MESSAGES/messages.po app/translations/en/LC_MESSAGES/messages.po; do
    git checkout --ours -- "$f" 2>/dev/null || git show "HEAD:$f" > "$f"
done
make -s translations >/dev/null 2>&1
.venv/bin/python scripts/po_fill.py --from-po /tmp/ours-fr.po
.venv/bin/python scripts/po_fill.py --from-po /tmp/theirs-fr.po
make -s compile-translations >/dev/null 2>&1
git add app/translations
.venv/bin/python scripts/po_fill.py --missing
