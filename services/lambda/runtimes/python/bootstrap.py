"""
Python runtime client for ruststack's Lambda emulation.

This file is embedded in the ruststack binary and written into the runtime
directory at start. One process runs one function instance:

    <python3.X> -u <runtime dir>/python/bootstrap.py      (cwd = LAMBDA_TASK_ROOT)

Environment provided by the host:
    AWS_LAMBDA_RUNTIME_API   host:port of the Runtime API (2018-06-01)
    _HANDLER                 "path/to/module.function"
    LAMBDA_TASK_ROOT         directory holding the extracted function code
    AWS_LAMBDA_FUNCTION_NAME, AWS_LAMBDA_FUNCTION_VERSION,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE, AWS_LAMBDA_LOG_GROUP_NAME,
    AWS_LAMBDA_LOG_STREAM_NAME   exposed through the context object
    AWS_LAMBDA_LOG_LEVEL     optional root logger level (TRACE maps to DEBUG)
    AWS_LAMBDA_LOG_FORMAT    optional, "JSON" switches logs to JSON lines

It follows the behaviour of AWS's Python runtime interface client
(awslambdaric): the same handler resolution, error types and messages, error
payloads, context object, root logger set-up and log text.

Protocol (plain HTTP/1.1 over one persistent connection):
    init failure:  POST /2018-06-01/runtime/init/error, then exit(1)
    loop:          GET  /2018-06-01/runtime/invocation/next
                   POST /2018-06-01/runtime/invocation/{id}/response
                or POST /2018-06-01/runtime/invocation/{id}/error
Error posts carry the header Lambda-Runtime-Function-Error-Type and the body
{"errorMessage", "errorType", "requestId", "stackTrace"}.

stdout and stderr share one pipe that the host forwards line by line to
CloudWatch Logs; both are flushed before any result is posted, so everything
a handler printed is in the pipe when the host sees the POST. A multi-line
error record is written as one line, with "\r" between its lines.

Start-up time matters (every cold start pays it), so only small modules are
imported up front; the HTTP client is a minimal one on top of `socket`
because http.client pulls in the email package and ssl.
"""

import json
import logging
import os
import socket
import sys
import time

API_PREFIX = "/2018-06-01/runtime"
ERROR_TYPE_HEADER = "Lambda-Runtime-Function-Error-Type"

ERROR_LOG_LINE_TERMINATE = "\r"
ERROR_LOG_IDENT = "\u00a0"  # NO-BREAK SPACE, replaces indentation in error logs
_DATETIME_FORMAT = "%Y-%m-%dT%H:%M:%S"

LAMBDA_UNHANDLED_EXCEPTION_WARNING = (
    "LAMBDA_WARNING: "
    "Unhandled exception. "
    "The most likely cause is an issue in the function code. "
    "However, in rare cases, a Lambda runtime update can cause unexpected function behavior. "
    "For functions using managed runtimes, runtime updates can be triggered by a function change, or can be applied automatically. "
    "To determine if the runtime has been updated, check the runtime version in the INIT_START log entry. "
    "If this error correlates with a change in the runtime version, you may be able to mitigate this error by temporarily rolling back to the previous runtime version. "
    "For more information, see https://docs.aws.amazon.com/lambda/latest/dg/runtimes-update.html"
)


# --------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------


class FaultException(Exception):
    """An error detected by the runtime itself (as opposed to user code)."""

    MARSHAL_ERROR = "Runtime.MarshalError"
    UNMARSHAL_ERROR = "Runtime.UnmarshalError"
    USER_CODE_SYNTAX_ERROR = "Runtime.UserCodeSyntaxError"
    HANDLER_NOT_FOUND = "Runtime.HandlerNotFound"
    IMPORT_MODULE_ERROR = "Runtime.ImportModuleError"
    BUILT_IN_MODULE_CONFLICT = "Runtime.BuiltInModuleConflict"
    MALFORMED_HANDLER_NAME = "Runtime.MalformedHandlerName"
    LAMBDA_CONTEXT_UNMARSHAL_ERROR = "Runtime.LambdaContextUnmarshalError"

    def __init__(self, exception_type, msg, trace=None):
        super().__init__(msg)
        self.msg = msg
        self.exception_type = exception_type
        self.trace = trace


