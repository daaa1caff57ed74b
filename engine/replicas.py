"""Spread JSON requests over several server URLs (replicas of one model).

Each request goes to the replica with the least outstanding work among those up,
at most ``max_in_flight`` at a time per replica. A replica that fails (connection
refused or reset, timeout, 5xx) is marked down for ``down_s`` seconds and the
request is retried on another one after a backoff that doubles each time. A 4xx
answer is the request's own fault: it raises :class:`RequestRejected` and is not
retried. When no replica is left to try, :class:`~hrmsearch.errors.HrmError` says
so in one line.

Plain threads and ``http.client`` (standard library): callers send one batch's
requests from a thread pool, so a batch costs about one round-trip.

:func:`probe_servers` asks every replica what it serves (``/v1/models``) and
:func:`served_model` picks the model card a run uses; the policy servers
(:mod:`hrmsearch.engine.server_policy`) and the reward servers
(:mod:`hrmsearch.scoring.server_scorer`) share both.
"""

from __future__ import annotations

import http.client
import json
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from hrmsearch.config import ServerConfig
from hrmsearch.errors import HrmError, one_line


class RequestRejected(ValueError):
    """The server refused this request (4xx): bad input such as a prompt over the context."""


class ReplicaFailed(Exception):
    """The replica could not answer (not there, dropped the connection, timed out, 5xx)."""


@dataclass
class Replica:
    """One server and its bookkeeping."""

    url: str
    outstanding: int = 0
    in_flight: int = 0
    down_until: float = 0.0
    sent: int = 0
    failures: int = 0
    last_error: str = ""

    def up(self, now: float) -> bool:
        return now >= self.down_until


def base_url(url: str) -> str:
    """``http://host:port`` with any trailing ``/`` or ``/v1`` (the OpenAI client's base URL) dropped."""
    url = url.rstrip("/")
    return url[: -len("/v1")] if url.endswith("/v1") else url


def request_json(url: str, path: str, payload: dict | None, timeout_s: float) -> dict:
    """GET (no payload) or POST JSON to ``url + path``; the decoded JSON answer.

    Raises ReplicaFailed when the server cannot answer, RequestRejected on a 4xx.
    """
    parts = urlsplit(url)
    connection_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    connection = connection_class(parts.hostname, parts.port, timeout=timeout_s)
    body = None if payload is None else json.dumps(payload).encode()
    headers = {"Content-Type": "application/json"} if body is not None else {}
    try:
        connection.request("GET" if body is None else "POST", parts.path + path, body=body, headers=headers)
        response = connection.getresponse()
        status, text = response.status, response.read().decode("utf-8", "replace")
    except (OSError, http.client.HTTPException) as error:
        raise ReplicaFailed(f"{url}: {type(error).__name__}: {one_line(error) or 'no answer'}") from None
    finally:
        connection.close()
    if 400 <= status < 500:
        raise RequestRejected(f"{url}{path} answered {status}: {_server_message(text)}")
    if status >= 300:
        raise ReplicaFailed(f"{url}{path} answered {status}: {_server_message(text)}")
    try:
        return json.loads(text)
    except ValueError:
        raise ReplicaFailed(f"{url}{path} answered with something that is not JSON: {text[:80]!r}") from None


def _server_message(text: str) -> str:
    """The ``message`` of an OpenAI-style error body, else the body's start, on one line."""
    try:
        body = json.loads(text)
        error = body.get("error", body) if isinstance(body, dict) else body
        message = error.get("message", error) if isinstance(error, dict) else error
    except ValueError:
        message = text
    return one_line(str(message))[:300]


