"""Does a sentence answer the question asked? Cheap text checks the extractive engine
applies to every candidate sentence before it may answer with it (plain functions).

- the kind of answer asked for: a number for "how many", a time for "when", a name for
  "who" (:func:`fits_answer_type`);
- "X's Y" kept together: "China's defense minister" is not answered by a sentence about
  "Russian Defense Minister ... and China" (:func:`possessive_conflict`);
- the attribute or role asked about is there (:func:`lacks_attribute`), and held by whom
  the question says: "Japan's prime minister" needs "Japanese Prime Minister", "prime
  minister of Japan" or "its prime minister" in an article about Japan; "ambassador to
  Russia" is not "ambassador to North Korea" (:func:`lacks_role`);
- in a question about one fact (:func:`one_fact`), the year it names is the sentence's
  or its article's: "the 2022 World Cup" is not answered from the 2023 one
  (:func:`misses_year`); and "who won" needs a sentence saying someone won
  (:func:`lacks_act`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .query_hints import without_dates
from .text_match import (
    STOPWORDS,
    _norm,
    _pieces,
    fold,
    is_number,
    key_terms,
    stem,
    term_in,
    tokens,
    words,
)

_TIME_WORDS = words(
    """monday tuesday wednesday thursday friday saturday sunday january february march april
    may june july august september october november december jan feb mar apr jun jul aug sep
    sept oct nov dec since ago yesterday today tomorrow week month year decade century
    morning evening night weekend recently earlier later spring summer autumn fall winter"""
)
_QUANTITY_WORDS = words("dozen hundred thousand million billion trillion several")
_AUX = words("is are was were do does did has have had will would can could should may might must")
_WH_LEAD = re.compile(r"\b(how\s+many|how\s+much|who|whom|whose|when|where|what|which|why|how)\b", re.I)


def wh_word(question: str) -> str:
    """The question word that asks ("how many", "who", "when" ...), or ""."""
    m = _WH_LEAD.search(question)
    return " ".join(m.group(1).lower().split()) if m else ""


def fits_answer_type(question: str, sentence: str, names: frozenset[str] = frozenset()) -> bool:
    """The sentence holds the kind of thing the question asks for: a number for "how
    many" (and the thing counted), a time for "when", a name for "who" and "where"."""
    wh = wh_word(question)
    asked = frozenset(tokens(question))
    said = tokens(sentence)
    # The sentence's words the question does not have, looked at only as far as needed.
    new = (t for t in said if not term_in(t, asked))
    if wh in ("how many", "how much"):
        after = re.split(r"\bhow\s+(?:many|much)\b", question, maxsplit=1, flags=re.I)[-1]
        counted = []
        for word in _pieces(after):
            if word in _AUX or word in STOPWORDS:
                break
            counted.append(_norm(word))
        has_number = any(is_number(t) or t in _QUANTITY_WORDS for t in new)
        return has_number and (not counted or term_in(counted[-1], frozenset(said)))
    if wh == "when":
        return any(t in _TIME_WORDS or re.fullmatch(r"(?:1[89]|20)\d\d", t) for t in new)
    if wh in ("who", "whom", "whose", "where"):
        known = frozenset(asked)
        return any(not term_in(t, known) for t in key_terms(sentence, names) if not is_number(t))
    return True


_POSSESSIVE = re.compile(r"((?:[A-Z][\w.-]*\s+){0,3}[A-Z][\w.-]*)['’]s\s+([\w\s-]{1,60})")


def possessive_conflict(question: str, sentence: str, reach: int = 4) -> bool:
    """The question asks about "X's Y" and the sentence names both X and Y, but not
    together ("China's defense minister" against "Russian Defense Minister ... and China")."""
    said = tokens(sentence)
    for owner, head in _possessives(question):
        owner_at = [i for i, t in enumerate(said) if term_in(owner, frozenset([t]))]
        head_at = [i for i, t in enumerate(said) if term_in(head, frozenset([t]))]
        if owner_at and head_at and not any(
            _owns(said, o, h, reach) for o in owner_at for h in head_at
        ):
            return True
    return False