class RuntimeApiError(Exception):
    """The Runtime API answered with an unexpected status."""


def make_error(error_message, error_type, stack_trace, invoke_id=None):
    """The error document posted to the Runtime API (same keys and order as
    AWS; requestId is "" for init errors)."""
    return {
        "errorMessage": error_message if error_message else "",
        "errorType": error_type if error_type else "",
        "requestId": invoke_id if invoke_id is not None else "",
        "stackTrace": stack_trace if stack_trace else [],
    }


def _user_frames(tb):
    """Traceback entries as (file, line, name, text) tuples, with the
    runtime's own leading frames removed."""
    import traceback

    frames = [(f.filename, f.lineno, f.name, f.line) for f in traceback.extract_tb(tb)]
    for i in range(len(frames)):
        if "/bootstrap.py" not in frames[i][0]:
            return frames[i:]
    return frames


def build_fault_result(exc_info, msg, invoke_id=None):
    """Error document for an exception raised by user code."""
    import traceback

    etype, value, tb = exc_info
    return make_error(
        msg if msg else str(value),
        etype.__name__,
        traceback.format_list(_user_frames(tb)),
        invoke_id,
    )


# --------------------------------------------------------------------------
# JSON (de)serialisation
# --------------------------------------------------------------------------


class _DecimalNumber(float):
    """A float carrying the exact text of a decimal.Decimal for the encoder."""

    def __new__(cls, dec):
        self = float.__new__(cls, float(dec))
        self.text = str(dec)
        return self


class _NeedsDecimalEncoding(Exception):
    pass


class _Encoder(json.JSONEncoder):
    """json.JSONEncoder configured like AWS's encoder: ", "/": " separators,
    ASCII escapes (except on the python3.12 runtime), and decimal.Decimal
    values written as plain JSON numbers."""

    def __init__(self, decimals=False):
        ensure_ascii = os.environ.get("AWS_EXECUTION_ENV") != "AWS_Lambda_python3.12"
        super().__init__(ensure_ascii=ensure_ascii)
        self._decimals = decimals

    def default(self, o):
        dec_module = sys.modules.get("decimal")
        if dec_module is not None and isinstance(o, dec_module.Decimal):
            if not self._decimals:
                raise _NeedsDecimalEncoding()
            if o.is_nan():
                return float("nan")
            return _DecimalNumber(o)
        return super().default(o)

    def encode_with_decimals(self, o):
        # The C accelerator writes float subclasses through float.__repr__,
        # so decimals go through the pure Python encoder with a number
        # formatter that knows about _DecimalNumber.
        from json import encoder as json_encoder

        inf = float("inf")

        def floatstr(value):
            if isinstance(value, _DecimalNumber):
                return value.text
            if value != value:
                return "NaN"
            if value == inf:
                return "Infinity"
            if value == -inf:
                return "-Infinity"
            return float.__repr__(value)

        string_encoder = (
            json_encoder.encode_basestring_ascii
            if self.ensure_ascii
            else json_encoder.encode_basestring
        )
        chunks = json_encoder._make_iterencode(
            {}, self.default, string_encoder, None, floatstr,
            self.key_separator, self.item_separator, False, False, True,
        )(o, 0)
        return "".join(chunks)


def to_json(obj):
    try:
        return _Encoder().encode(obj)
    except _NeedsDecimalEncoding:
        return _Encoder(decimals=True).encode_with_decimals(obj)


def unmarshal_event(body, content_type):
    if content_type is not None and content_type.split(";")[0].strip() != "application/json":
        return body
    try:
        return json.loads(body)
    except Exception as e:
        raise FaultException(
            FaultException.UNMARSHAL_ERROR,
            "Unable to unmarshal input: {}".format(str(e)),
            None,
        )


