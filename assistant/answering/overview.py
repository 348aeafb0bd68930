"""Questions about an article as a whole: "What is this article about?", "Summarize the
article about the FTX trial", "What are the main points?", "Tell me about the FTX trial",
"Any news on Tesla?". Not "What does the article say about X?": that asks for a fact, which
the article may not give.

Nothing in such a question names a fact to find, so the reader finds no sentence answering
it and the extractive engine refused: a new user's first question on the chat page was
refused. An article's lead says what it is about, so the answer is the lead of the article
the question means, quoted: the one article of the archive, or the article its subject
("about the FTX trial") retrieves best among those whose title or lead writes it. A
question about "this article" in an archive of several articles names none of them: the
notice lists the latest ones.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import replace

from ..records import Article, Passage
from ..text.match import content_terms, key_terms, term_in, tokens
from ..text.sentences import sentence_spans

# The request for an overview, at the start of the question; what follows it ("about the
# FTX trial", "of the Binance article") is its subject.
_REQUEST = re.compile(
    r"^\s*(?:(?:can|could|would|will)\s+you\s+|please\s+|just\s+)*"
    r"(?:summari[sz]e|sum\s+up|recap|give\s+(?:me\s+|us\s+)?(?:a\s+|an\s+|the\s+)?"
    r"(?:brief\s+|short\s+|quick\s+)?(?:summary|overview|rundown|gist)"
    r"|(?:what\s+is|what's|whats)\s+(?:this|the)\s+(?:article|story|piece|report)\s+about"
    r"|what\s+are\s+the\s+(?:main|key)\s+(?:points|takeaways)|tl;?\s*dr"
    r"|tell\s+(?:me|us)\s+(?:more\s+)?about|tell\s+(?:me|us)\s+more|brief\s+(?:me|us)\s+on"
    r"|catch\s+(?:me|us)\s+up\s+on"
    r"|(?:any|what(?:'s|’s|\s+is)\s+the)\s+(?:latest|news)\s+(?:on|about|from|with|regarding)"
    r"|any\s+news\s+(?:on|about|from|regarding))\b",
    re.IGNORECASE,
)
# Words between the request and its subject: "(of) (this|the) article (about|on)"
_FILLER = re.compile(
    r"^(?:\s*(?:of|for|in|from|on|about|regarding|please|for\s+me|me|us|this|that|the|an?|"
    r"articles?|story|stories|piece|report|news|it)\b)*",
    re.IGNORECASE,
)
SUBJECT_HELD = 2 / 3  # share of the subject's words an article must write to be about it
SUBJECT_WINDOW = 6  # ... within this many words (stop words aside) of one another
LEAD_SENTENCES = 3  # the sentences of an article's lead quoted for it
LEAD_ID = "lead"  # the chunk id of a lead passage: not a stored chunk
MIN_LEAD_WORDS = 6  # a shorter line opening an article is a heading or page furniture
_ENDS = re.compile(r"[.!?][\"'”’)]*$")  # how a sentence of the lead ends
LISTED_TITLES = 5  # the latest articles a notice lists


def is_overview(question: str) -> bool:
    """The question asks what an article says as a whole, not for a fact in it."""
    return _REQUEST.search(question) is not None


def subject(question: str) -> str:
    """What the overview is asked of ("FTX trial" in "Summarize the article about the FTX
    trial"); "" when it names nothing ("What is this article about?")."""
    found = _REQUEST.search(question)
    if found is None:
        return ""
    rest = question[found.end():]
    rest = _FILLER.sub("", rest)
    return rest.strip(" ?.!,:;")


def _lead_spans(text: str) -> list[tuple[int, int]]:
    """The offsets of the article's first sentences: line by line (a title line is no
    sentence of the lead), leaving out lines of page furniture ("Follow your favorite
    stocks CREATE FREE ACCOUNT"): a sentence of the lead ends as one and is no heading."""
    spans: list[tuple[int, int]] = []
    offset = 0
    for line in text.splitlines(keepends=True):
        for a, b in sentence_spans(line):
            sentence = line[a:b].strip()
            if _ENDS.search(sentence) and len(sentence.split()) >= MIN_LEAD_WORDS:
                spans.append((offset + a, offset + b))
                if len(spans) == LEAD_SENTENCES:
                    return spans
        offset += len(line)
    return spans


def lead(article: Article, like: Passage) -> Passage | None:
    """The article's lead as a passage (from its first sentence to its third), with the
    metadata of a retrieved passage of the same article; None when it has no sentence."""
    spans = _lead_spans(article.text)
    if not spans:
        return None
    start, end = spans[0][0], spans[-1][1]
    return replace(
        like, text=article.text[start:end], start=start, end=end, score=1.0, chunk_id=LEAD_ID
    )


def lead_sentences(passage: Passage) -> list[str]:
    """The sentences of a lead passage, as the engine quotes them."""
    return [passage.text[a:b] for a, b in _lead_spans(passage.text)]


def about_subject(about: str, passages: Sequence[Passage], question: str = "") -> bool:
    """The passages (an article's lead, with its title) write the subject: every name of it
    (as the question writes them), and two thirds of its words together, within a few words
    of one another. A lead says what its article is about: "Summarize the article about the
    Moon landing" is no request for a video game guide whose body names a "Circle of the
    Moon" and "land a critical hit"."""
    wanted = content_terms(about)
    if not wanted:
        return True
    texts = [tokens(f"{p.title} . {p.text}") for p in passages]
    written = frozenset(t for said in texts for t in said)
    names = (key_terms(question) if question else frozenset()) & wanted
    if not all(term_in(n, written) for n in names):
        return False
    need = math.ceil(SUBJECT_HELD * len(wanted))
    reach = max(SUBJECT_WINDOW, 2 * len(wanted))
    for said in texts:
        for i in range(len(said)):
            window = frozenset(said[i : i + reach])
            if sum(term_in(w, window) for w in wanted) >= need:
                return True
    return False


def which_article(titles: Sequence[tuple[str, str]], total: int) -> str:
    """The notice for an overview of "this article" in an archive of several: ``titles``
    are the latest articles' (title, publisher)."""
    listed = "; ".join(f"{t} ({s})" if s else t for t, s in titles[:LISTED_TITLES])
    more = f", the latest: {listed}" if listed else ""
    return (
        f"The archive holds {total} articles{more}. Ask about one by its subject, for "
        'example "Summarize the article about ...".'
    )