@lru_cache(maxsize=1024)
def _possessives(question: str) -> tuple[tuple[str, str], ...]:
    """The "X's Y" of a question as (X's last token, Y's head noun), read once per question
    (every candidate sentence is checked against them)."""
    found = []
    for m in _POSSESSIVE.finditer(question):
        owner = [t for t in tokens(m.group(1)) if t not in STOPWORDS]
        phrase: list[str] = []
        for word in _pieces(m.group(2)):
            if word in STOPWORDS or word in _AUX:
                break
            phrase.append(_norm(word))
        if owner and phrase:
            found.append((owner[-1], phrase[-1]))
    return tuple(found)


def _owns(said: tuple[str, ...], owner: int, head: int, reach: int) -> bool:
    """X owns Y in the sentence: "X's Y", "X Y" ("Russian Defense Minister"), or "Y of X",
    "Y by X" ("testing activities by North Korea"); not "Y to X"."""
    if owner < head <= owner + reach:
        return True
    return head < owner <= head + reach and any(t in ("of", "by", "from") for t in said[head:owner])


_ATTRIBUTE = re.compile(r"\bwhat\s+(?:is|was|are|were)\s+the\s+([a-z]+)\s+of\b", re.I)
# "Who is Russia's ambassador to ...", "Who is the director of ...": the role asked about.
_ROLE = re.compile(
    r"\bwho\s+(?:is|was|are|were)\s+(?:the\s+)?(?:(?:[A-Z][\w.-]*\s+)*[A-Z][\w.-]*['’]s\s+)?"
    r"((?:[a-z-]+\s+){0,3}[a-z-]+)",
    re.I,
)
_GENERIC_ATTRIBUTES = words("name names title role job purpose reason result kind type meaning")
# "Who is the individual that ...", "Who is the figure ...": a description follows, not a role.
_GENERIC_ROLES = words(
    "individual individuals person persons people figure figures man woman one someone "
    "somebody entity character personality player athlete"
)


def lacks_attribute(question: str, sentence: str) -> bool:
    """ "What is the population of X?" and "Who is X's ambassador?" ask for an attribute
    or a role the sentence must mention."""
    said = frozenset(tokens(sentence))
    m = _ATTRIBUTE.search(question)
    if m is not None and fold(m.group(1)) not in _GENERIC_ATTRIBUTES:
        return not term_in(_norm(fold(m.group(1))), said)
    m = _ROLE.search(question)
    if m is not None:
        role = []
        for word in _pieces(m.group(1)):
            if word in STOPWORDS or word in _AUX:
                break
            role.append(_norm(word))
        if role and role[0] in _GENERIC_ROLES:
            return False
        return bool(role) and not term_in(role[-1], said)
    return False


# ------------------------------------------------------------ whose role, and to whom
# Nouns naming a position someone holds ("Japan's prime minister", "Google's CEO").
_ROLE_WORDS = frozenset(
    stem(w)
    for w in words(
        """president minister premier chancellor ambassador envoy secretary director chief ceo
        cfo cto coo executive chairman chairwoman chair founder cofounder spokesman spokeswoman
        spokesperson governor senator mayor leader king queen prince princess commissioner
        commander coach captain manager owner head"""
    )
)
# Words before a role that do not change which role it is ("the new prime minister").
_TRANSIENT = words("new former current then late acting interim outgoing incoming longtime top")
# Owners a sentence may write instead of the name, in an article about that name.
_STANDINS = words("its his her their")
_STANDIN_NOUNS = frozenset(
    stem(w)
    for w in words(
        """country nation state government kingdom republic regime company firm group
        organization organisation team club league party"""
    )
)
# Between an owner and its role ("Japan's new Prime Minister"), none of these may stand.
_BREAKS = words("and or with to of in for than versus vs from by")
# "Who is Japan's ...", "What did Japan's ...", "What is the name of China's ...": the
# role is the question's subject, which a sentence must then be about.
_SUBJECT_ROLE = re.compile(
    r"\b(?i:who|whom|what|when|where|why|how|which)\s+(?:[a-z]+\s+){0,2}?"
    r"(?i:is|are|was|were|do|does|did|has|have|had|will|would|can|could|should|might|must)\s+"
    r"(?i:the\s+(?:name|identity)\s+of\s+)?(?i:the\s+)?(?P<owner>(?:[A-Z][\w.-]*\s+){0,3}[A-Z][\w.-]*)['’]s\s+(?P<rest>[^?;:]*)"
)
_TARGET = re.compile(r"\s*to\s+(?:the\s+)?(?P<target>(?:[A-Z][\w.-]*\s+){0,3}[A-Z][\w.-]*)")