def marshal_response(response):
    """Returns (body bytes, content type)."""
    if isinstance(response, bytes):
        return response, "application/unknown"
    try:
        return to_json(response).encode("utf-8"), "application/json"
    except Exception as e:
        raise FaultException(
            FaultException.MARSHAL_ERROR,
            "Unable to marshal response: {}".format(str(e)),
            None,
        )


# --------------------------------------------------------------------------
# Runtime API client
# --------------------------------------------------------------------------


def _quote_path_segment(segment):
    safe = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~"
    if all(c in safe for c in segment):
        return segment
    return "".join(c if c in safe else "".join("%%%02X" % b for b in c.encode("utf-8")) for c in segment)


def _header_value(value):
    # Header values must not break the request framing.
    return "".join(c for c in str(value) if c == "\t" or " " <= c <= "~")


class RuntimeClient:
    """HTTP/1.1 client for the Runtime API over one persistent connection."""

    def __init__(self, address):
        host, _, port = address.rpartition(":")
        if host.startswith("[") and host.endswith("]"):
            host = host[1:-1]
        self.address = (host or "127.0.0.1", int(port))
        self.host_header = address
        self.user_agent = "aws-lambda-python/{}.{}.{}".format(*sys.version_info[:3])
        self.sock = None
        self.rfile = None

    # -- transport --------------------------------------------------------

    def _connect(self):
        sock = socket.create_connection(self.address)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock = sock
        self.rfile = sock.makefile("rb")

    def _close(self):
        for closeable in (self.rfile, self.sock):
            if closeable is not None:
                try:
                    closeable.close()
                except OSError:
                    pass
        self.sock = None
        self.rfile = None

    def request(self, method, path, body=None, headers=None):
        """Sends one request; returns (status, headers with lower-case names,
        body bytes). A reused connection that turns out to be closed is
        re-opened once."""
        lines = [
            "{} {} HTTP/1.1".format(method, path),
            "Host: " + self.host_header,
            "User-Agent: " + self.user_agent,
        ]
        if body is not None:
            lines.append("Content-Length: {}".format(len(body)))
        for name, value in (headers or {}).items():
            lines.append("{}: {}".format(name, _header_value(value)))
        data = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        if body:
            data += body

        for attempt in (1, 2):
            fresh = self.sock is None
            if fresh:
                self._connect()
            try:
                self.sock.sendall(data)
                status_line = self.rfile.readline(65537)
                if not status_line:
                    raise ConnectionResetError("Runtime API closed the connection")
            except OSError:
                self._close()
                if fresh or attempt == 2:
                    raise
                continue
            return self._read_response(status_line)

    def _read_response(self, status_line):
        rfile = self.rfile
        while True:
            parts = status_line.split(None, 2)
            if len(parts) < 2 or not parts[0].startswith(b"HTTP/"):
                self._close()
                raise RuntimeApiError("malformed status line from Runtime API: {!r}".format(status_line))
            version, status = parts[0], int(parts[1])
            headers = {}
            while True:
                line = rfile.readline(65537)
                if not line:
                    self._close()
                    raise ConnectionResetError("Runtime API closed the connection")
                if line in (b"\r\n", b"\n"):
                    break
                name, _, value = line.partition(b":")
                try:
                    text = value.strip().decode("utf-8")
                except UnicodeDecodeError:
                    text = value.strip().decode("latin-1")
                headers[name.strip().decode("latin-1").lower()] = text
            if 100 <= status < 200:  # interim response, the real one follows
                status_line = rfile.readline(65537)
                continue
            break

        if "chunked" in headers.get("transfer-encoding", "").lower():
            chunks = []
            while True:
                size_line = rfile.readline(65537)
                if not size_line:
                    raise ConnectionResetError("Runtime API closed the connection")
                size = int(size_line.split(b";")[0].strip(), 16)
                if size == 0:
                    while rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    break
                chunks.append(rfile.read(size))
                rfile.readline(65537)
            body = b"".join(chunks)
        elif "content-length" in headers:
            length = int(headers["content-length"])
            body = rfile.read(length)
            if len(body) < length:
                self._close()
                raise ConnectionResetError("Runtime API closed the connection")
        elif status in (204, 304):
            body = b""
        else:
            body = rfile.read()
            self._close()

        connection = headers.get("connection", "").lower()
        if connection == "close" or (version == b"HTTP/1.0" and connection != "keep-alive"):
            self._close()
        return status, headers, body

    # -- Runtime API calls --------------------------------------------------

    def wait_next_invocation(self):
        status, headers, body = self.request("GET", API_PREFIX + "/invocation/next")
        if status != 200:
            raise RuntimeApiError(
                "Request to Lambda Runtime 'next' endpoint failed. Reason: '{}'. Response body: '{}'".format(
                    status, body.decode("utf-8", "replace")
                )
            )
        return headers, body

    def post_init_error(self, error_result):
        self.request(
            "POST",
            API_PREFIX + "/init/error",
            to_json(error_result).encode("utf-8"),
            {ERROR_TYPE_HEADER: error_result["errorType"], "Content-Type": "application/json"},
        )

    def post_invocation_result(self, invoke_id, body, content_type):
        # A rejected result (e.g. too large) is the host's to report; the
        # loop carries on with the next invocation.
        self.request(
            "POST",
            API_PREFIX + "/invocation/" + _quote_path_segment(invoke_id) + "/response",
            body,
            {"Content-Type": content_type},
        )

    def post_invocation_error(self, invoke_id, error_result):
        self.request(
            "POST",
            API_PREFIX + "/invocation/" + _quote_path_segment(invoke_id) + "/error",
            to_json(error_result).encode("utf-8"),
            {ERROR_TYPE_HEADER: error_result["errorType"], "Content-Type": "application/json"},
        )


