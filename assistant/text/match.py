"""Lexical evidence between a claim and a source text (plain functions).

Three kinds of evidence feed claim checking and the extractive engine:
content words (does the source say the same things), key terms (names, numbers and dates
that must be copied exactly), and negation (a "not" the source does not have). Whether a
sentence answers a question, and whether a span supports a claim beyond these exact checks,
is the trained reader/verifier's call (:mod:`assistant.judge`).
"""

from __future__ import annotations

import difflib
import json
import re
import unicodedata
from collections.abc import Iterable
from functools import cache, lru_cache
from pathlib import Path

from ..packaged import TOKENIZER_FILE
from .analyse import STOPWORDS, stem, words
from .sentences import sentence_spans

# A word as the checks read it: letters and digits, joined by ".", "," or an apostrophe.
WORD = re.compile(r"[^\W_]+(?:[.,'’][^\W_]+)*", re.UNICODE)

# Words that open sentences without naming anything; never key terms.
_OPENERS = words(
    """additionally however moreover furthermore meanwhile recently overall finally first second
    third lastly today yesterday currently previously earlier later instead indeed still yet
    thus therefore hence specifically notably similarly likewise consequently nevertheless
    nonetheless besides based despite although though since unlike like yes either neither one
    another several in according while during after before following amid"""
)

_NUMBER_WORDS = {
    w: str(i)
    for i, w in enumerate(
        [
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
            "twenty",
        ]
    )
    if i >= 2  # "one" is too often not a number ("one of the ...")
}
_NUMBER_WORDS.update(
    {
        "thirty": "30",
        "forty": "40",
        "fifty": "50",
        "sixty": "60",
        "seventy": "70",
        "eighty": "80",
        "ninety": "90",
        "hundred": "hundred",
        "thousand": "thousand",
        "million": "million",
        "billion": "billion",
        "trillion": "trillion",
        "dozen": "12",
    }
)

# Ordinals are numbers too: "the second Tuesday" is not "the first Tuesday".
_NUMBER_WORDS.update(
    {
        w: f"{i}{'st' if i == 1 else 'nd' if i == 2 else 'rd' if i == 3 else 'th'}"
        for i, w in enumerate(
            [
                "",
                "first",
                "second",
                "third",
                "fourth",
                "fifth",
                "sixth",
                "seventh",
                "eighth",
                "ninth",
                "tenth",
                "eleventh",
                "twelfth",
                "thirteenth",
                "fourteenth",
                "fifteenth",
                "sixteenth",
                "seventeenth",
                "eighteenth",
                "nineteenth",
                "twentieth",
            ]
        )
        if w
    }
)
# ... and fractions of that kind: "a hundredth of a penny" is not "a tenth of a penny".
_NUMBER_WORDS.update({"hundredth": "100th", "thousandth": "1000th", "millionth": "1000000th"})
_NUMBER_VALUES = frozenset(_NUMBER_WORDS.values())

# A month as news style shortens it: "Oct. 20" is "October 20" ("May" is never shortened).
_MONTH_ABBREVIATIONS = {
    short: stem(full)
    for full, shorts in (
        ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"),
        ("june", "jun"), ("july", "jul"), ("august", "aug"), ("september", "sep sept"),
        ("october", "oct"), ("november", "nov"), ("december", "dec"),
    )
    for short in shorts.split()
}

# Titles and roles split a run of capitals into separate names ("Defense Minister Shoigu").
_TITLES = frozenset(
    map(
        stem,
        words(
            """president minister director leader ambassador secretary chief ceo general senator
    governor prime foreign defense defence finance lawmaker chairman chair head king queen
    prince princess pope mr mrs ms dr sir lord judge officer commander coach captain manager
    national intelligence service agency news media"""
        ),
    )
)



class _FoldTable(dict[int, int | None]):
    """``str.translate`` table of :func:`fold`: combining marks dropped, curly single quotes
    made straight, every other character kept (entered as characters are first seen)."""

    def __missing__(self, code: int) -> int | None:
        kept = None if unicodedata.combining(chr(code)) else code
        self[code] = kept
        return kept


_FOLD = _FoldTable({ord("’"): ord("'"), ord("‘"): ord("'")})


def fold(text: str) -> str:
    """Lowercase, strip accents and unify quotes, for comparison only."""
    if text.isascii():  # nothing to decompose, strip or unify: most words and sentences
        return text.lower()
    return unicodedata.normalize("NFKD", text).translate(_FOLD).lower()


