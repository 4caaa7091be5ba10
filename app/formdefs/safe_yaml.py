"""Reading the YAML of forms and jurisdiction packages without alias bombs or deep recursion.

yaml.safe_load shares the object an alias (`*name`) points to, so nine levels of ten aliases
("billion laughs") parse in a moment and explode only when the value is copied, stored as JSON
or hashed. Our files need no aliases, so the loader refuses every one, and it refuses nesting
deeper than MAX_DEPTH (the composer recurses once per level) and files above MAX_BYTES.
"""

from __future__ import annotations

import yaml
from yaml.composer import ComposerError

MAX_BYTES = 1024 * 1024
MAX_DEPTH = 50


class _Loader(yaml.SafeLoader):
    """SafeLoader refusing aliases and deep nesting."""

    depth = 0

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise ComposerError(None, None, "YAML aliases (*name) are not allowed; write the "
                                "value out in full", event.start_mark)
        if self.depth >= MAX_DEPTH:
            raise ComposerError(None, None, f"nested more than {MAX_DEPTH} levels deep",
                                self.peek_event().start_mark)
        self.depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


def _checked_loader(text: str) -> _Loader:
    if len(text) > MAX_BYTES:
        raise yaml.YAMLError(f"the file is larger than {MAX_BYTES // 1024} KB")
    return _Loader(text)


def compose_yaml(text: str) -> yaml.Node | None:
    """Return the node tree of one YAML document (with line marks); raise yaml.YAMLError."""
    loader = _checked_loader(text)
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()


def load_yaml(text: str):
    """Return the data of one YAML document; raise yaml.YAMLError (aliases, depth, size, syntax)."""
    loader = _checked_loader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()