# --------------------------------------------------------------------------
# Context object
# --------------------------------------------------------------------------


class LambdaContext(object):
    def __init__(self, invoke_id, client_context, cognito_identity,
                 epoch_deadline_time_in_ms, invoked_function_arn=None, tenant_id=None):
        self.aws_request_id = invoke_id
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
        # A string, as the AWS client provides it.
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.invoked_function_arn = invoked_function_arn
        self.tenant_id = tenant_id

        self.client_context = make_obj_from_dict(ClientContext, client_context)
        if self.client_context is not None:
            self.client_context.client = make_obj_from_dict(Client, self.client_context.client)

        self.identity = make_obj_from_dict(CognitoIdentity, {})
        if cognito_identity is not None:
            self.identity.cognito_identity_id = cognito_identity.get("cognitoIdentityId")
            self.identity.cognito_identity_pool_id = cognito_identity.get("cognitoIdentityPoolId")

        self._epoch_deadline_time_in_ms = epoch_deadline_time_in_ms

    def get_remaining_time_in_millis(self):
        epoch_now_in_ms = int(time.time() * 1000)
        delta_ms = self._epoch_deadline_time_in_ms - epoch_now_in_ms
        return delta_ms if delta_ms > 0 else 0

    def log(self, msg):
        for handler in logging.getLogger().handlers:
            if hasattr(handler, "log_sink"):
                handler.log_sink.log(str(msg))
                return
        sys.stdout.write(str(msg))

    def __repr__(self):
        return (
            f"{self.__class__.__name__}(["
            f"aws_request_id={self.aws_request_id},"
            f"log_group_name={self.log_group_name},"
            f"log_stream_name={self.log_stream_name},"
            f"function_name={self.function_name},"
            f"memory_limit_in_mb={self.memory_limit_in_mb},"
            f"function_version={self.function_version},"
            f"invoked_function_arn={self.invoked_function_arn},"
            f"client_context={self.client_context},"
            f"identity={self.identity},"
            f"tenant_id={self.tenant_id}"
            "])"
        )


class CognitoIdentity(object):
    __slots__ = ["cognito_identity_id", "cognito_identity_pool_id"]

    def __repr__(self):
        return (
            f"{self.__class__.__name__}(["
            f"cognito_identity_id={self.cognito_identity_id},"
            f"cognito_identity_pool_id={self.cognito_identity_pool_id}"
            "])"
        )


