"""The store: articles and chunk vectors in Chroma, the BM25 index beside them, the change
log other processes follow, and the opened archive that keeps them consistent."""
