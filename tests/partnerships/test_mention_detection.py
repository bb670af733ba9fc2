"""Finding a brand in members' words: names on word boundaries, recommendations, tone."""

import pytest

from partnerships.measurement.mention_detection import brand_matcher, find_mentions, read_mention

APPLE = brand_matcher(["Apple"], ["https://www.apple.com/"])
INKWELL = brand_matcher(["Inkwell", "Inkwell & Nib", "I&N"], ["https://inkwell.example"])


def names(text, matcher=APPLE):
    return [m.name for m in find_mentions(text, matcher)]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("I love apple", ["Apple"]),
        ("APPLE just shipped it", ["Apple"]),
        ("pineapple on pizza", []),
        ("Applesauce recipe", []),
        ("snapple is a drink", []),
        ("Apple's new keyboard", ["Apple"]),
        ("Apple’s new keyboard", ["Apple"]),
        ("I have two Apples", ["Apple"]),
        ("the Apples' cases", ["Apple"]),
        ("(Apple)", ["Apple"]),
        ("apple-branded", ["Apple"]),  # a hyphen is not part of a word
        ("apple_cart", []),
        ("see https://www.apple.com/shop for it", ["apple.com"]),
        ("support.apple.com says so", ["Apple"]),  # a bare host is the name itself
        ("https://support.apple.com/kb/1 helped", ["apple.com"]),
        ("https://example.org/apple-pie-recipe", []),  # the name inside someone else's link
        ("https://apple.example.org/", []),  # another site's subdomain
        ("Apple and apple again", ["Apple", "Apple"]),
    ],
)
def test_brand_names_match_on_word_boundaries_in_any_case_with_plurals_possessives_and_own_links(text, expected):
    assert names(text) == expected


def test_several_names_the_longest_wins_and_spacing_is_free():
    assert names("Inkwell  &  Nib restocked", INKWELL) == ["Inkwell & Nib"]
    assert names("got it from I&N", INKWELL) == ["I&N"]
    assert names("Inkwell's blue", INKWELL) == ["Inkwell"]
    assert names("inkwells everywhere", INKWELL) == ["Inkwell"]  # a plural of the name reads as it
    assert brand_matcher(["", " ", "x"]) is None  # nothing usable to match


@pytest.mark.parametrize(
    "text, recommends, tone",
    [
        ("For a first bottle I'd recommend Inkwell, it flows well.", True, "positive"),
        ("Inkwell is great for beginners.", True, "positive"),
        ("Just try Inkwell blue-black.", True, "neutral-or-positive"),
        ("You can't go wrong with Inkwell.", True, "neutral-or-positive"),
        ("+1 for Inkwell", True, "neutral-or-positive"),
        ("I would not recommend Inkwell, it stained my converter.", False, "negative"),
        ("Avoid Inkwell, the bottles leak.", False, "negative"),
        ("Inkwell customer service is terrible, never again.", False, "negative"),
        ("I bought Inkwell blue last week.", False, "neutral"),
    ],
)
def test_recommendations_and_tone_on_realistic_phrases(text, recommends, tone):
    reading = read_mention(text, INKWELL)
    assert reading is not None and reading.is_recommendation is recommends
    if tone == "positive":
        assert reading.sentiment > 0.3
    elif tone == "negative":
        assert reading.sentiment < -0.2
    elif tone == "neutral":
        assert abs(reading.sentiment) < 0.2
    else:
        assert reading.sentiment > -0.05


def test_tone_is_read_from_the_sentences_that_name_the_brand():
    text = "My Pilot pen is wonderful and I adore it. Inkwell ink clogged it, awful."
    assert read_mention(text, INKWELL).sentiment < 0


def test_sarcasm_is_a_known_limit_read_as_praise():
    """The documented limit (mention_detection's docstring, README), asserted as it is: VADER reads
    sarcasm as praise, though the same complaint said plainly reads as one. A better model turns
    the first reading negative and fails this test: then the docstring and README change with it."""
    plain = read_mention("Another Inkwell bottle that leaked.", INKWELL).sentiment
    sarcastic = read_mention("Oh great, another Inkwell bottle that leaked. Love it.", INKWELL).sentiment
    assert plain < 0
    assert sarcastic >= 0.05  # VADER's own threshold for "positive"


def test_no_mention_is_none():
    assert read_mention("pineapples and apples", INKWELL) is None
    assert read_mention("", INKWELL) is None
