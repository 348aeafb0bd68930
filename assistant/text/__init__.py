"""Text handling, below every stage (plain functions).

- ``sentences``: sentence boundaries with character offsets.
- ``analyse``: the one analyser: stop words and the Snowball stemmer, for search and checks.
- ``match``: folding, names, numbers, possessives: lexical evidence.
- ``negation``: whether a text negates, and whether a claim and its source disagree on it.
- ``publishers``: which of the archive's publishers a name stands for; where a text names them.
- ``dates``: month names; the days a date expression stands for; dates read from a question.
- ``query_hints``: the publishers and publication dates a question names (both of the above).
- ``opposites``: words a claim may turn into their opposites ("rose" for "fell").
- ``places``: capitals standing for their countries ("Moscow" for Russia).
- ``redact``: secrets kept out of messages and logs.
"""
