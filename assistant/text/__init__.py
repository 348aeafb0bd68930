"""Text handling, below every stage (plain functions).

- ``sentences``: sentence boundaries with character offsets.
- ``match``: folding, stemming, stop words, names and numbers: lexical evidence.
- ``publishers``: which of the archive's publishers a name stands for; where a text names them.
- ``dates``: month names; the days a date expression stands for; dates read from a question.
- ``query_hints``: the publishers and publication dates a question names (both of the above).
- ``opposites``: words a claim may turn into their opposites ("rose" for "fell").
- ``places``: capitals standing for their countries ("Moscow" for Russia).
- ``redact``: secrets kept out of messages and logs.
"""
