"""The offset map every reader builds: output offsets back to exact source offsets."""

from __future__ import annotations

from apology_lint.readers.offsets import OffsetMap, TextBuilder, clip


def test_keep_and_put_map_back_to_the_source() -> None:
    source = "Hi {{ name }}, we&rsquo;re sorry."
    b = TextBuilder(source)
    b.keep(0, 3)
    b.put("Alex", 3, 13, mask=True)
    b.keep(13, 17)
    b.put("\u2019", 17, 24)
    b.keep(24, len(source))
    text, offsets = b.build()
    assert text == "Hi Alex, we\u2019re sorry."
    start = text.index("sorry")
    assert offsets.span(start, start + 5) == (source.index("sorry"), source.index("sorry") + 5)
    # A span over the decoded entity covers the whole entity in the source.
    we = text.index("we")
    s, e = offsets.span(we, we + 5)
    assert source[s:e] == "we&rsquo;re"
    # The stand-in maps to the whole placeholder.
    assert offsets.span(3, 7) == (3, 13)


def test_composed_maps_reach_the_original_source() -> None:
    source = "<p>{{ x }} We lost data.</p>"
    outer = TextBuilder(source)  # template step: mask the placeholder
    outer.keep(0, 3)
    outer.put("Northwind", 3, 10, mask=True)
    outer.keep(10, len(source))
    middle, outer_map = outer.build()
    inner = TextBuilder(middle)  # HTML step: drop the tags
    inner.keep(3, middle.index("</p>"))
    text, inner_map = inner.build()
    assert text == "Northwind We lost data."
    composed = inner_map.then(outer_map)
    i = text.index("lost")
    assert composed.span(i, i + 4) == (source.index("lost"), source.index("lost") + 4)
    assert composed.masked(0, len(text)) == [(0, len("Northwind"))]


def test_clip_never_keeps_a_placeholder() -> None:
    source = "We're sorry {{ name }} that we failed."
    b = TextBuilder(source)
    b.keep(0, 12)
    b.put("Alex", 12, 22, mask=True)
    b.keep(22, len(source))
    text, offsets = b.build()
    clipped = clip(text, offsets, 0, len(text))
    assert clipped is not None
    assert text[clipped[0]:clipped[1]] == "We're sorry"
    only_placeholder = clip(text, offsets, text.index("Alex"), text.index("Alex") + 4)
    assert only_placeholder is None


def test_identity_map() -> None:
    offsets = OffsetMap.identity(10)
    assert offsets.span(2, 5) == (2, 5)
    assert offsets.span(0, 10) == (0, 10)
    assert offsets.masked(0, 10) == []