def _number(token: str) -> str:
    """A numeric token in one spelling: no thousands commas, no trailing period."""
    return token.replace(",", "").rstrip(".")


def _has_digit(token: str) -> bool:
    # A letter is never a digit, so a word of letters needs no scan (most tokens are).
    return not token.isalpha() and any(c.isdigit() for c in token)


_INITIALISM = re.compile(r"(?:[a-z]\.)+[a-z]")  # "u.s", "u.k": letters and periods


@lru_cache(maxsize=65536)
def _norm(token: str) -> str:
    """A folded token as it is compared: numbers spelled one way, words stemmed (cached:
    the same words recur in every passage and question)."""
    if _has_digit(token):
        return _number(token)
    if _INITIALISM.fullmatch(token):
        return token.replace(".", "")  # "U.S" is "us", as "US" is; "U.K" is "uk"
    return _NUMBER_WORDS.get(token) or _MONTH_ABBREVIATIONS.get(token) or stem(token)


def _pieces(text: str) -> list[str]:
    """Folded raw tokens: "1,000" is one number, "drills,then" (no space) two words."""
    out: list[str] = []
    for raw in WORD.findall(fold(text)):
        if raw.isalpha():
            out.append(raw)
        else:
            out.extend([raw] if _has_digit(raw) else [p for p in raw.split(",") if p])
    return out


@lru_cache(maxsize=20000)
def tokens(text: str) -> tuple[str, ...]:
    """Folded, normalised tokens of a text, in order (for phrase matching)."""
    return tuple(map(_norm, _pieces(text)))


def _content_sequence(text: str) -> tuple[str, ...]:
    """Stemmed content words and numbers of a text, in order."""
    return tuple(
        _norm(p) for p in _pieces(text) if p not in STOPWORDS and (len(p) > 1 or p.isdigit())
    )


@lru_cache(maxsize=20000)
def content_terms(text: str) -> frozenset[str]:
    """Stemmed content words and numbers of a text."""
    return frozenset(_content_sequence(text))


def restated_in_order(claim: str, sentence: str, slack: float = 0.5) -> bool:
    """The claim's content words that the sentence holds appear there in the claim's order,
    within a stretch hardly longer than the claim: the claim restates one phrase of the
    sentence ("The Michigan-Michigan State game was on Oct. 21" in "Ahead of the
    Michigan-Michigan State game on Oct. 21, the Big Ten ..."), rather than gathering its
    words from phrases about other things ("Australia beat South Africa at the Wankhede"
    from "... India at the Wankhede ... Australia beat South Africa at Eden Gardens")."""
    said = _content_sequence(claim)
    written = _content_sequence(sentence)
    kept = [t for t in said if t in written]
    if not kept:
        return False
    limit = len(kept) + max(3, int(len(kept) * slack))
    for start, token in enumerate(written):
        if token != kept[0]:
            continue
        at, k = start, 1
        while k < len(kept):
            try:
                at = written.index(kept[k], at + 1, start + limit)
            except ValueError:
                break
            k += 1
        if k == len(kept):
            return True
    return False


def overlap(claim: str, sentence: str) -> float:
    """Share of the claim's content terms found in the sentence (0..1)."""
    wanted = content_terms(claim)
    if not wanted:
        return 0.0
    return len(wanted & content_terms(sentence)) / len(wanted)


@cache
def _vocabulary() -> frozenset[str]:
    """Common English words: the embedder's word-piece vocabulary (whole words only).

    A capitalised word that opens a sentence is a name when it is *not* such a word
    ("Lavrov", "Pyongyang"), or when the sources write it capitalised mid-sentence."""
    try:
        vocab = json.loads(TOKENIZER_FILE.read_text(encoding="utf-8"))["model"]["vocab"]
    except Exception:  # pragma: no cover - the file ships with the package; stay usable without
        return frozenset()
    return frozenset(w for w in vocab if w.isalpha())


def _capitalised(word: str) -> bool:
    return word[:1].isupper()


def name_words(texts: Iterable[str]) -> frozenset[str]:
    """Folded words written capitalised in the middle of a sentence of these texts."""
    found: set[str] = set()
    for text in texts:
        found |= _text_names(text)
    return frozenset(found)


@lru_cache(maxsize=4096)
def _text_names(text: str) -> frozenset[str]:
    """:func:`name_words` of one text (cached: an answer reads the same passages three
    times, and questions share passages)."""
    found: set[str] = set()
    for s, e in sentence_spans(text):
        for word in WORD.findall(text, s, e)[1:]:
            if word[:1].isupper() and not _has_digit(word):  # capitalised, not a number
                found.add(stem(fold(word)))
    return frozenset(found)


