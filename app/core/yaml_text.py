"""YAML parsing for content files, with libyaml's C parser when the machine has it.

The content catalogue parses every module, quiz and text file at start-up and after each
change; the C parser is about ten times faster than the pure-Python one and accepts exactly
the same safe subset (no Python objects), so it is used whenever PyYAML was built with it.
"""

from __future__ import annotations

from typing import Any

import yaml

_WITH_LIBYAML = hasattr(yaml, "CSafeLoader")


def safe_load(text: str) -> Any:
    """The YAML document in `text` (plain data only), as yaml.safe_load would return it."""
    if _WITH_LIBYAML:
        return yaml.load(text, Loader=yaml.CSafeLoader)
    return yaml.safe_load(text)