class ReplicaSet:
    """Sends requests to the least busy replica that is up; retries failures elsewhere."""

    def __init__(self, config: ServerConfig, what: str):
        """The replicas of ``config.urls`` with its timeout, retry and in-flight settings; ``what``
        (``policy``, ``reward``) names them in messages."""
        if not config.urls:
            raise HrmError(f"no {what} server URL given")
        self.replicas = [Replica(base_url(url)) for url in config.urls]
        self.timeout_s = config.timeout_s
        self.retries = config.retries
        self.backoff_s = config.backoff_s
        self.max_in_flight = config.max_in_flight
        self.down_s = config.down_s
        self.what = what
        self._lock = threading.Condition()

    def post(self, path: str, payload: dict, work: int = 1) -> dict:
        """POST ``payload`` to ``path`` on one replica, retrying on others; the JSON answer."""
        failures: list[str] = []
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(self.backoff_s * 2 ** (attempt - 1))
            replica = self._acquire(work)
            try:
                answer = request_json(replica.url, path, payload, self.timeout_s)
            except ReplicaFailed as error:
                self._release(replica, work, failed=str(error))
                failures.append(str(error))
                continue
            except RequestRejected:
                self._release(replica, work)
                raise
            self._release(replica, work)
            return answer
        with self._lock:
            all_down = not any(replica.up(time.monotonic()) for replica in self.replicas)
        if all_down:
            raise HrmError(self._all_down_message(failures))
        raise HrmError(f"{self.what} request failed {len(failures)} times, giving up: {failures[-1]}")

    def counts(self) -> dict[str, int]:
        """Requests sent per replica URL."""
        with self._lock:
            return {replica.url: replica.sent for replica in self.replicas}

    def _acquire(self, work: int) -> Replica:
        """The least busy replica that is up and not full; when none is up, the one down longest."""
        with self._lock:
            while True:
                now = time.monotonic()
                up = [replica for replica in self.replicas if replica.up(now)]
                candidates = up or [min(self.replicas, key=lambda r: r.down_until)]
                free = [replica for replica in candidates if replica.in_flight < self.max_in_flight]
                if free:
                    replica = min(free, key=lambda r: (r.outstanding, r.sent))
                    replica.outstanding += work
                    replica.in_flight += 1
                    replica.sent += 1
                    return replica
                self._lock.wait(timeout=1.0)

    def _release(self, replica: Replica, work: int, failed: str | None = None) -> None:
        with self._lock:
            replica.outstanding -= work
            replica.in_flight -= 1
            if failed is not None:
                replica.down_until = time.monotonic() + self.down_s
                replica.failures += 1
                replica.last_error = failed
            self._lock.notify_all()

    def _all_down_message(self, failures: list[str]) -> str:
        count = len(self.replicas)
        last = failures[-1]
        servers = f"the {self.what} server is" if count == 1 else f"all {count} {self.what} servers are"
        return f"{servers} down (last error: {last})"


def probe_servers(replicas: ReplicaSet, timeout_s: float) -> dict[str, list[dict]]:
    """``GET /v1/models`` on every replica: URL -> model cards. One line when none answers."""
    cards: dict[str, list[dict]] = {}
    errors = []
    for replica in replicas.replicas:
        try:
            answer = request_json(replica.url, "/v1/models", None, timeout_s)
        except ReplicaFailed as error:
            errors.append(f"no {replicas.what} server answers at {replica.url} ({str(error).split(': ', 1)[-1]})")
            replica.down_until = time.monotonic() + replicas.down_s
            continue
        except RequestRejected as error:
            raise HrmError(f"{replica.url} is not an OpenAI-compatible server: {error}") from None
        models = answer.get("data") if isinstance(answer, dict) else None
        if not isinstance(models, list) or not models:
            raise HrmError(f"{replica.url}/v1/models lists no model: not an OpenAI-compatible vLLM server")
        cards[replica.url] = models
    if not cards:
        raise HrmError(errors[0] if len(errors) == 1 else f"no {replicas.what} server answers: {'; '.join(errors)}")
    for message in errors:
        print(f"hrmsearch: warning: {message}; using the others", file=sys.stderr)
    return cards


def served_model(cards: dict[str, list[dict]], config: ServerConfig, flag: str) -> dict:
    """The model card the run uses: ``server_model``, else the one matching ``model``, else the only one.

    ``config`` is a PolicyConfig or RewardConfig (its ``model`` and ``server_model``); ``flag`` is the
    option that sets ``server_model``, for the messages.
    """
    chosen: dict | None = None
    for url, models in cards.items():
        card = _pick(url, models, config, flag)
        if chosen is not None and card["id"] != chosen["id"]:
            raise HrmError(f"the {_what(flag)} servers serve different models: {chosen['id']!r} and {card['id']!r} "
                           f"at {url}")
        chosen = card
    return chosen


def _pick(url: str, models: list[dict], config: ServerConfig, flag: str) -> dict:
    names = ", ".join(repr(card.get("id")) for card in models)
    if config.server_model is not None:
        for card in models:
            if card.get("id") == config.server_model:
                return card
        raise HrmError(f"{_what(flag)} server {url} serves {names}, not {config.server_model!r} ({flag})")
    if config.model is not None:
        for card in models:
            if _same_model(config.model, card.get("id")) or _same_model(config.model, card.get("root")):
                return card
        raise HrmError(f"{_what(flag)} server {url} serves {names}, not {config.model!r}; if that is the same "
                       f"model, pass its served name with {flag}")
    if len(models) > 1:
        raise HrmError(f"{_what(flag)} server {url} serves several models ({names}): choose one with {flag}")
    return models[0]


def _same_model(wanted: str, served: str | None) -> bool:
    if served is None:
        return False
    if wanted == served:
        return True
    wanted_path, served_path = Path(wanted).expanduser(), Path(served).expanduser()
    return wanted_path.exists() and served_path.exists() and wanted_path.resolve() == served_path.resolve()


def _what(flag: str) -> str:
    """The model a ``--X-model`` style flag is about: ``policy`` or ``reward``."""
    return flag.removeprefix("--").split("-", 1)[0]
