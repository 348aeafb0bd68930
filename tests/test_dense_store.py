"""Dense queries fetch ids and distances from Chroma and the records this process holds,
and return exactly what llama-index's plain ChromaVectorStore returns."""

from __future__ import annotations

from llama_index.core.vector_stores.types import VectorStoreQuery

from assistant.ingestion.pipeline import ingest
from assistant.records import Filters
from assistant.retrieval.dense_store import RecordedChromaStore
from assistant.store.archive import open_archive
from assistant.store.layout import chroma_where

QUESTIONS = ["Who is Russia's ambassador to North Korea?", "ferry sailed at dawn", "talks"]


class Asking:
    """The chunks collection, noting what each query asks Chroma to include."""

    def __init__(self, collection) -> None:
        self.collection = collection
        self.included: list[list[str]] = []

    def query(self, **kwargs):
        self.included.append(list(kwargs.get("include", [])))
        return self.collection.query(**kwargs)

    def get(self, **kwargs):
        self.included.append(list(kwargs.get("include", [])))
        return self.collection.get(**kwargs)


def _hits(result):
    return [
        (node.node_id, node.get_content(), dict(node.metadata), sim)
        for node, sim in zip(result.nodes, result.similarities, strict=True)
    ]


def _with_two_publishers(settings, tmp_path):
    folder = tmp_path / "more"
    folder.mkdir()
    for i, source in enumerate(["Harbour Times", "Coast Post"] * 2):
        (folder / f"{i}.md").write_text(
            f"---\ntitle: Ferry {i}\nsource: {source}\npublished: 2024-05-0{i + 1}\n---\n\n"
            f"The ferry number {i} sailed at dawn. Talks on the harbour went on all day.\n"
        )
    ingest([folder], settings=settings)
    return open_archive(settings).ready()


def test_recorded_queries_return_what_the_plain_store_returns(hashed_seeded, tmp_path):
    archive = _with_two_publishers(hashed_seeded, tmp_path)
    plain = archive.store.vector_store()
    asking = Asking(archive.store.chunks)
    recorded = RecordedChromaStore(asking, archive.lexical.node)
    for question in QUESTIONS:
        vector = archive.embedder.embed_query(question).tolist()
        for where in (None, chroma_where(Filters(sources=("Coast Post",)))):
            kwargs = {"where": where} if where else {}
            query = VectorStoreQuery(query_embedding=vector, similarity_top_k=5)
            ours = _hits(recorded.query(query, **kwargs))
            assert ours and ours == _hits(plain.query(query, **kwargs))
    # Every hit's record was known here: Chroma was asked for distances alone.
    assert asking.included and all(include == ["distances"] for include in asking.included)


def test_hits_this_process_does_not_hold_come_from_chroma(hashed_seeded, tmp_path):
    archive = _with_two_publishers(hashed_seeded, tmp_path)
    plain = archive.store.vector_store()
    holds = {"x"}  # none of the chunks: as a shared server another client wrote to

    def lookup(chunk_id):
        return archive.lexical.node(chunk_id) if chunk_id in holds else None

    asking = Asking(archive.store.chunks)
    recorded = RecordedChromaStore(asking, lookup)
    vector = archive.embedder.embed_query(QUESTIONS[1]).tolist()
    query = VectorStoreQuery(query_embedding=vector, similarity_top_k=6)
    expected = _hits(plain.query(query))
    holds.add(expected[0][0])  # one of them it does hold
    assert _hits(recorded.query(query)) == expected
    assert asking.included == [["distances"], ["documents", "metadatas"]]