class Client(object):
    __slots__ = [
        "installation_id",
        "app_title",
        "app_version_name",
        "app_version_code",
        "app_package_name",
    ]

    def __repr__(self):
        return (
            f"{self.__class__.__name__}(["
            f"installation_id={self.installation_id},"
            f"app_title={self.app_title},"
            f"app_version_name={self.app_version_name},"
            f"app_version_code={self.app_version_code},"
            f"app_package_name={self.app_package_name}"
            "])"
        )


class ClientContext(object):
    __slots__ = ["custom", "env", "client"]

    def __repr__(self):
        return (
            f"{self.__class__.__name__}(["
            f"custom={self.custom},"
            f"env={self.env},"
            f"client={self.client}"
            "])"
        )


def make_obj_from_dict(_class, _dict):
    if _dict is None:
        return None
    obj = _class()
    for field in _class.__slots__:
        setattr(obj, field, _dict.get(field, None))
    return obj


def parse_json_header(header, name):
    try:
        return json.loads(header)
    except Exception as e:
        raise FaultException(
            FaultException.LAMBDA_CONTEXT_UNMARSHAL_ERROR,
            "Unable to parse {} JSON: {}".format(name, str(e)),
            None,
        )


def create_lambda_context(client_context_json, cognito_identity_json, epoch_deadline_time_in_ms,
                          invoke_id, invoked_function_arn, tenant_id):
    client_context = None
    if client_context_json:
        client_context = parse_json_header(client_context_json, "Client Context")
    cognito_identity = None
    if cognito_identity_json:
        cognito_identity = parse_json_header(cognito_identity_json, "Cognito Identity")
    return LambdaContext(invoke_id, client_context, cognito_identity,
                         epoch_deadline_time_in_ms, invoked_function_arn, tenant_id)


# --------------------------------------------------------------------------
# Logging
# --------------------------------------------------------------------------

_GLOBAL_AWS_REQUEST_ID = None
_GLOBAL_TENANT_ID = None


class Unbuffered(object):
    """Wraps sys.stdout/sys.stderr so every write reaches the pipe at once."""

    def __init__(self, stream):
        self.stream = stream

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc_value, exc_tb):
        pass

    def __getattr__(self, attr):
        return getattr(self.stream, attr)

    def write(self, msg):
        self.stream.write(msg)
        self.stream.flush()

    def writelines(self, msgs):
        self.stream.writelines(msgs)
        self.stream.flush()


class StandardLogSink(object):
    """Log records go to stdout; a multi-line error record is one line with
    "\\r" separating its lines."""

    def log(self, msg, frame_type=None):
        sys.stdout.write(msg)

    def log_error(self, message_lines):
        sys.stdout.write(ERROR_LOG_LINE_TERMINATE.join(message_lines) + "\n")


class LambdaLoggerHandler(logging.Handler):
    def __init__(self, log_sink):
        logging.Handler.__init__(self)
        self.log_sink = log_sink

    def emit(self, record):
        msg = self.format(record)
        self.log_sink.log(msg)


class LambdaLoggerFilter(logging.Filter):
    def filter(self, record):
        record.aws_request_id = _GLOBAL_AWS_REQUEST_ID or ""
        record.tenant_id = _GLOBAL_TENANT_ID
        return True


_RESERVED_FIELDS = {
    "name", "msg", "args", "levelname", "levelno", "pathname", "filename",
    "module", "exc_info", "exc_text", "stack_info", "lineno", "funcName",
    "created", "msecs", "relativeCreated", "thread", "threadName",
    "processName", "process", "aws_request_id", "tenant_id", "_frame_type",
}


def _format_log_level(record):
    return min(50, max(0, record.levelno)) // 10 * 10


