"""Opposite words: a claim that turns the source's direction round.

A claim copied from its source with one word turned into its opposite ("Ten-year yields
jumped 18 basis points" from "... tumbled 18 basis points", "a lower risk" from "a higher
risk") shares almost every word with the source, so word overlap and a small verifier both
read it as support. The exact check here: the claim uses a word of one side of an axis
(rise/fall, more/less, quick/slow, ...) that the span never uses, while the span uses the
other side of that axis. It is a negation check for words that negate by meaning, not by
"not".

The axes are general English, not drawn from any one article. Axes were kept only where, on
the training and dev claims (assistant/training), they fired on false claims far more often
than on true ones: pairs whose sides a faithful paraphrase turns round ("A sold to B" is "B
bought from A"; "started out trying" and "stopped trying"; "not the same" and "different")
are left out, as is "before"/"after" ("a day before B" is "B a day after"; on those claims it
fired on 10 true claims for 31 false; :func:`order_swapped` reads them only where the same
event follows the word on both sides), and "lead" ("leading to layoffs"). "most" stands
against "fewest" and "least" only ("at least 34" is "34 or more": "more" is not on that
axis)."""

from __future__ import annotations

import re
from functools import lru_cache

from .match import content_terms, fold, tokens
from .negation import as_without

# Each axis: two sides, each a set of word forms (lower case). Only whole words match.
AXES: tuple[tuple[frozenset[str], frozenset[str]], ...] = tuple(
    (frozenset(a.split()), frozenset(b.split()))
    for a, b in (
        # direction of a change
        (
            "rise rises rose risen rising increase increases increased increasing climb climbs"
            " climbed climbing jump jumps jumped surge surges surged surging soar soars soared"
            " grow grows grew grown growing gain gains gained rally rallied rebound rebounded",
            "fall falls fell fallen falling decrease decreases decreased decreasing decline"
            " declines declined declining drop drops dropped dropping slip slips slipped sink"
            " sinks sank sunk tumble tumbles tumbled plunge plunges plunged slide slides slid"
            " shrink shrinks shrank shrunk slump slumped dip dips dipped loss losses",
        ),
        ("raise raises raised raising", "lower lowers lowered lowering cut cuts"),
        ("higher highest", "lower lowest"),
        ("more greater greatest larger largest bigger biggest", "less fewer fewest smaller smallest"),
        ("above", "below"),
        ("quick quickly quicker fast faster fastest rapid rapidly", "slow slowly slower slowest"),
        ("better best improve improves improved improving", "worse worst worsen worsens worsened worsening deteriorated"),
        ("positive", "negative"),
        ("optimism optimistic hopes hope", "fears fear pessimism pessimistic"),
        ("favorite favourite favorites favourites", "underdog underdogs"),
        ("cheap cheaper cheapest inexpensive", "expensive pricier costly"),
        ("legal lawful", "illegal unlawful"),
        ("popular", "unpopular"),
        ("support supports supported backs backed", "oppose opposes opposed opposing denounce denounced denounces condemn condemned condemns"),
        ("accept accepts accepted", "reject rejects rejected"),
        ("allow allows allowed permit permits permitted", "ban bans banned prohibit prohibits prohibited forbid forbids forbidden"),
        ("include includes included including with", "without exclude excludes excluded excluding"),
        ("early earlier earliest", "late later latest"),
        ("north northern", "south southern"),
        ("east eastern", "west western"),
        ("strong stronger strongest", "weak weaker weakest"),
        ("win wins won winning victory", "lose loses lost losing defeat"),
        # places in a table, an order or a family
        ("ahead", "behind trail trails trailing"),  # not "lead": "leading to layoffs"
        ("top", "bottom"),
        ("eldest oldest", "youngest"),
        ("most", "fewest least"),
        ("first", "last"),  # not "final": "quarter-final"
        # degree, frequency, number and kind
        ("hard harder hardest difficult", "easy easier easiest"),
        ("often frequently frequent", "rarely seldom rare"),
        ("single", "numerous multiple several"),
        ("major", "minor"),
        ("boy boys son sons", "girl girls daughter daughters"),
    )
)

_WORD = re.compile(r"[a-z]+")


@lru_cache(maxsize=8192)
def _words(text: str) -> frozenset[str]:
    return frozenset(_WORD.findall(fold(text).lower()))


def opposite_conflict(claim: str, source: str) -> bool:
    """The claim uses one side of an axis the source never uses, and the source uses the
    other side: "prices rose" against "prices fell"."""
    said, says = _words(as_without(claim)), _words(as_without(source))
    for side_a, side_b in AXES:
        for mine, other in ((side_a, side_b), (side_b, side_a)):
            if said & mine and not says & mine and says & other and not said & other:
                return True
    return False


# Words that place an event against another: "before" and "after" the same event. A
# faithful paraphrase may turn the pair round with the events ("A a day before B" is "B a
# day after A"), so only the same event after the other word counts (see order_swapped).
ORDER_AXES: tuple[tuple[str, str], ...] = tuple(
    (tokens(a)[0], tokens(b)[0]) for a, b in (("before", "after"), ("beginning", "end"), ("over", "under"))
)
ORDER_ANCHOR = 2  # content words after the placing word that name the same event


def _anchored(words: tuple[str, ...], content: frozenset[str], at: int) -> tuple[str, ...]:
    """The first content words after position ``at`` (within a short window)."""
    return tuple([w for w in words[at + 1 : at + 8] if w in content][:ORDER_ANCHOR])


def order_swapped(claim: str, source: str) -> bool:
    """The claim places an event on the other side of the same event as the source does:
    "after pleading guilty" against "before pleading guilty", an "under" bet where the
    source's "over" bet wins. The same words must follow the placing word on both sides
    ("after Cairns stretched its lead" is no swap of "... lead shortly before Miller's night
    ended"), and the source must not also use the claim's word there."""
    said, says = tokens(claim), tokens(source)
    content = content_terms(claim) | content_terms(source)
    for a, b in ORDER_AXES:
        for mine, other in ((a, b), (b, a)):
            for i, word in enumerate(said):
                if word != mine:
                    continue
                event = _anchored(said, content, i)
                if len(event) < ORDER_ANCHOR:
                    continue
                placed = {w for j, w in enumerate(says) if w in (a, b) and _anchored(says, content, j) == event}
                if other in placed and mine not in placed:
                    return True
    return False
