"""Theme labels: words a person would use, from the theme's own phrases, never chat filler."""

from insight.analysis.questions.labels import theme_label


def test_a_phrase_among_the_most_distinctive_terms_names_the_theme():
    assert theme_label(["shimmer ink", "glitter", "particles"], ["Is shimmer ink safe?"] * 3) == "shimmer ink"


def test_two_distinctive_words_written_side_by_side_make_the_label():
    texts = ["Scratchy nib on my Jinhao", "How to fix a scratchy nib?", "nib feels rough"]
    assert theme_label(["nib", "sorry", "times", "scratchy"], texts) == "scratchy nib"


def test_filler_and_time_words_never_label_a_theme():
    texts = ["sorry, how many times should I flush it", "flush the converter how many times", "sorry again"]
    label = theme_label(["sorry", "times", "flush", "converter"], texts)
    assert label == "flush and converter"
    assert "sorry" not in label and "times" not in label


def test_the_phrase_written_around_the_top_word_when_no_two_terms_meet():
    texts = ["Who joins the data jam?", "data jam tonight?", "is the data jam open", "What data should I bring?"]
    assert theme_label(["data", "bring", "open"], texts) == "data jam"


def test_a_label_another_theme_has_is_not_taken_again():
    texts = ["scratchy nib again?", "scratchy nib help"]
    label = theme_label(["nib", "scratchy", "smooth"], texts, taken=frozenset({"scratchy nib"}))
    assert label == "nib and scratchy"