class JsonFormatter(logging.Formatter):
    """One JSON object per record, used when AWS_LAMBDA_LOG_FORMAT=JSON."""

    def __init__(self):
        super().__init__(datefmt=_DATETIME_FORMAT)
        self._encode = json.JSONEncoder(ensure_ascii=False).encode

    def formatTime(self, record, datefmt=None):
        ct = time.gmtime(record.created)
        return time.strftime(_DATETIME_FORMAT, ct) + ".%03dZ" % int(record.msecs)

    def format(self, record):
        record.levelno = _format_log_level(record)
        record.levelname = logging.getLevelName(record.levelno)
        exc_info = record.exc_info
        stack_trace = error_type = error_message = location = None
        if exc_info:
            import traceback

            stack_trace = traceback.format_tb(exc_info[2])
            error_type = exc_info[0].__name__
            error_message = str(exc_info[1])
            location = f"{record.pathname}:{record.funcName}:{record.lineno}"
        result = {
            "timestamp": self.formatTime(record, self.datefmt),
            "level": record.levelname,
            "message": record.getMessage(),
            "logger": record.name,
            "stackTrace": stack_trace,
            "errorType": error_type,
            "errorMessage": error_message,
            "requestId": getattr(record, "aws_request_id", None),
            "location": location,
        }
        if getattr(record, "tenant_id", None) is not None:
            result["tenantId"] = record.tenant_id
        result.update(
            (key, value)
            for key, value in record.__dict__.items()
            if key not in _RESERVED_FIELDS and key not in result
        )
        result = {k: v for k, v in result.items() if v is not None}
        return self._encode(result) + "\n"


def _log_format_is_json():
    value = os.environ.get("AWS_LAMBDA_LOG_FORMAT")
    return bool(value) and value.upper() == "JSON"


def _log_level_from_env():
    value = os.environ.get("AWS_LAMBDA_LOG_LEVEL")
    return {None: "", "TRACE": "DEBUG"}.get(value, value).upper()


def setup_logging(log_sink):
    """Root logger set-up, as on AWS: UTC timestamps, the request id on every
    record, level left at WARNING unless AWS_LAMBDA_LOG_LEVEL says otherwise."""
    logging.Formatter.converter = time.gmtime
    logger = logging.getLogger()
    handler = LambdaLoggerHandler(log_sink)
    if _log_format_is_json():
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(
            logging.Formatter(
                "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n",
                _DATETIME_FORMAT,
            )
        )
    log_level = _log_level_from_env()
    if log_level in logging._nameToLevel:
        logger.setLevel(log_level)
    handler.addFilter(LambdaLoggerFilter())
    logger.addHandler(handler)


def _replace_line_indentation(line, indent_char, new_indent_char):
    count = 0
    for c in line:
        if c != indent_char:
            break
        count += 1
    return (new_indent_char * count) + line[count:]


def log_error(error_result, log_sink):
    """Writes the error record AWS writes for an unhandled error."""
    if _log_format_is_json():
        record = {
            "timestamp": time.strftime(_DATETIME_FORMAT, time.gmtime()),
            "level": "ERROR",
        }
        record.update(error_result)
        log_sink.log_error([to_json(record)])
        return

    description = "[ERROR]"
    error_type = error_result.get("errorType")
    if error_type:
        description += " " + error_type
    error_message = error_result.get("errorMessage")
    if error_message:
        if error_type:
            description += ":"
        description += " " + error_message

    lines = [description]
    stack_trace = error_result.get("stackTrace")
    if stack_trace is not None:
        lines.append("Traceback (most recent call last):")
        for element in stack_trace:
            if element == "":
                lines.append("")
            else:
                for trace_line in element.splitlines():
                    lines.append(_replace_line_indentation(trace_line, " ", ERROR_LOG_IDENT))
    log_sink.log_error(lines)


def flush_output():
    """Pushes everything written so far into the log pipe."""
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        try:
            if stream is not None:
                stream.flush()
        except Exception:
            pass


# --------------------------------------------------------------------------
# Handler resolution and invocation
# --------------------------------------------------------------------------