# A pronoun or other stop word with a contraction ("I've", "I'm", "It's", "We'll"): the
# word before the apostrophe names no one.
_CONTRACTED = re.compile(r"([^\W_]+)['’](?:m|ve|ll|d|re|s)", re.IGNORECASE)


def _name_like(word: str, first: bool, names: frozenset[str]) -> bool:
    """A capitalised word that names something; a sentence's first word only when it is
    not a common word (see :func:`_vocabulary`) or the sources write it capitalised. A
    stop word with a contraction ("I've", "It's") is not a name."""
    folded = fold(word)
    if not _capitalised(word) or folded in STOPWORDS or _has_digit(word):
        return False
    contracted = _CONTRACTED.fullmatch(folded)
    if contracted is not None and contracted.group(1) in STOPWORDS:
        return False
    if not first:
        return True
    if folded in _OPENERS:
        return False
    return folded not in _vocabulary() or stem(folded) in names or folded in names


def is_number(term: str) -> bool:
    """A normalised key term that is a number (digits or a number word)."""
    return _has_digit(term) or term in _NUMBER_VALUES


def key_terms(sentence: str, names: frozenset[str] = frozenset()) -> frozenset[str]:
    """Names, numbers and dates of one sentence, normalised like :func:`tokens`.

    Numbers (digits or number words) and capitalised words count; the sentence's first word
    counts only when it looks like a name (see :func:`_name_like`)."""
    terms: set[str] = set()
    for i, m in enumerate(WORD.finditer(sentence)):
        word = m.group(0)
        folded = fold(word)
        if _has_digit(word):
            terms.add(_number(folded))
        elif folded in _NUMBER_WORDS:
            terms.add(_NUMBER_WORDS[folded])
        elif _name_like(word, i == 0, names):
            terms.update(p for p in tokens(word) if p not in STOPWORDS)
    return frozenset(terms)


def name_runs(sentence: str, names: frozenset[str] = frozenset()) -> list[tuple[str, ...]]:
    """Runs of two or more capitalised words naming one thing ("Alexander Matsegora",
    "South Korea"), split at titles, as normalised tokens. A swapped first name breaks the
    run even when both words occur in the source."""
    runs: list[tuple[str, ...]] = []
    current: list[str] = []
    matches = list(WORD.finditer(sentence))
    for i, m in enumerate(matches):
        word = m.group(0)
        gap = sentence[matches[i - 1].end() : m.start()] if i else ""
        if _name_like(word, i == 0, names) and stem(fold(word)) not in _TITLES:
            if current and gap.strip() not in ("", "-"):
                runs.append(tuple(current))
                current = []
            current.extend(tokens(word))
            if re.search(r"['’]s$", word):  # "South Africa's Quinton de Kock": two names
                runs.append(tuple(current))
                current = []
            continue
        if current:
            runs.append(tuple(current))
            current = []
    if current:
        runs.append(tuple(current))
    return [r for r in runs if len(r) >= 2]


DEMONYMS_FILE = Path(__file__).parent / "data" / "demonyms.tsv"


@cache
def _demonym_rows() -> tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]:
    """(people's word, place) as tokens, each row of ``data/demonyms.tsv`` (general
    knowledge: every country's demonym), read once."""
    try:
        lines = DEMONYMS_FILE.read_text(encoding="utf-8").splitlines()
    except OSError:  # pragma: no cover - the file ships with the package
        return ()
    rows = []
    for line in lines:
        if line.strip() and not line.startswith("#"):
            people, place = line.split("\t")
            rows.append((tokens(people), tokens(place)))
    return tuple(rows)


@cache
def _place_forms() -> dict[str, frozenset[str]]:
    """A place's word and its people's word, each to the other ("France"/"French",
    "China"/"Chinese", "Europe"/"European"); pairs of several words count where they differ
    in one ("South Korea"/"South Korean")."""
    forms: dict[str, set[str]] = {}
    for people, place in _demonym_rows():
        if len(people) != len(place):
            continue
        differ = [(a, b) for a, b in zip(people, place, strict=True) if a != b]
        if len(differ) != 1:
            continue
        a, b = differ[0]
        forms.setdefault(a, set()).add(b)
        forms.setdefault(b, set()).add(a)
    return {k: frozenset(v) for k, v in forms.items()}


