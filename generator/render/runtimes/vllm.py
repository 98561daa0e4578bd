"""vLLM's OpenAI-compatible server (image vllm/vllm-openai)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from generator.errors import Diagnostic
from generator.render.runtimes import promql
from generator.render.runtimes.base import (
    CONFIG_DIR,
    HOME,
    MODEL_DIR,
    STARTUP_PERIOD,
    AnalysisQuery,
    Port,
    ScalingSignals,
    Server,
    gpu_count,
    http_get,
    liveness_failures,
    served_model_name,
    startup_failures,
)
from generator.validate import quantity

if TYPE_CHECKING:
    from generator.inputs.resolve import Resolved

kind = "vllm"
workload = "pods"

# Metric names, as vLLM's OpenAI server exposes them on /metrics.
# vllm/v1/metrics/loggers.py (PrometheusStatLogger), see docs.vllm.ai "Production Metrics":
E2E_LATENCY = "vllm:e2e_request_latency_seconds"  # histogram, seconds
TIME_TO_FIRST_TOKEN = "vllm:time_to_first_token_seconds"  # histogram, seconds
# Deprecated in vLLM 0.11, hidden in 0.12 and removed later in favour of ITL, which 0.11
# records with the same observations; the query falls back to ITL when TPOT is missing.
TIME_PER_OUTPUT_TOKEN = "vllm:time_per_output_token_seconds"  # histogram, seconds
INTER_TOKEN_LATENCY = "vllm:inter_token_latency_seconds"  # histogram, seconds (vLLM >= 0.11)
# prometheus-fastapi-instrumentator's default counter, mounted by vLLM's API server
# (vllm/entrypoints/openai/api_server.py, mount_metrics); status is grouped (2xx, 4xx, 5xx)
# and /health and /metrics are excluded, so it counts API requests only.
HTTP_REQUESTS = "http_requests_total"
# Scheduler state, a gauge per engine (labels model_name, engine): requests not yet scheduled.
NUM_REQUESTS_WAITING = "vllm:num_requests_waiting"
METRICS = frozenset(
    {E2E_LATENCY, TIME_TO_FIRST_TOKEN, TIME_PER_OUTPUT_TOKEN, INTER_TOKEN_LATENCY, HTTP_REQUESTS, NUM_REQUESTS_WAITING}
)
SCALING = ScalingSignals(
    queue=NUM_REQUESTS_WAITING,
    # Without the colon: the name reads as a plain identifier wherever the HPA shows it.
    adapter_name="vllm_num_requests_waiting",
    latency_what="p95 time to first token",
    latency=lambda selector, window: promql.histogram_p95(TIME_TO_FIRST_TOKEN, selector, window),
)

# spec field -> vLLM long option, as written in its --config file
_OPTIONS = {
    "dtype": "dtype",
    "maxModelLen": "max-model-len",
    "quantization": "quantization",
    "gpuMemoryUtilization": "gpu-memory-utilization",
    "maxNumSeqs": "max-num-seqs",
    "enablePrefixCaching": "enable-prefix-caching",
    "trustRemoteCode": "trust-remote-code",
}


def config(release: Resolved) -> dict[str, Any]:
    args = release.get("runtime", "args")
    out: dict[str, Any] = {
        "model": MODEL_DIR,
        "served-model-name": served_model_name(release),
        "host": "0.0.0.0",
        "port": 8000,
        "tensor-parallel-size": args.get("tensorParallelSize", release.get("resources", "gpu", "count")),
    }
    for field, option in _OPTIONS.items():
        value = args.get(field)
        # vLLM's config file turns `flag: true` into `--flag`; false means leave the flag out.
        if value is None or value is False:
            continue
        out[option] = value
    return out


# Liveness.  The API process exits by itself when its engine core dies, so a crash restarts the
# container without any probe: liveness is there for a server that hangs, and must never fire on
# one that is merely busy.  Under a full batch the API server's event loop, which also tokenizes,
# detokenizes and streams every response, answers /health seconds late; and a restart is costly:
# the weights go back onto every GPU (minutes for a 70B model across four H100s) while the other
# replicas take its load, which can push them over too.  So the probe waits 10 s for an answer
# and restarts only after two minutes without one, plus a minute per GPU beyond the first
# (tensor-parallel steps are longer, and so is the reload).
LIVENESS_PERIOD = 20
LIVENESS_TIMEOUT = 10


def liveness_window(gpus: int) -> int:
    return 120 + 60 * max(gpus - 1, 0)


# Startup covers loading only (the init container fetched the weights before the server starts):
# reading them from the local emptyDir onto the GPUs, then torch.compile and CUDA graph capture.
# 15 minutes plus 10 s per GiB of weights, reading at 100 MiB/s at worst.
def load_seconds(release: Resolved) -> int:
    gib = quantity.parse(release.get("model", "artifact", "size")) / 2**30
    return 900 + 10 * int(-(-gib // 1))


# vLLM tears its engine down on SIGTERM before the HTTP server has finished the open requests
# (vllm/entrypoints/openai/api_server.py, run_server_worker: the uvicorn shutdown is awaited only
# once the engine client's context has exited), so streams in flight would be cut.  The drain
# therefore happens in the preStop delay, while the pod is already out of the Service's
# endpoints: a streamed generation of thousands of tokens at tens of tokens a second runs for
# minutes.
DRAIN_SECONDS = 300


def _emitted(data: dict[str, Any]) -> str:
    from generator.render import emitter  # rendering only: the pre-commit lint checks specs without it

    return emitter.dump(data)


def server(release: Resolved) -> Server:
    gpus = gpu_count(release)
    return Server(
        args=["--config", f"{CONFIG_DIR}/vllm.yaml", *release.get("runtime", "extraArgs")],
        ports=[Port("http", 8000, app_protocol="http")],
        readiness=http_get("/health", "http", period=10, failures=3),
        liveness=http_get(
            "/health",
            "http",
            period=LIVENESS_PERIOD,
            failures=liveness_failures(liveness_window(gpus), LIVENESS_PERIOD),
            timeout=LIVENESS_TIMEOUT,
        ),
        startup=http_get("/health", "http", period=STARTUP_PERIOD, failures=startup_failures(load_seconds(release))),
        metrics=("http", "/metrics"),
        config_files={"vllm.yaml": _emitted(config(release))},
        env=[
            # Weights come from the pinned artifact; the server must never fetch from a hub.
            {"name": "HF_HUB_OFFLINE", "value": "1"},
            {"name": "VLLM_NO_USAGE_STATS", "value": "1"},
        ],
        # HOME holds the torch.compile, Triton-kernel and FlashInfer caches (~/.cache, ~/.triton).
        scratch={"/tmp": "2Gi", HOME: "8Gi"},
        shm_size=release.get("runtime", "args", "shmSize", default="8Gi") if gpus > 1 else None,
        drain_seconds=DRAIN_SECONDS,
    )


def analysis(selector: str, window: str) -> list[AnalysisQuery]:
    """Server errors (HTTP 5xx) per API request, and p95 of request latency, TTFT and TPOT."""
    tpot = (
        f"{promql.histogram_p95(TIME_PER_OUTPUT_TOKEN, selector, window)}"
        f" or {promql.histogram_p95(INTER_TOKEN_LATENCY, selector, window)}"
    )
    return [
        AnalysisQuery(
            "error-rate",
            "maxErrorRate",
            promql.ratio(
                promql.rate_sum(HTTP_REQUESTS, selector, window, 'status="5xx"'),
                promql.rate_sum(HTTP_REQUESTS, selector, window),
            ),
        ),
        AnalysisQuery("latency-p95", "maxLatencySeconds", promql.histogram_p95(E2E_LATENCY, selector, window)),
        AnalysisQuery(
            "time-to-first-token-p95",
            "maxTimeToFirstTokenSeconds",
            promql.histogram_p95(TIME_TO_FIRST_TOKEN, selector, window),
        ),
        AnalysisQuery("time-per-output-token-p95", "maxTimePerOutputTokenSeconds", tpot),
    ]


def sample_request(release: Resolved) -> dict[str, Any]:
    """The smoke test's request: one generated token (or one embedding) from the OpenAI API.

    vllm/entrypoints/openai/api_server.py serves /v1/chat/completions, /v1/completions and
    /v1/embeddings; `model` must be the served model name, or vLLM answers 404.
    """
    model = served_model_name(release)
    task = release.get("model", "task", default="completion")
    if task == "chat":
        messages = [{"role": "user", "content": "Reply with OK."}]
        return {"path": "/v1/chat/completions", "body": {"model": model, "messages": messages, "max_tokens": 1}}
    if task == "embedding":
        return {"path": "/v1/embeddings", "body": {"model": model, "input": "smoke test"}}
    return {"path": "/v1/completions", "body": {"model": model, "prompt": "Hello", "max_tokens": 1}}


def check(release: Resolved) -> list[Diagnostic]:
    out = []
    gpus = release.get("resources", "gpu", "count")
    if gpus < 1:
        out.append(release.diagnostic(("resources", "gpu", "count"), "the vllm runtime needs at least one GPU"))
    tp = release.get("runtime", "args", "tensorParallelSize")
    if tp is not None and gpus >= 1 and tp != gpus:
        out.append(
            release.diagnostic(
                ("runtime", "args", "tensorParallelSize"),
                f"tensorParallelSize {tp} must equal the GPU count {gpus} (resources.gpu.count)",
            )
        )
    return out
