"""Training the reader/verifier (the ``[train]`` extra): the team's data, the network, the
run that ships ``assistant/weights/judge-int8.onnx`` (see NOTE.md)."""
