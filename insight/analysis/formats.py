"""What a typical post and reply look like here: length, questions or statements, links, images,
code and lists; how many replies threads get and how deep they go; how soon a question is answered.

Read in one pass (``FormatsReader.add``), then summed up with numpy, so a million messages cost
a few seconds and a few arrays of integers.
"""

from __future__ import annotations

from array import array

import numpy as np

from insight.analysis import messages as m
from insight.analysis.questions import is_question

RECENT_SECONDS = 7 * 86400  # posts younger than this may still be answered: left out of "never answered"
MAX_DEPTH = 1000  # a reply chain longer than this is a loop in the source's parent ids


def spread(values) -> dict | None:
    """Median and quartiles (and the 90th percentile) of some counts, or None without any."""
    values = np.asarray(values, dtype=np.float64)
    if not len(values):
        return None
    p25, median, p75, p90 = np.percentile(values, [25, 50, 75, 90])
    return {"median": round(float(median), 1), "p25": round(float(p25), 1), "p75": round(float(p75), 1),
            "p90": round(float(p90), 1)}  # fmt: skip


def _share(flags: array, count: int) -> float | None:
    return round(sum(flags) / count, 3) if count else None


class _Kind:
    """Counters for posts or for replies."""

    def __init__(self):
        self.words = array("l")
        self.asks = array("b")
        self.links = array("b")
        self.images = array("b")
        self.code = array("b")
        self.lists = array("b")

    def add(self, message: m.Message, asks: bool) -> None:
        self.words.append(m.words(message))
        self.asks.append(asks)
        self.links.append(m.has_link(message))
        self.images.append(m.has_image(message))
        self.code.append(m.has_code(message))
        self.lists.append(m.has_list(message))

    def result(self) -> dict:
        n = len(self.words)
        return {
            "count": n,
            "words": spread(self.words),
            "questions_share": _share(self.asks, n),
            "links_share": _share(self.links, n),
            "images_share": _share(self.images, n),
            "code_share": _share(self.code, n),
            "lists_share": _share(self.lists, n),
        }