@dataclass(frozen=True)
class Role:
    """The role a question asks about, as normalised tokens: its holder's owner ("japan"),
    the role ("prime", "minister") and where it points, if anywhere ("ambassador to
    Russia": "russia")."""

    owner: tuple[str, ...]
    title: tuple[str, ...]
    target: tuple[str, ...] = ()


@lru_cache(maxsize=1024)
def asked_role(question: str) -> Role | None:
    """The "X's <role>" a question is about, when that is its subject ("What did Japan's
    prime minister say ...?", "Who is North Korea's ambassador to Russia?")."""
    m = _SUBJECT_ROLE.search(question)
    if m is None:
        return None
    owner = tuple(t for t in tokens(m.group("owner")) if t not in STOPWORDS)
    lead: list[str] = []
    consumed = 0
    for raw in re.finditer(r"[\w.-]+", m.group("rest")):
        word = fold(raw.group(0)).strip(".")
        if word in STOPWORDS or word in _AUX or len(lead) == 3:
            break
        lead.append(word)
        consumed = raw.end()
    last = max((i for i, w in enumerate(lead) if stem(w) in _ROLE_WORDS), default=-1)
    if not owner or last < 0:
        return None
    title = [_norm(w) for w in lead[: last + 1] if w not in _TRANSIENT]
    after = m.group("rest")[consumed:] if last == len(lead) - 1 else ""
    target = _TARGET.match(after)
    aim = tuple(t for t in tokens(target.group("target")) if t not in STOPWORDS) if target else ()
    return Role(owner, tuple(title), aim)


def _runs(run: tuple[str, ...], said: tuple[str, ...]) -> list[int]:
    """Where ``run`` starts in ``said`` (tokens matched with :func:`term_in`)."""
    n = len(run)
    return [
        i
        for i in range(len(said) - n + 1)
        if all(term_in(want, frozenset([got])) for want, got in zip(run, said[i : i + n], strict=True))
    ]


def _held_by(role: Role, said: tuple[str, ...], start: int, end: int, context: str) -> bool:
    """The role written at ``said[start:end]`` belongs to the question's owner: "Japanese
    Prime Minister", "Japan's new prime minister", "prime minister of Japan", or "its prime
    minister" / "the country's prime minister" in a passage that names the owner."""
    for o in _runs(role.owner, said):
        o_end = o + len(role.owner)
        if o_end <= start <= o_end + 2 and not _BREAKS & set(said[o_end:start]):
            return True
        if end < o <= end + 2 and said[end] in ("of", "from"):
            return True
    before = said[start - 1] if start else ""
    if before in _STANDINS or (before in _STANDIN_NOUNS and start >= 2 and said[start - 2] == "the"):
        return bool(_runs(role.owner, tokens(context)))
    return False


def _aimed_elsewhere(role: Role, said: tuple[str, ...], end: int) -> bool:
    """The sentence points the role somewhere else: "ambassador to North Korea" when the
    question asks about the ambassador to Russia."""
    if not role.target or end >= len(said) or said[end] != "to":
        return False
    rest = said[end + 1 :]
    rest = rest[1:] if rest[:1] == ("the",) else rest
    return not _runs(role.target, rest[: len(role.target)])


def lacks_role(question: str, sentence: str, context: str = "") -> bool:
    """The question is about "X's <role>" and the sentence does not name that role held by
    X (and, for "ambassador to Y", pointed at Y). ``context`` is the passage the sentence
    comes from, where "its"/"the country's" find their owner."""
    role = asked_role(question)
    if role is None:
        return False
    said = tokens(sentence)
    for start in _runs(role.title, said):
        end = start + len(role.title)
        if _held_by(role, said, start, end, context) and not _aimed_elsewhere(role, said, end):
            return False
    return True


