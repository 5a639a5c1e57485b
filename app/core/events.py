"""Signals other areas subscribe to (certificates, reminders); sent only after the commit."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# send(app, user=User, completion=ModuleCompletion): a module was completed (new row committed).
module_completed = _signals.signal("module-completed")
# send(app, user=User, completion=ModuleCompletion, completed_at=datetime): the last required
# module of the programme was just completed.
programme_completed = _signals.signal("programme-completed")
# send(app, user=User, acknowledgement=Acknowledgement): the user signed the current policy
# version (new row committed).
policy_signed = _signals.signal("policy-signed")
