"""web/json_depth.py on its own: strings (with escapes) are not nesting; depth and place are
those a hand count gives."""

from __future__ import annotations

import json

from verkeerstoren.web.json_depth import too_deep


def test_brackets_in_strings_with_escaped_quotes_are_text() -> None:
    text = '\\"' + "[" * 100 + '\\"'  # an escaped quote must not end the string
    body = ('{"a": "' + text + '", "b": [1, 2]}').encode()
    assert json.loads(body)["a"].count("[") == 100  # really a string of brackets
    assert too_deep(body, limit=3) is None


def test_depth_and_place_after_an_escaped_string() -> None:
    head = '{"s": "x\\"]]]", "deep": '
    body = (head + "[" * 5 + "]" * 5 + "}").encode()
    json.loads(body)
    found = too_deep(body, limit=4)
    assert found is not None
    # Levels: the object (1), then arrays 2, 3, 4; the 4th array is level 5, the first past 4.
    # Its offset: the head, then three brackets.
    assert found.depth == 5
    assert found.offset == len(head) + 3
    assert found.path == "$.deep[0][0][0]"


def test_exactly_at_the_limit_passes() -> None:
    assert too_deep(b"[" * 64 + b"]" * 64) is None
    assert too_deep(b"[" * 65 + b"]" * 65) is not None