class FormatsReader:
    """Reads messages one by one; ``result`` sums them up. A conversation ("thread") is the tree
    under a post, found by following parent ids: on chat platforms every message of a channel
    shares one thread id, so the source's own thread id is used only for replies whose post is not
    known (a dump holding comments without their submissions)."""

    def __init__(self):
        self.posts, self.replies = _Kind(), _Kind()
        # Known after result(): each message's conversation number, and by conversation the replies
        # and whether someone other than the poster answered.
        self.conversation_of = np.zeros(0, dtype=np.int64)
        self.reply_counts = np.zeros(0, dtype=np.int64)
        self.answered = np.zeros(0, dtype=bool)
        self.title_words = array("l")
        self.source_threads: dict[str, int] = {}
        # every message: id, parent id (-1: none), source thread number, author (-1: unknown), time, is a post
        self.ids, self.parents, self.source_thread = array("q"), array("q"), array("q")
        self.authors, self.times, self.is_post = array("q"), array("q"), array("b")
        self.question_posts: list[int] = []

    def add(self, message: m.Message) -> int:
        """Reads a message; returns its number (0, 1, 2… in the order read)."""
        index = len(self.ids)
        if message.is_post:
            question = is_question(message.title, message.text)
            self.posts.add(message, question)
            if message.title:
                self.title_words.append(len(message.title.split()))
            if question:
                self.question_posts.append(index)
        else:
            self.replies.add(message, m.asks(message.text))
        self.ids.append(message.id)
        self.parents.append(message.parent if message.parent is not None else -1)
        self.source_thread.append(self.source_threads.setdefault(message.thread, len(self.source_threads)))
        self.authors.append(message.author if message.author is not None else -1)
        self.times.append(message.posted_at)
        self.is_post.append(message.is_post)
        return index

    def result(self, *, end: int) -> dict:
        posts = self.posts.result()
        posts["title_words"] = spread(self.title_words)
        threads, first_answer = self._threads(end)
        return {"posts": posts, "replies": self.replies.result(), "threads": threads, "first_answer": first_answer}

    def _trees(self) -> tuple[np.ndarray, np.ndarray]:
        """Each message's depth (0 for a post, 1 for a reply to it or to nothing known, and so on)
        and the message at the top of its chain of parents (a post, or a reply whose parent is
        not known)."""
        ids = np.frombuffer(self.ids, dtype=np.int64)
        parents = np.frombuffer(self.parents, dtype=np.int64)
        is_post = np.frombuffer(self.is_post, dtype=np.int8).astype(bool)
        order = np.argsort(ids, kind="stable")
        position = np.minimum(np.searchsorted(ids[order], parents), len(ids) - 1)
        parent_index = np.where((parents >= 0) & (ids[order][position] == parents), order[position], -1)
        depth = np.where(is_post, 0, 1)
        top = np.arange(len(ids))
        current = np.where(is_post, -1, parent_index)
        for _ in range(MAX_DEPTH):
            moving = current >= 0
            if not moving.any():
                break
            top[moving] = current[moving]
            still_replies = moving.copy()
            still_replies[moving] = ~is_post[current[moving]]
            depth[still_replies] += 1
            current = np.where(still_replies, parent_index[np.maximum(current, 0)], -1)
        return depth, top

    def _depths(self) -> np.ndarray:
        return self._trees()[0]

    def _threads(self, end: int) -> tuple[dict, dict]:
        if not len(self.ids):
            return {"count": 0}, {"questions": 0, "answered": 0}
        is_post = np.frombuffer(self.is_post, dtype=np.int8).astype(bool)
        authors = np.frombuffer(self.authors, dtype=np.int64)
        times = np.frombuffer(self.times, dtype=np.int64)
        depth, top = self._trees()
        # A conversation: the post at the top of the chain, else the source's thread of the top reply.
        source = np.frombuffer(self.source_thread, dtype=np.int64)
        key = np.where(is_post[top], top, len(top) + source[top])
        _, thread_of = np.unique(key, return_inverse=True)
        thread_of = thread_of.ravel()
        self.conversation_of = thread_of
        n_threads = int(thread_of.max()) + 1
        has_post = np.zeros(n_threads, dtype=bool)
        has_post[thread_of[is_post]] = True
        post_time = np.zeros(n_threads, dtype=np.int64)
        post_author = np.full(n_threads, -2, dtype=np.int64)
        post_time[thread_of[is_post]] = times[is_post]
        post_author[thread_of[is_post]] = authors[is_post]

        replies = ~is_post
        reply_counts = np.bincount(thread_of[replies], minlength=n_threads)
        deepest = np.zeros(n_threads, dtype=np.int64)
        np.maximum.at(deepest, thread_of[replies], depth[replies])
        threads = {
            "count": int(has_post.sum()),
            "replies": spread(reply_counts[has_post]),
            "depth": spread(deepest[has_post]),
            "deepest": int(deepest[has_post].max()) if has_post.any() else 0,
            "without_replies_share": round(float((reply_counts[has_post] == 0).mean()), 3) if has_post.any() else None,
        }

        # The first answer to a question: the first reply by someone other than the asker.
        answering = replies & (authors != post_author[thread_of]) & (times >= post_time[thread_of])
        first = np.full(n_threads, np.iinfo(np.int64).max, dtype=np.int64)
        np.minimum.at(first, thread_of[answering], times[answering])
        question = np.zeros(n_threads, dtype=bool)
        question[thread_of[self.question_posts]] = True
        old_enough = has_post & question & (post_time <= end - RECENT_SECONDS)
        answered = first != np.iinfo(np.int64).max
        self.reply_counts, self.answered = reply_counts, answered
        asked = question & has_post
        waits = (first[asked & answered] - post_time[asked & answered]) / 60
        settled = int(old_enough.sum())  # old enough to say whether they were answered
        old_waits = (first[old_enough & answered] - post_time[old_enough & answered]) / 60
        first_answer = {
            "questions": int(asked.sum()),
            "answered": int((asked & answered).sum()),
            "minutes": spread(waits),
            "within_hour_share": round(float((old_waits <= 60).sum() / settled), 3) if settled else None,
            "within_day_share": round(float((old_waits <= 1440).sum() / settled), 3) if settled else None,
            "never_answered_share": round(float((old_enough & ~answered).sum() / settled), 3) if settled else None,
        }
        return threads, first_answer
