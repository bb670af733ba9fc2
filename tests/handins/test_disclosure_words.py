"""find_disclosure: which words disclose a partnership, table by table (pure; no database)."""

import pytest

from partnerships.disclosure import COMMON_DISCLOSURES, find_disclosure

DISCLOSED = [
    ("#ad", "#ad"),
    ("Sheen inks I like #Ad", "#Ad"),
    ("#AD at the end.", "#AD"),
    ("\\#ad — Reddit's editor escapes the hash", "#ad"),
    ("**Sponsored** by Inkwell", "Sponsored"),
    ("This review is sponsored.", "sponsored"),
    ("Ad: Inkwell's new sheen inks", "Ad:"),
    ("Ad:Inkwell's new sheen inks", "Ad:"),
    ("[AD] three inks compared", "[AD]"),
    ("(ad) three inks compared", "(ad)"),
    ("A paid partnership with Inkwell", "paid partnership"),
    ("I partnered  with\nInkwell for this", "partnered with"),
    ("Made in partnership with Inkwell", "in partnership with"),
    ("I was sent these inks to try", "I was sent"),
    ("These were sent to me by Inkwell", "were sent to me"),
    ("Sent to me by Inkwell", "Sent to me by"),
    ("Gifted by Inkwell, opinions mine", "Gifted by"),
    ("Three inks #gifted", "#gifted"),
    ("Contains an affiliate link", "affiliate link"),
    ("I was paid to write this", "I was paid"),
    ("I’m being paid for this", "I’m being paid"),  # a curly apostrophe
    ("＃ａｄ full-width", "#ad"),  # NFKC
    ("a\u200bd: zero-width inside", "ad:"),
    ("Not sponsored, but gifted by Inkwell", "gifted by"),  # "but" ends the denial
    ("Not sponsored. Gifted by Inkwell", "Gifted by"),  # so does the sentence
    ("Nothing but sponsored content here", "sponsored"),
]
NOT_DISCLOSED = [
    "",
    "#adventure in sheen",
    "Such an adorable pen",
    "An unsponsored review",
    "bad: the nib is scratchy",
    "This is not sponsored",
    "This isn't sponsored in any way",
    "This isn’t an ad: I bought it",  # the denial reaches "ad:" (curly apostrophe)
    "Non-sponsored comparison",
    "Never sponsored, never gifted",
    "No affiliate links here",
    "She sent me a message about it",  # "sent me" is everyday speech: not on the list
    "Paid by card at the shop",  # so is "paid by"
    "#adsense is not a disclosure",
    "x#ad glued to a word",
    "##ad twice the hash",
    "sponsoredcontent as one word",
]


@pytest.mark.parametrize(("text", "found"), DISCLOSED)
def test_common_disclosures_are_found_as_words_and_answered_as_written(text, found):
    assert find_disclosure(text) == found


@pytest.mark.parametrize("text", NOT_DISCLOSED)
def test_lookalikes_and_denials_are_not_disclosures(text):
    assert find_disclosure(text) is None


@pytest.mark.parametrize(
    ("text", "phrase", "found"),
    [
        ("Sheen inks #InkwellPartner", "#inkwellpartner", "#InkwellPartner"),
        ("sheen  ink   partner here", "Sheen Ink Partner", "sheen ink partner"),
        ("#inkwellpartnership", "#inkwellpartner", None),  # as words: not inside a longer one
        ("This review is sponsored", "#inkwellpartner", None),  # with a phrase, only the phrase counts
        ("Not #InkwellPartner this time", "#inkwellpartner", None),  # denied
        ("Sponsored (a+b) deal", "(a+b)", "(a+b)"),  # regular-expression characters are plain text
    ],
)
def test_the_agreements_phrase_is_the_only_one_that_counts_when_set(text, phrase, found):
    assert find_disclosure(text, phrase) == found


def test_every_common_disclosure_counts_by_itself():
    for phrase in COMMON_DISCLOSURES:
        assert find_disclosure(f"Review. {phrase} Inkwell") is not None, phrase
        assert find_disclosure(f"Review. Not {phrase} Inkwell") is None, phrase


def test_the_first_disclosure_in_the_post_is_the_evidence():
    assert find_disclosure("I was sent these. #ad") == "I was sent"
