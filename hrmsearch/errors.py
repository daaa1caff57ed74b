"""User-facing errors: one clear line, never a traceback, at the CLI."""


class HrmError(Exception):
    """An error caused by the user's input or environment (bad config, bad file, bad path).

    The CLI prints ``str(error)`` on one line and exits with status 2.
    """


def one_line(message: str) -> str:
    """Collapse a multi-line message (pydantic, tracebacks) into one line."""
    return " ".join(part.strip() for part in str(message).splitlines() if part.strip())
