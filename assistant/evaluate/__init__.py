"""Evaluation: retrieval, answers, claim checks, an LLM engine, and the stage benchmark."""
