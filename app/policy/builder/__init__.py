"""The policy builder: drafts written in the browser from a guided outline, reviewed by a second
person and published as a minor or a major version (routes under /admin/policy/drafts)."""
