"""One line on stderr per failed request: time, level, method, status, path and what went wrong.

Django logs every 4xx and 5xx answer on the `django.request` logger with the request attached;
this formatter flattens that into one line and never prints headers, cookies or settings. An
unexpected server error (500) keeps its traceback, which is what it takes to debug it.
"""

import logging


class RequestLineFormatter(logging.Formatter):
    def format(self, record):
        head = f"{self.formatTime(record)} {record.levelname} {record.name}"
        request = getattr(record, "request", None)
        status = getattr(record, "status_code", None)
        if hasattr(request, "method"):
            # Django's message is "<reason>: <path>"; the path is printed once, with its query.
            reason = record.getMessage().split(":", 1)[0]
            line = f"{head} {request.method} {status or '-'} {request.get_full_path()} {reason}"
        else:
            line = f"{head} {record.getMessage()}"
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            line += f" | {type(exc).__name__}: {exc}"
        line = _printable(line)
        if record.exc_info and status in (None, 500):
            line += "\n" + self.formatException(record.exc_info)
        return line


def _printable(text):
    # A hostile path or message must not forge extra log lines.
    return text.replace("\r", "\\r").replace("\n", "\\n")[:1000]