@cache
def _peoples_words() -> frozenset[str]:
    """The words of the people's words ("french", "south korean" -> "south", "korean"), less
    every one-word place ("Korea" is no people's word)."""
    rows = _demonym_rows()
    places = frozenset(place[0] for _, place in rows if len(place) == 1)
    return frozenset(w for people, _ in rows for w in people) - places


def is_peoples_word(term: str) -> bool:
    """A people's word that names no place itself ("Swedish", "Chinese"; not "Korea")."""
    return term in _peoples_words()


def term_in(term: str, terms: frozenset[str]) -> bool:
    """A key term found among normalised terms; "Russia"/"Russian", "Korea"/"Korean" and
    "France"/"French" match, "John"/"Johnson" do not."""
    if term in terms:
        return True
    place = _place_forms().get(term)
    if place is not None and not place.isdisjoint(terms):
        return True
    size = len(term)
    if term.isdigit() or size < 4:
        return False
    for t in terms:  # a plain loop: this runs for every token of every candidate sentence
        if len(t) >= 4 and abs(len(t) - size) <= 2 and (t.startswith(term) or term.startswith(t)):
            return True
    return False


def contains_run_reordered(run: tuple[str, ...], haystack: tuple[str, ...]) -> bool:
    """:func:`contains_run`, or the haystack names it with its first words after "of"
    ("AG Rob Bonta of California" for "California AG Rob Bonta"). At least two words stand
    before "of": "Bonta of California" is never "California Bonta"."""
    return contains_run(run, haystack) or any(
        contains_run((*run[k:], "of", *run[:k]), haystack) for k in range(1, len(run) - 1)
    )


def contains_run(run: tuple[str, ...], haystack: tuple[str, ...]) -> bool:
    """The run's tokens appear consecutively in the haystack tokens ("South Korea" in
    "South Korean", not in "North Korea ... South"); an initial or a particle may stand
    between two of them ("Beryl Howell" in "Beryl A. Howell")."""
    n = len(run)
    for i in range(len(haystack)):
        at, matched = i, 0
        while matched < n and at < len(haystack):
            if term_in(run[matched], frozenset([haystack[at]])):
                matched, at = matched + 1, at + 1
            elif matched and len(haystack[at]) <= 2:
                at += 1  # "a" of "Beryl A. Howell", "de" of "Kevin de Bruyne"
            else:
                break
        if matched == n:
            return True
    return False


# "X's Y" in a claim: X owns Y, and a source that names both but gives Y to someone else
# ("Russia's ambassador ... between Russia and China" is not "China's ambassador") does not
# carry it.
_POSSESSIVE = re.compile(r"((?:[A-Z][\w.-]*\s+){0,3}[A-Z][\w.-]*)['’]s\s+([\w\s-]{1,60})")
_AUX = words("is are was were do does did has have had will would can could should may might must")


@lru_cache(maxsize=4096)
def _possessives(text: str) -> tuple[tuple[str, str, int], ...]:
    """The "X's Y" of a text as (X's last token, the last word of Y's phrase, the phrase's
    length): "Green Bay's Jordan Love joined" owns "joined" three words on."""
    found = []
    for m in _POSSESSIVE.finditer(text):
        owner = [t for t in tokens(m.group(1)) if t not in STOPWORDS]
        phrase: list[str] = []
        for word in _pieces(m.group(2)):
            if word in STOPWORDS or word in _AUX:
                break
            phrase.append(_norm(word))
        if owner and phrase:
            found.append((owner[-1], phrase[-1], len(phrase)))
    return tuple(found)


def _owns(said: tuple[str, ...], owner: int, head: int, reach: int) -> bool:
    """X owns Y in the source: "X's Y", "X Y" ("Russian Defense Minister"), or "Y of X",
    "Y by X"; not "Y to X"."""
    if owner < head <= owner + reach:
        return True
    return head < owner <= head + reach and any(
        t in ("of", "by", "from", "in") for t in said[head:owner]
    )


_OWNING_PRONOUNS = frozenset(tokens("his her its their"))


