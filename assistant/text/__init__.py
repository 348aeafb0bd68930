"""Text handling, below every stage: sentences, word matching (fold, stems, stop words),
what a question names (publishers, dates) and keeping secrets out of text."""
