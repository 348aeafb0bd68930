# Start and stop a real llama.cpp OpenAI-compatible server for the integration tests.
# Source it from .ci/run:
#     source .ci/llama_server.sh
#     start_llama_server        # exports ASSISTANT_TEST_LLM_URL=http://127.0.0.1:PORT/v1
#     trap stop_llama_server EXIT
# The tests in tests/test_llm_server.py use that server; without the variable they start
# their own, and without llama-cpp-python they skip.

LLAMA_PY="${LLAMA_PY:-.venv/bin/python}"
LLAMA_LOG="${LLAMA_LOG:-${TMPDIR:-/tmp}/llama-server-ci.log}"

start_llama_server() {
    local gguf port i threads
    gguf="$("$LLAMA_PY" -c 'from assistant.answering.engines.local import packaged_model as p; print(p() or "")')"
    if [ -z "$gguf" ]; then
        echo "llama_server.sh: the packaged SmolLM2 GGUF is missing: pip install -e '.[local]'" >&2
        return 1
    fi
    port="$("$LLAMA_PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    threads=$(nproc); [ "$threads" -le 8 ] || threads=8
    # One model serves chat completions and /v1/embeddings (--embedding true).
    # Passive OpenMP waiting: spinning threads made answers many times slower on a busy CPU.
    OMP_WAIT_POLICY=PASSIVE "$LLAMA_PY" -m llama_cpp.server --model "$gguf" --host 127.0.0.1 --port "$port" \
        --n_ctx 4096 --n_threads "$threads" --n_threads_batch "$threads" --embedding true >"$LLAMA_LOG" 2>&1 &
    LLAMA_SERVER_PID=$!
    for i in $(seq 1 180); do
        if "$LLAMA_PY" -c "import urllib.request as u; u.urlopen('http://127.0.0.1:$port/v1/models', timeout=2)" 2>/dev/null; then
            export ASSISTANT_TEST_LLM_URL="http://127.0.0.1:$port/v1"
            echo "llama.cpp server ready at $ASSISTANT_TEST_LLM_URL after ${i}s (pid $LLAMA_SERVER_PID, log $LLAMA_LOG)"
            return 0
        fi
        if ! kill -0 "$LLAMA_SERVER_PID" 2>/dev/null; then
            echo "llama_server.sh: the server exited during start-up:" >&2
            tail -n 30 "$LLAMA_LOG" >&2
            return 1
        fi
        sleep 1
    done
    echo "llama_server.sh: no answer on port $port after 180 s" >&2
    tail -n 30 "$LLAMA_LOG" >&2
    stop_llama_server
    return 1
}

stop_llama_server() {
    if [ -n "${LLAMA_SERVER_PID:-}" ] && kill -0 "$LLAMA_SERVER_PID" 2>/dev/null; then
        kill "$LLAMA_SERVER_PID" 2>/dev/null || true
        wait "$LLAMA_SERVER_PID" 2>/dev/null || true
    fi
    LLAMA_SERVER_PID=""
    unset ASSISTANT_TEST_LLM_URL
}