def get_handler(handler):
    try:
        modname, fname = handler.rsplit(".", 1)
    except ValueError as e:
        raise FaultException(
            FaultException.MALFORMED_HANDLER_NAME,
            "Bad handler '{}': {}".format(handler, str(e)),
        )

    try:
        if modname.split(".")[0] in sys.builtin_module_names:
            raise FaultException(
                FaultException.BUILT_IN_MODULE_CONFLICT,
                "Cannot use built-in module {} as a handler module".format(modname),
            )
        import importlib

        m = importlib.import_module(modname.replace("/", "."))
    except ImportError as e:
        raise FaultException(
            FaultException.IMPORT_MODULE_ERROR,
            "Unable to import module '{}': {}".format(modname, str(e)),
        )
    except SyntaxError as e:
        trace = ['  File "%s" Line %s\n    %s' % (e.filename, e.lineno, e.text)]
        raise FaultException(
            FaultException.USER_CODE_SYNTAX_ERROR,
            "Syntax error in module '{}': {}".format(modname, str(e)),
            trace,
        )

    try:
        return getattr(m, fname)
    except AttributeError:
        raise FaultException(
            FaultException.HANDLER_NOT_FOUND,
            "Handler '{}' missing on module '{}'".format(fname, modname),
            None,
        )


def update_xray_env_variable(xray_trace_id):
    if xray_trace_id is not None:
        os.environ["_X_AMZN_TRACE_ID"] = xray_trace_id
    elif "_X_AMZN_TRACE_ID" in os.environ:
        del os.environ["_X_AMZN_TRACE_ID"]


def handle_event_request(client, request_handler, invoke_id, event_body, headers, log_sink):
    error_result = None
    try:
        deadline = headers.get("lambda-runtime-deadline-ms")
        lambda_context = create_lambda_context(
            headers.get("lambda-runtime-client-context"),
            headers.get("lambda-runtime-cognito-identity"),
            int(deadline) if deadline else 0,
            invoke_id,
            headers.get("lambda-runtime-invoked-function-arn"),
            headers.get("lambda-runtime-aws-tenant-id"),
        )
        event = unmarshal_event(event_body, headers.get("content-type"))
        response = request_handler(event, lambda_context)
        result, content_type = marshal_response(response)
    except FaultException as e:
        error_result = make_error(e.msg, e.exception_type, e.trace, invoke_id)
    except Exception:
        error_result = build_fault_result(sys.exc_info(), None, invoke_id)

    if error_result is not None:
        log_error(error_result, log_sink)
        flush_output()
        client.post_invocation_error(invoke_id, error_result)
    else:
        flush_output()
        client.post_invocation_result(invoke_id, result, content_type)


def main():
    global _GLOBAL_AWS_REQUEST_ID, _GLOBAL_TENANT_ID

    sys.stdout = Unbuffered(sys.stdout)
    sys.stderr = Unbuffered(sys.stderr)
    log_sink = StandardLogSink()

    handler = os.environ.get("_HANDLER", "")
    task_root = os.environ.get("LAMBDA_TASK_ROOT") or os.getcwd()
    sys.path.insert(0, task_root)
    client = RuntimeClient(os.environ["AWS_LAMBDA_RUNTIME_API"])

    # Init: set up logging and import the handler. A failure is logged,
    # reported to init/error, and ends the process with status 1.
    try:
        setup_logging(log_sink)
        request_handler = get_handler(handler)
    except Exception as e:
        if isinstance(e, FaultException):
            error_result = make_error(e.msg, e.exception_type, e.trace)
        else:
            error_result = build_fault_result(sys.exc_info(), None)
        logging.warning(LAMBDA_UNHANDLED_EXCEPTION_WARNING)
        log_error(error_result, log_sink)
        flush_output()
        client.post_init_error(error_result)
        sys.exit(1)

    # Invoke loop.
    while True:
        headers, body = client.wait_next_invocation()
        invoke_id = headers.get("lambda-runtime-aws-request-id", "")
        _GLOBAL_AWS_REQUEST_ID = invoke_id
        _GLOBAL_TENANT_ID = headers.get("lambda-runtime-aws-tenant-id")
        update_xray_env_variable(headers.get("lambda-runtime-trace-id"))
        handle_event_request(client, request_handler, invoke_id, body, headers, log_sink)


if __name__ == "__main__":
    try:
        main()
    except (RuntimeApiError, OSError) as e:
        # The Runtime API is gone or misbehaving: nothing left to serve.
        flush_output()
        sys.stderr.write("Lambda runtime client error: {}: {}\n".format(type(e).__name__, e))
        sys.exit(1)
