""" "Last activity" is empty ("Never") for people who never signed in (issue 20)."""

from __future__ import annotations

import re

from app.core import audit
from app.core.audit_actions import AuditAction
from app.core.client import ClientInfo
from app.extensions import db
from app.hr_reports import people_status
from tests.conftest import make_user


def _activity_cell(html: str, name: str) -> str:
    row = re.search(rf"<tr>(?:(?!</tr>).)*{re.escape(name)}(?:(?!</tr>).)*</tr>", html, re.S)
    assert row, name
    return re.findall(r"<td[^>]*>(.*?)</td>", row.group(0), re.S)[6]  # the 7th column


def test_people_who_never_signed_in_have_no_activity(client, auth, hr):
    imported = make_user("imported@example.com", "Ines Importée", password=None)
    # Something recorded under their name (an import script, a demo) is not their activity.
    audit.record(
        AuditAction.SETTINGS_CHANGED, actor=imported, target_type="test", client=ClientInfo.system()
    )
    db.session.commit()
    assert people_status.last_activity([imported.id]) == {}
    auth.login(hr.email)
    html = client.get("/hr/employees").get_data(as_text=True)
    assert "Never" in _activity_cell(html, "Ines Importée")
    assert "<time" in _activity_cell(html, "Hugo Humain")  # HR signed in just now
    # Sorting by activity still works and lists them last.
    by_activity = client.get("/hr/employees?sort=activity").get_data(as_text=True)
    assert by_activity.index("Hugo Humain") < by_activity.index("Ines Importée")
