"""The community's own words on a hand-built community whose distinctive words are known, measured
by the ranking's own code (graph.language)."""

import random
from datetime import UTC, datetime, timedelta

from wordfreq import top_n_list

from graph.language import Corpus, community_vocabulary, tokenize
from insight.analysis.language import LanguageReader
from insight.analysis.messages import Message

END = datetime(2026, 6, 30, tzinfo=UTC)
# General language: the 80 most frequent English words, in random order (so none is ten times
# more frequent here than in general English).
COMMON = [w for w in top_n_list("en", 80) if w.isalpha()]
FILLER = [" ".join(random.Random(seed).sample(COMMON, 9)) for seed in range(60)]


def _message(n: int, member: int, text: str, days_ago: int) -> Message:
    at = int((END - timedelta(days=days_ago)).timestamp())
    return Message(n, False, member, True, at, None, f"t{n % 40}", "", text, len(text), "", 1, False)


def _community() -> list[Message]:
    """30 members. Everyone speaks of nibs, sheen and converters; ten of shimmer; eight of Tomoe
    River (a phrase); two of a "flexnib" (too few to be the community's); one shop repeats its
    name; twelve said "cartridge" only in the old months, twelve say "ebonite" only lately."""
    messages, n = [], 0
    for member in range(30):
        for k in range(6):
            recent = k < 3  # three texts in the last 90 days, three before
            words = [FILLER[(member * 6 + k) % len(FILLER)], "the nib", "sheen", "converter"]
            if member < 10:
                words.append("shimmer")
            if member < 8:
                words.append("tomoe river paper")
            if member < 2:
                words.append("flexnib")
            if member >= 18 and not recent:
                words.append("cartridge")
            if member >= 18 and recent:
                words.append("ebonite")
            n += 1
            messages.append(_message(n, member, ", ".join(words) + ".", 20 + k * 10 if recent else 120 + k * 30))
    for k in range(40):
        n += 1
        messages.append(_message(n, 99, "buyfastpens buyfastpens best deals", 5 + k))
    return sorted(messages, key=lambda m: -m.posted_at)  # as the adapter streams them: newest first


def _read(messages):
    reader = LanguageReader(end=int(END.timestamp()))
    for message in messages:
        reader.add(message)
    return reader.result()


def test_the_distinctive_words_are_the_ones_many_members_use():
    vocabulary, words = _read(_community())
    terms = [t["term"] for t in words["vocabulary"]]
    # Tomoe River paper: eight members, so all three words; cartridge and ebonite: twelve members
    # each. General words, the two-member "flexnib" and the shop's name (one member) are not.
    assert set(terms) == {"nib", "sheen", "converter", "shimmer", "tomoe", "river", "paper", "cartridge", "ebonite"}
    scores = [t["score"] for t in words["vocabulary"]]
    assert scores == sorted(scores, reverse=True)  # best first
    nib = words["vocabulary"][terms.index("nib")]
    assert nib["members"] == 30 and nib["times_more_than_general"] > 100
    assert words["language_basis"]["members_with_text"] == 31 and words["language_basis"]["min_members"] == 3


def test_the_measure_is_the_rankings_own():
    """Computed again straight from graph.language on each member's tokens: the same figures."""
    messages = _community()
    vocabulary, words = _read(messages)
    tokens: dict[int, list[str]] = {}
    for message in messages:
        tokens.setdefault(message.author, []).extend(tokenize(message.text))
    direct = community_vocabulary(Corpus.from_tokens({m: t[:450] for m, t in tokens.items()}))
    assert vocabulary.terms == direct.terms
    for term in words["vocabulary"]:
        assert term["specificity"] == direct.terms[term["term"]].specificity


def test_examples_quote_the_term_in_a_sentence():
    _, words = _read(_community())
    for term in words["vocabulary"]:
        assert term["examples"], term["term"]
        for example in term["examples"]:
            assert term["term"] in example["text"].lower()
            assert "buyfastpens" not in example["text"]
        assert len({e["thread"] for e in term["examples"]}) == len(term["examples"])


def test_phrases_are_content_words_holding_a_community_word():
    _, words = _read(_community())
    phrases = [p["term"] for p in words["phrases"]]
    assert "tomoe river" in phrases and "river paper" in phrases
    assert "the nib" not in phrases  # a function word beside a community word


def test_the_shift_names_words_taken_up_and_left():
    _, words = _read(_community())
    shift = words["vocabulary_shift"]
    assert [t["term"] for t in shift["rising"]] == ["ebonite"]
    assert [t["term"] for t in shift["fading"]] == ["cartridge"]
    ebonite = shift["rising"][0]
    assert ebonite["members_share_earlier"] == 0 and ebonite["members_share_recent"] > 0.35


def test_a_community_with_few_writers_says_so_instead_of_a_shift():
    messages = [m for m in _community() if m.author < 5]
    _, words = _read(messages)
    assert words["vocabulary_shift"]["rising"] == [] and "Too few members" in words["vocabulary_shift"]["note"]


def test_a_community_measured_in_the_wrong_language_is_told_so():
    from insight.analysis.community import Context, build_insight

    sentences = ["какие чернила лучше для перьевой ручки", "спасибо за совет, попробую эти чернила",
                 "перо пишет сухо, что делать", "лучше промыть ручку тёплой водой"]  # fmt: skip
    messages = [
        _message(n, n % 12, sentences[n % len(sentences)] + f" перо{n % 3}", days_ago=n % 200) for n in range(240)
    ]
    end = int(END.timestamp())
    context = Context(key="discord:1", name="Перья", platform="discord", start=end - 365 * 86400, end=end)
    english = build_insight(iter(messages), context)
    assert english["language_basis"]["unknown_words_share"] > 0.5
    assert "unknown to general language (en)" in english["basis"]["language_warning"]
    assert english["highlights"][1] == english["basis"]["language_warning"]
    russian = build_insight(iter(messages), Context(**{**context.__dict__, "language": "ru"}))
    assert "language_warning" not in russian["basis"] and russian["basis"]["language"] == "ru"
    assert russian["language_basis"]["unknown_words_share"] < 0.5