def possessive_conflict(claim: str, source: str, reach: int = 4) -> bool:
    """The claim says "X's Y" where the source gives Y to another owner in so many words
    ("China's Ambassador" against "Russia's Ambassador ... between Russia and China"): the
    source names X, writes "Z's Y", and never X's Y, nor "his Y" (or her, its, their: who owns
    Y is then the claim's reading of the pronoun, for the verifier to judge: "Foster's
    career" against "saw him save his career").

    Only an owner the source writes counts. On the training and dev claims a source that
    merely names X and Y apart ("Green Bay's Jordan Love joined" against "Jordan Love
    joined Green Bay"; "Bet365's live-betting feature" against "the platform's live-betting
    feature") fired on about as many true claims as false ones (101 against 88), and cost 66
    true claims flagged for 14 false ones caught end to end."""
    said = tokens(source)
    theirs = _possessives(source)
    for owner, head, length in _possessives(claim):
        if not any(h == head and not term_in(owner, frozenset([o])) for o, h, _ in theirs):
            continue  # the source gives Y no other owner in so many words
        owner_at = [i for i, t in enumerate(said) if term_in(owner, frozenset([t]))]
        head_at = [i for i, t in enumerate(said) if term_in(head, frozenset([t]))]
        if (
            owner_at
            and head_at
            and not any(_owns(said, o, h, reach + length) for o in owner_at for h in head_at)
            and not any(
                t in _OWNING_PRONOUNS for h in head_at for t in said[max(0, h - length) : h]
            )
        ):
            return True
    return False


# What parts a text's words into phrases: a name is written within one ("Chelsea; James"
# is not a name "Chelsea James"); not the period of "U.S." or "St.".
_PHRASE_BREAK = re.compile(r"[,;:()\[\]\"“”!?—–/|]|(?<![A-Z])(?<!\b[A-Z][a-z])\.(?=\s|$)")


@lru_cache(maxsize=4096)
def adjacent_pairs(text: str) -> frozenset[tuple[str, str]]:
    """The token pairs a text writes next to each other within a phrase (no punctuation
    between them)."""
    pairs: set[tuple[str, str]] = set()
    for part in _PHRASE_BREAK.split(text):
        said = tokens(part)
        pairs.update(zip(said, said[1:], strict=False))
    return frozenset(pairs)


# Words after a number that say its size, not its place in the sentence.
_MAGNITUDES = frozenset(tokens("hundred thousand million billion trillion percent per cent"))


