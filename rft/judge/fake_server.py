"""A loopback OpenAI-compatible chat-completions server that can misbehave on request.

Used by rft's tests and `benchmarks/judge_throughput.py`, and handy to try a judge bundle
offline: ``python -m rft.judge.fake_server --port 8000`` then point `endpoint.base_url` at
``http://127.0.0.1:8000/v1``.

The behaviour is chosen by the URL prefix in front of ``/v1`` (so a bundle picks it through
its `base_url`):

====================  ==========================================================
``/v1``               answers ``{"result": x, "steps": [...]}`` (see below)
``/bare/v1``          answers the bare number ``x``
``/slow/<s>/v1``      waits `s` seconds, then answers
``/error500/v1``      HTTP 500
``/ratelimit/v1``     HTTP 429 with ``Retry-After: 0``
``/flaky/<k>/v1``     HTTP 500 for the first `k` calls with a given body, then answers
``/malformed/v1``     HTTP 200 whose body is not JSON
``/badreply/v1``      a reply the judge cannot parse (``{"result": ``)
``/refusal/v1``       ``message.refusal`` set and no content (OpenAI's refusal)
``/refusal-text/v1``  content ``"I'm sorry, but I can't help with that."``
``/parts/v1``         content as a list of text parts (the JSON reply split in two)
``/ambiguous/v1``     ``{"result": x}`` then ``Actually... {"result": 0}``
``/think-open/v1``    ``<think>`` and then the JSON reply, never closed
``/retryafter/<s>/v1``  HTTP 429 with ``Retry-After: s`` on the first call per body
``/redirect/v1``      HTTP 307 to ``/v1`` (on `redirect_to`, default this server)
====================  ==========================================================

Every request's method, path and headers are recorded in `received` (tests check that a
credential never arrives where it must not).

The answer `x` is read from the last ``<sample>...</sample>`` block of the request: the text
after ``SCORE=`` (a number) or ``LABEL=`` (a label); 0 otherwise. ``REPLY=parts``,
``REPLY=ambiguous`` or ``REPLY=think-open`` in the sample picks that reply shape for it alone. Only the standard library
and asyncio are used; it speaks HTTP/1.1 with keep-alive.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import threading
import time
from collections import Counter
from typing import Any

_SAMPLE = re.compile(r"<sample>(.*?)</sample>", re.S)
_SCORE = re.compile(r"SCORE=([-+0-9.eE]+)")
_LABEL = re.compile(r"LABEL=([\w-]+)")
_REPLY = re.compile(r"REPLY=(ambiguous|think-open|parts)")
MODEL_ID = "fake-judge"


def _sample_text(body: dict[str, Any]) -> str:
    texts = []
    for message in body.get("messages", []):
        content = message.get("content")
        if isinstance(content, list):
            content = "".join(p.get("text", "") for p in content if isinstance(p, dict))
        texts.append(content or "")
    samples = _SAMPLE.findall("\n".join(texts))
    return samples[-1] if samples else ""


def _answer(sample: str) -> Any:
    if m := _LABEL.search(sample):
        return m.group(1)
    if m := _SCORE.search(sample):
        value = float(m.group(1))
        return int(value) if value.is_integer() else value
    return 0


def _completion(content: str | None, refusal: str | None = None) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "model": MODEL_ID,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content, "refusal": refusal},
                "finish_reason": "stop",
            }
        ],
        "usage": {
            "prompt_tokens": 20,
            "completion_tokens": max(1, len(content or refusal or "") // 4),
            "total_tokens": 20 + max(1, len(content or refusal or "") // 4),
        },
    }


class FakeJudgeServer:
    """The server, run on its own event loop in a background thread.

    Args:
        host: interface to bind (loopback by default).
        port: port, 0 for any free one.
        api_key: when set, requests must carry ``Authorization: Bearer <api_key>``.
        redirect_to: where ``/redirect/...`` points (default: this server).
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        api_key: str | None = None,
        redirect_to: str | None = None,
    ):
        self.host, self.port, self.api_key = host, port, api_key
        self.redirect_to = redirect_to
        self.requests = 0
        """Chat-completion requests received (all modes)."""
        self.by_mode: Counter[str] = Counter()
        self.arrivals: list[float] = []
        """`time.monotonic()` of every chat-completion request."""
        self.in_flight = 0
        self.max_in_flight = 0
        """The most `slow` requests being answered at once: proof of concurrency, not timing."""
        self.received: list[tuple[str, str, dict[str, str]]] = []
        """(method, path, lower-cased headers) of every request, all modes and paths."""
        self._seen: Counter[bytes] = Counter()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def base_url(self, mode: str = "") -> str:
        """The `base_url` of a mode, e.g. ``base_url("slow/0.5")``."""
        return f"{self.url}/{mode.strip('/')}/v1" if mode else f"{self.url}/v1"

    def start(self) -> FakeJudgeServer:
        ready = threading.Event()

        def run() -> None:
            self._loop = asyncio.new_event_loop()
            self._server = self._loop.run_until_complete(
                asyncio.start_server(self._handle, self.host, self.port, backlog=1024)
            )
            self.port = self._server.sockets[0].getsockname()[1]
            ready.set()
            self._loop.run_forever()
            self._loop.close()

        self._thread = threading.Thread(target=run, name="fake-judge", daemon=True)
        self._thread.start()
        ready.wait(10)
        return self

    def stop(self) -> None:
        if self._loop is None or self._thread is None:
            return

        async def shutdown() -> None:
            assert self._server is not None
            self._server.close()
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            asyncio.get_running_loop().stop()

        asyncio.run_coroutine_threadsafe(shutdown(), self._loop)
        self._thread.join(10)
        self._loop = None

    def __enter__(self) -> FakeJudgeServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                line = await reader.readline()
                if not line:
                    break
                method, target, _ = line.decode("latin-1").split(" ", 2)
                headers: dict[str, str] = {}
                while True:
                    raw = await reader.readline()
                    if raw in (b"\r\n", b"\n", b""):
                        break
                    key, _, value = raw.decode("latin-1").partition(":")
                    headers[key.strip().lower()] = value.strip()
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                status, extra, payload = await self._respond(method, target, headers, body)
                head = [f"HTTP/1.1 {status} {'OK' if status == 200 else 'Other'}"]
                head += [f"{k}: {v}" for k, v in extra.items()]
                head += ["Content-Type: application/json", f"Content-Length: {len(payload)}"]
                writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + payload)
                await writer.drain()
                if headers.get("connection", "").lower() == "close":
                    break
        except (ConnectionError, asyncio.IncompleteReadError, ValueError):
            pass
        except asyncio.CancelledError:  # the server is stopping while a reply is pending
            pass
        finally:
            writer.close()

    async def _respond(
        self, method: str, target: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        self.received.append((method, target, dict(headers)))
        path = target.split("?", 1)[0].strip("/").split("/")
        if path and path[0] == "redirect":
            location = "/" + "/".join(path[1:])
            return 307, {"Location": f"{self.redirect_to or self.url}{location}"}, b"{}"
        if self.api_key and headers.get("authorization") != f"Bearer {self.api_key}":
            return 401, {}, b'{"error": {"message": "invalid api key"}}'
        if "v1" not in path:
            return 404, {}, b'{"error": {"message": "not found"}}'
        mode, endpoint = path[: path.index("v1")], path[path.index("v1") + 1 :]
        if method == "GET" and endpoint == ["models"]:
            return 200, {}, json.dumps({"object": "list", "data": [{"id": MODEL_ID}]}).encode()
        if method != "POST" or endpoint != ["chat", "completions"]:
            return 404, {}, b'{"error": {"message": "not found"}}'
        self.requests += 1
        self.arrivals.append(time.monotonic())
        name = mode[0] if mode else "ok"
        self.by_mode[name] += 1
        sample = _sample_text(json.loads(body))
        answer = _answer(sample)
        if m := _REPLY.search(sample):  # a sample may pick one of the reply shapes itself
            name = m.group(1)
        if name == "slow":
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            try:
                await asyncio.sleep(float(mode[1]))
            finally:
                self.in_flight -= 1
        elif name == "error500":
            return 500, {}, b'{"error": {"message": "internal error"}}'
        elif name == "ratelimit":
            return 429, {"Retry-After": "0"}, b'{"error": {"message": "rate limited"}}'
        elif name == "retryafter":
            self._seen[body] += 1
            if self._seen[body] == 1:
                return 429, {"Retry-After": mode[1]}, b'{"error": {"message": "slow down"}}'
        elif name == "flaky":
            self._seen[body] += 1
            if self._seen[body] <= int(mode[1]):
                return 500, {}, b'{"error": {"message": "flaky"}}'
        elif name == "malformed":
            return 200, {}, b'{"id": "chatcmpl-fake", "choices": [{"message": '
        elif name == "badreply":
            return 200, {}, json.dumps(_completion('{"result": ')).encode()
        elif name == "refusal":
            return 200, {}, json.dumps(_completion(None, "I can't grade this.")).encode()
        elif name == "refusal-text":
            text = "I'm sorry, but I can't help with that."
            return 200, {}, json.dumps(_completion(text)).encode()
        if name == "bare":
            return 200, {}, json.dumps(_completion(str(answer))).encode()
        reply = {"steps": [{"description": "read the sample", "conclusion": "done"}]}
        reply["result"] = answer
        text = json.dumps(reply)
        if name == "ambiguous":
            text = f"{json.dumps({'result': answer})} Actually... {json.dumps({'result': 0})}"
        elif name == "think-open":
            text = "<think>" + text
        completion = _completion(text)
        if name == "parts":
            half = len(text) // 2
            completion["choices"][0]["message"]["content"] = [
                {"type": "text", "text": text[:half]},
                {"type": "text", "text": text[half:]},
            ]
        return 200, {}, json.dumps(completion).encode()


def main() -> None:
    """Serve until interrupted: ``python -m rft.judge.fake_server --port 8000``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args()
    server = FakeJudgeServer(args.host, args.port).start()
    print(f"fake judge serving at {server.base_url()} (Ctrl-C to stop)", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    main()
