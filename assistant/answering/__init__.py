"""Answering: from a question to a cited, checked answer.

- ``pipeline``: ``answer()`` and ``stream_answer()``.
- ``decline``: questions about publishers or dates the archive does not hold, declined
  before retrieval; ``refusal``: the one refusal phrase and its notices.
- ``engines/``: the engines that write an answer; ``templates``: their prompts.
- ``citations``, ``checking``, ``claims``, ``spans``, ``question_parts``: markers to
  citations, an answer's sentences marked as claims, each claim checked against the spans
  of what it cites (the exact checks, then the verifier), the parts of a question left
  unanswered.
- ``followups``: what a follow-up question takes from the conversation.
- ``overview``: questions about an article as a whole, answered by its lead.
- ``descriptions``: "Who is X?", answered by the sentence describing X beside its name.
"""