def in_place_of(claim: str, span: str, term: str, names: frozenset[str]) -> bool:
    """Does the claim write its key term ``term`` where the span writes one of ``names`` (key
    terms of the span the claim leaves out)? The two are aligned content word by content word:
    "Pyongyang and Tokyo" against "Pyongyang and Washington" writes Tokyo in Washington's
    place; "the death of his mother, Julia, at the hands of" against "the death of his mother
    at the hands of" adds Julia in nobody's place, as "... to arrive in time for Christmas"
    adds Christmas to "... to arrive in time"."""
    said, written = _content_sequence(claim), _content_sequence(span)
    matcher = difflib.SequenceMatcher(None, said, written, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if (
            tag == "replace"
            and any(term_in(term, frozenset([w])) for w in said[i1:i2])
            and any(term_in(n, frozenset(written[j1:j2])) for n in names)
        ):
            return True
    return False


def neighbours(said: tuple[str, ...], term: str, changed: frozenset[str]) -> list[set[tuple[int, str]]]:
    """For each place ``said`` holds ``term``: the words written just before (-1) and after
    (+1) it, looking past the other ``changed`` words (the rest of a swapped name)."""
    found: list[set[tuple[int, str]]] = []
    for k, token in enumerate(said):
        if not term_in(term, frozenset([token])):
            continue
        around: set[tuple[int, str]] = set()
        for step in (-1, 1):
            j = k + step
            while 0 <= j < len(said) and said[j] in changed:
                j += step
            word = said[j] if 0 <= j < len(said) else ""
            if step == 1 and word in _MAGNITUDES:
                # "$121 million" and "$14.5 million" share the magnitude: the word after it
                # tells the place ("$6.4 million from 2,621 theaters"), where there is one
                while j < len(said) and (said[j] in _MAGNITUDES or said[j] in changed):
                    j += 1
                if j < len(said):
                    around.add((step, said[j]))
                continue
            around.add((step, word))
        found.append(around)
    return found


_A_YEAR = re.compile(r"(?:19|20)\d{2}")


def _is_year(number: str) -> bool:
    return _A_YEAR.fullmatch(number) is not None


def moved_number(claim: str, source: str) -> bool:
    """A number of the claim that the source writes in another phrase, put where the source
    has a number the claim does not give: "four touchdowns" from "over four games ... two
    TDs"; "Milan managed eight shots on target" from "Newcastle had 17 shots, eight on
    target ... Milan had two shots on target". Each place is known by the words just before
    and after it."""
    said, written = tokens(claim), tokens(source)
    claim_numbers = frozenset(t for t in said if is_number(t))
    others = [t for t in dict.fromkeys(written) if is_number(t) and not term_in(t, claim_numbers)]
    if not others:
        return False
    # a year takes the place of another year only ("production in 2024" from "production in
    # 2023 ... 2024"): "the 1987 Reliance World Cup" from a heading "1987, Match 3, Reliance
    # World Cup" has not put 1987 in the match number's place
    slots: dict[bool, list[set[tuple[int, str]]]] = {False: [], True: []}
    for other in others:
        slots[_is_year(other)] += neighbours(written, other, frozenset())
    for number in claim_numbers:
        places = neighbours(written, number, frozenset())
        if not places:
            continue
        theirs = slots[_is_year(number)]
        for around in neighbours(said, number, frozenset()):
            if not any(around & p for p in places) and any(around & slot for slot in theirs):
                return True
    return False


SWAP_WINDOW = 3  # words either side of a number that tell what it counts


def _anchors(said: tuple[str, ...], number: str) -> set[str]:
    """The content words within ``SWAP_WINDOW`` of each place ``said`` writes ``number``."""
    out: set[str] = set()
    for k, token in enumerate(said):
        if term_in(number, frozenset([token])):
            for j in range(max(0, k - SWAP_WINDOW), min(len(said), k + SWAP_WINDOW + 1)):
                word = said[j]
                if j != k and len(word) > 1 and not is_number(word) and word not in STOPWORDS and word not in _MAGNITUDES:
                    out.add(word)
    return out


_SCORE = re.compile(r"(?<!\w)(?<!\d\.)(\d{1,3})\s?[-–]\s?(\d{1,3})(?!\w|\.\d)")


def scores(text: str) -> set[tuple[str, str]]:
    """The scores, records and ranges a text writes, as (first, second): "won 17-6"."""
    return set(_SCORE.findall(text))


def _reversed_score(claim: str, source: str) -> bool:
    """A score or record the source writes the other way round: "went 17-6" from "went 6-17"."""
    mine, theirs = scores(claim), scores(source)
    return any(a != b and (b, a) in theirs and (a, b) not in theirs for a, b in mine)


def swapped_numbers(claim: str, source: str) -> bool:
    """Two numbers the source writes, each put by the claim where the source has the other:
    "the 38-year-old Parker ... the 31-year-old Wilder" from "The 31-year-old Parker ... the
    38-year-old Wilder"; "fell to 4.26 per cent from 4.18 per cent" from "fell to 4.18 per
    cent from 4.26"; a score or record written the other way round ("went 17-6" from "went
    6-17"). Each number's place is known by the content words around it: each shares more of
    them with the other number's place in the source than with its own."""
    if _reversed_score(claim, source):
        return True
    said, written = tokens(claim), tokens(source)
    held = frozenset(written)
    numbers = [t for t in dict.fromkeys(said) if is_number(t) and term_in(t, held)]
    if len(numbers) < 2:
        return False
    mine = {n: _anchors(said, n) for n in numbers}
    theirs = {n: _anchors(written, n) for n in numbers}
    before = {n: _before(said, n) for n in numbers}
    was = {n: _before(written, n) for n in numbers}
    return any(
        (
            len(mine[a] & theirs[b]) > len(mine[a] & theirs[a])
            and len(mine[b] & theirs[a]) > len(mine[b] & theirs[b])
        )
        or (
            # the words just before them trade places: "earn $500 after spending $200"
            # from "earn $200 after spending $500"
            before[a] & was[b] - was[a]
            and before[b] & was[a] - was[b]
        )
        for i, a in enumerate(numbers)
        for b in numbers[i + 1 :]
    )


def _before(said: tuple[str, ...], number: str) -> frozenset[str]:
    """The words right before each place ``said`` writes ``number``."""
    return frozenset(
        said[k - 1] for k, token in enumerate(said) if k and term_in(number, frozenset([token]))
    )


_UPPER = re.compile(r"\b[A-Z]{2,6}\b")


def acronyms(text: str) -> frozenset[str]:
    """The words a text writes in capitals, two to six letters ("RA", "USMNT", "U.S."), as
    :func:`tokens` writes them."""
    return frozenset(t for a in _UPPER.findall(text.replace(".", "")) for t in tokens(a))


def initials(run: tuple[str, ...]) -> str:
    """The first letters of a name's words ("rugbi australia" -> "ra")."""
    return "".join(word[0] for word in run if word)
