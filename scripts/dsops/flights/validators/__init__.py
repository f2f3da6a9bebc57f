"""One rule set for the cleaned flights table (`rules`), checked three ways: by hand
with pandas (`by_hand`), with pandera (`with_pandera`) and with Great Expectations
(`with_gx`). Each module's `check(frame)` returns the tool's own messages, one per
broken rule, and an empty list for a table that keeps every rule."""