# ------------------------------------------------- questions about one fact: year, act
# Clauses, lists and comparisons: a question with these asks several facts, and one
# sentence may answer one of them without the year or the act of another.
_SEVERAL = re.compile(
    r"[,;]|\b(?:and|or|nor|but|while|whereas|than|compared|versus|vs|between|same|different"
    r"|another|both|either)\b",
    re.I,
)
_YEAR = re.compile(r"\b(?:1[89]|20)\d\d\b")


def one_fact(question: str) -> bool:
    """The question asks a single fact ("Who won the 2022 World Cup?"), not several joined
    or compared ("Did X report more in 2022 than Y in 2021?")."""
    return not _SEVERAL.search(question.strip().rstrip("?"))


@lru_cache(maxsize=1024)
def _years(question: str) -> frozenset[str]:
    """Years a one-fact question names, publication dates aside."""
    if not one_fact(question):
        return frozenset()
    return frozenset(_YEAR.findall(without_dates(question)))


def misses_year(question: str, sentence: str, published: str = "") -> bool:
    """The one-fact question names a year ("Who won the 2022 World Cup?") that neither the
    sentence nor its article's publication date (``published``, ISO) has. Full dates the
    question names are publication dates, checked elsewhere (see :mod:`assistant.coverage`)."""
    years = _years(question)
    if not years:
        return False
    said = frozenset(tokens(sentence))
    return any(y not in said and not published.startswith(y) for y in years)


# ---------------------------------------------------------------- the act asked about
# Past forms a suffix stripper cannot bring back to their verb.
_IRREGULAR = {
    "won": "win", "led": "lead", "became": "become", "began": "begin", "bought": "buy",
    "brought": "bring", "built": "build", "chose": "choose", "drove": "drive", "fought": "fight",
    "gave": "give", "got": "get", "held": "hold", "kept": "keep", "left": "leave", "lost": "lose",
    "made": "make", "met": "meet", "paid": "pay", "ran": "run", "sent": "send", "sold": "sell",
    "spoke": "speak", "spent": "spend", "stole": "steal", "struck": "strike", "took": "take",
    "taught": "teach", "told": "tell", "threw": "throw", "wrote": "write", "oversaw": "oversee",
    "shot": "shoot", "caught": "catch", "fell": "fall", "broke": "break", "knew": "know",
    "died": "die",
}
# Other words news use for the same act ("Argentina beat France" answers "who won").
_SAME_ACT = {
    "win": words("victory victor champion beat defeat triumph title"),
    "lose": words("defeat beaten loss"),
    "buy": words("acquire acquisition purchase"),
    "die": words("death dead killed"),
}
_SUBJECT_VERB = re.compile(r"^\W*(?i:who)\s+(?:(?:[a-z]+ly|also|else|then)\s+)?(?P<verb>[a-z]+)\b")


@lru_cache(maxsize=1024)
def _act(question: str) -> tuple[str, ...] | None:
    """The verb of a one-fact "Who won the 2022 World Cup?" question, as the word forms an
    answer may use (None for "Who is ...", or a question of several facts)."""
    m = _SUBJECT_VERB.match(question)
    if m is None or not one_fact(question):
        return None
    verb = fold(m.group("verb"))
    if verb in STOPWORDS or verb in _AUX:
        return None
    base = _IRREGULAR.get(verb, verb)
    forms = {stem(verb), stem(base), *(stem(w) for w in _SAME_ACT.get(base, ()))}
    return tuple(sorted(forms))


def lacks_act(question: str, sentence: str) -> bool:
    """A one-fact "Who <did> ...?" question and a sentence that does not say anyone did
    it: "FIFA partnered with a streamer to broadcast the 2022 World Cup" does not say who
    won it. The verb may come as a noun or another tense ("winner", "wins")."""
    forms = _act(question)
    if forms is None:
        return False
    return not any(t.startswith(f) for t in tokens(sentence) for f in forms)
