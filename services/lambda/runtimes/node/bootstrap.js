/**
 * Node.js runtime client for ruststack's Lambda emulation.
 *
 * This file is embedded in the ruststack binary and written into the runtime
 * directory at start. One process runs one function instance:
 *
 *     node <runtime dir>/node/bootstrap.js        (cwd = LAMBDA_TASK_ROOT)
 *
 * Environment provided by the host:
 *     AWS_LAMBDA_RUNTIME_API   host:port of the Runtime API (2018-06-01)
 *     _HANDLER                 "path/to/file.export" (the export may be nested: "file.a.b")
 *     LAMBDA_TASK_ROOT         directory holding the extracted function code
 *     NODE_PATH                module search path (task root and layers)
 *     AWS_LAMBDA_FUNCTION_NAME, AWS_LAMBDA_FUNCTION_VERSION,
 *     AWS_LAMBDA_FUNCTION_MEMORY_SIZE, AWS_LAMBDA_LOG_GROUP_NAME,
 *     AWS_LAMBDA_LOG_STREAM_NAME   exposed through the context object
 *     AWS_LAMBDA_LOG_LEVEL     optional console level filter (TRACE..FATAL)
 *     AWS_LAMBDA_LOG_FORMAT    optional, "JSON" switches console output to JSON lines
 *
 * It follows the behaviour of AWS's Node.js runtime interface client: handler
 * resolution (.js/.mjs/.cjs, CommonJS via require, ES modules via import()),
 * async and callback handlers, the context object, console patching, error
 * types, messages and payloads, and the process exit codes.
 *
 * Protocol (plain HTTP/1.1 over a keep-alive connection, built-in http module):
 *     init failure:  POST /2018-06-01/runtime/init/error, then exit(129)
 *                    (exit(128) for an unhandled promise rejection)
 *     loop:          GET  /2018-06-01/runtime/invocation/next
 *                    POST /2018-06-01/runtime/invocation/{id}/response
 *                 or POST /2018-06-01/runtime/invocation/{id}/error
 * Error posts carry the header Lambda-Runtime-Function-Error-Type and the body
 * {"errorType", "errorMessage", "trace": [stack lines]}. An uncaught exception
 * or unhandled rejection during an invocation is posted as that invocation's
 * error and then ends the process (129 / 128).
 *
 * stdout and stderr share one pipe that the host forwards line by line to
 * CloudWatch Logs. Every console call is one line (embedded newlines become
 * "\r"), and both streams are drained before any result is posted, so all
 * output of an invocation is in the pipe when the host sees the POST.
 *
 * Response streaming handlers (awslambda.streamifyResponse) are supported in
 * buffered form: the whole stream is collected and posted as one response
 * with the stream's content type.
 */

'use strict';

const fs = require('fs');
const http = require('http');
const path = require('path');
const util = require('util');
const { Writable } = require('stream');
const { pathToFileURL } = require('url');

const API_PREFIX = '/2018-06-01/runtime';
const ERROR_TYPE_HEADER = 'Lambda-Runtime-Function-Error-Type';

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

class ImportModuleError extends Error {}
class HandlerNotFound extends Error {}
class MalformedHandlerName extends Error {}
class UserCodeSyntaxError extends Error {}
class MalformedStreamingHandler extends Error {}
class InvalidStreamingOperation extends Error {}
class NodeJsExit extends Error {
  constructor() {
    super(
      'The Lambda runtime client detected an unexpected Node.js exit code. This is most commonly caused by a Promise that was never settled. For more information, see https://nodejs.org/docs/latest/api/process.html#exit-codes',
    );
  }
}
class UnhandledPromiseRejection extends Error {
  constructor(reason, promise) {
    super(reason);
    this.reason = reason;
    this.promise = promise;
  }
}

// Runtime errors are reported as "Runtime.<ClassName>".
[
  ImportModuleError,
  HandlerNotFound,
  MalformedHandlerName,
  UserCodeSyntaxError,
  MalformedStreamingHandler,
  InvalidStreamingOperation,
  NodeJsExit,
  UnhandledPromiseRejection,
].forEach((e) => {
  e.prototype.name = `Runtime.${e.name}`;
});

function _isError(obj) {
  return (
    obj &&
    obj.name &&
    obj.message &&
    obj.stack &&
    typeof obj.name === 'string' &&
    typeof obj.message === 'string' &&
    typeof obj.stack === 'string'
  );
}

function intoError(err) {
  return err instanceof Error ? err : new Error(err);
}

/** The error document posted to the Runtime API. */
function toRapidResponse(error) {
  try {
    if (util.types.isNativeError(error) || _isError(error)) {
      return {
        errorType: error.name?.replaceAll('\x7F', '%7F'),
        errorMessage: error.message?.replaceAll('\x7F', '%7F'),
        trace: error.stack.replaceAll('\x7F', '%7F').split('\n'),
      };
    }
    return {
      errorType: typeof error,
      errorMessage: error.toString(),
      trace: [],
    };
  } catch (_err) {
    return {
      errorType: 'handled',
      errorMessage:
        'callback called with Error argument, but there was a problem while retrieving one or more of its message, name, and stack',
    };
  }
}

/**
 * Error name, message, code and stack are not enumerable, so they are added
 * explicitly next to any user-provided enumerable properties.
 */
function _withEnumerableProperties(error) {
  if (error instanceof Error) {
    const ret = Object.assign(
      { errorType: error.name, errorMessage: error.message, code: error.code },
      error,
    );
    if (typeof error.stack == 'string') {
      ret.stack = error.stack.split('\n');
    }
    return ret;
  }
  return error;
}

/** Error text for the log; it always starts with a tab. */
function toFormatted(error) {
  try {
    return '\t' + JSON.stringify(error, (_k, v) => _withEnumerableProperties(v));
  } catch (err) {
    return '\t' + JSON.stringify(toRapidResponse(error));
  }
}

// ---------------------------------------------------------------------------
// Console patching
// ---------------------------------------------------------------------------

/* The current request id lives on the global object under a shared symbol. */
const REQUEST_ID_SYMBOL = Symbol.for('aws.lambda.runtime.requestId');
const setCurrentRequestId = (id) => (global[REQUEST_ID_SYMBOL] = id);
const getCurrentRequestId = () => global[REQUEST_ID_SYMBOL];

const structuredConsole = {};

const jsonErrorReplacer = (_, value) => {
  if (value instanceof Error) {
    return Object.assign(
      {
        errorType: value?.constructor?.name ?? 'UnknownError',
        errorMessage: value.message,
        stackTrace: typeof value.stack === 'string' ? value.stack.split('\n') : value.stack,
      },
      value,
    );
  }
  return value;
};

function formatJsonMessage(requestId, timestamp, level, ...messageParams) {
  const result = { timestamp: timestamp, level: level.name, requestId: requestId };

  if (messageParams.length === 1) {
    result.message = messageParams[0];
    try {
      return JSON.stringify(result, jsonErrorReplacer);
    } catch (_) {
      result.message = util.format(result.message);
      return JSON.stringify(result);
    }
  }

  result.message = util.format(...messageParams);
  for (const param of messageParams) {
    if (param instanceof Error) {
      result.errorType = param?.constructor?.name ?? 'UnknownError';
      result.errorMessage = param.message;
      result.stackTrace = typeof param.stack === 'string' ? param.stack.split('\n') : [];
      break;
    }
  }
  return JSON.stringify(result);
}

/** `<ISO time>\t<request id>\t<LEVEL>\t<message>`, one write per call. */
function logTextToStdout(level, message, ...params) {
  const time = new Date().toISOString();
  const requestId = getCurrentRequestId();
  let line = `${time}\t${requestId}\t${level.name}\t${util.format(message, ...params)}`;
  line = line.replace(/\n/g, '\r');
  process.stdout.write(line + '\n');
}

function logJsonToStdout(level, message, ...params) {
  const time = new Date().toISOString();
  const requestId = getCurrentRequestId();
  let line = formatJsonMessage(requestId, time, level, message, ...params);
  line = line.replace(/\n/g, '\r');
  process.stdout.write(line + '\n');
}

/** Replaces the console methods, honouring AWS_LAMBDA_LOG_LEVEL. */
function patchConsoleWith(log) {
  const NopLog = (_message, ..._params) => {};
  const levels = Object.freeze({
    TRACE: { name: 'TRACE', priority: 1 },
    DEBUG: { name: 'DEBUG', priority: 2 },
    INFO: { name: 'INFO', priority: 3 },
    WARN: { name: 'WARN', priority: 4 },
    ERROR: { name: 'ERROR', priority: 5 },
    FATAL: { name: 'FATAL', priority: 6 },
  });
  const minLevel = levels[process.env['AWS_LAMBDA_LOG_LEVEL']?.toUpperCase()] ?? levels.TRACE;
  const logAt = (level) =>
    level.priority >= minLevel.priority ? (msg, ...params) => log(level, msg, ...params) : NopLog;

  console.trace = logAt(levels.TRACE);
  console.debug = logAt(levels.DEBUG);
  console.info = logAt(levels.INFO);
  console.log = console.info;
  console.warn = logAt(levels.WARN);
  console.error = logAt(levels.ERROR);
  console.fatal = (msg, ...params) => log(levels.FATAL, msg, ...params);
}

function patchConsole() {
  const isJson = process.env['AWS_LAMBDA_LOG_FORMAT']?.toUpperCase() === 'JSON';
  patchConsoleWith(isJson ? logJsonToStdout : logTextToStdout);
  structuredConsole.logError = isJson
    ? (_, err) => console.error(intoError(err))
    : (msg, err) => console.error(msg, toFormatted(intoError(err)));
}

/** Calls `callback` once everything written to stdout/stderr is in the pipe. */
function whenOutputFlushed(callback) {
  const streams = [process.stdout, process.stderr].filter(
    (s) => s.writable && s.writableLength > 0,
  );
  if (streams.length === 0) {
    callback();
    return;
  }
  let pending = streams.length;
  for (const s of streams) {
    s.write('', () => {
      if (--pending === 0) callback();
    });
  }
}

// ---------------------------------------------------------------------------
// Runtime API client
// ---------------------------------------------------------------------------

function _headerValue(value) {
  // Header values must be printable ASCII to keep the request valid.
  return String(value).replace(/[^\t\x20-\x7e]/g, '');
}

/** Serialises a result, failing with AWS's message when it cannot. */
function _trySerializeResponse(body) {
  try {
    return JSON.stringify(body === undefined ? null : body);
  } catch (err) {
    throw new Error('Unable to stringify response body');
  }
}

class RAPIDClient {
  constructor(hostnamePort) {
    const sep = hostnamePort.lastIndexOf(':');
    this.hostname = hostnamePort.slice(0, sep).replace(/^\[(.*)\]$/, '$1');
    this.port = parseInt(hostnamePort.slice(sep + 1), 10);
    // One keep-alive connection in normal operation; an idle socket does not
    // keep the event loop alive.
    this.agent = new http.Agent({ keepAlive: true });
    this.userAgent = `aws-lambda-nodejs/${process.version}`;
  }

  /** Resolves to {bodyJson, headers} for the next invocation. */
  async nextInvocation() {
    const res = await this._request('GET', `${API_PREFIX}/invocation/next`);
    if (res.statusCode !== 200) {
      throw new Error(
        `Failed to get next invocation: status ${res.statusCode}, body ${res.body}`,
      );
    }
    return { bodyJson: res.body, headers: res.headers };
  }

  /** Posts a result; throws synchronously if it cannot be serialised. */
  postInvocationResponse(response, id, callback) {
    const bodyString = _trySerializeResponse(response);
    this._post(
      `${API_PREFIX}/invocation/${encodeURIComponent(id)}/response`,
      bodyString,
      { 'Content-Type': 'application/json' },
      callback,
    );
  }

  /** Posts a raw (streamed, buffered) response body. */
  postInvocationRawResponse(body, contentType, id, callback) {
    this._post(
      `${API_PREFIX}/invocation/${encodeURIComponent(id)}/response`,
      body,
      { 'Content-Type': contentType },
      callback,
    );
  }

  postInvocationError(error, id, callback) {
    const response = toRapidResponse(error);
    this._post(
      `${API_PREFIX}/invocation/${encodeURIComponent(id)}/error`,
      _trySerializeResponse(response),
      { 'Content-Type': 'application/json', [ERROR_TYPE_HEADER]: response.errorType },
      callback,
    );
  }

  postInitError(error, callback) {
    const response = toRapidResponse(error);
    this._post(
      `${API_PREFIX}/init/error`,
      _trySerializeResponse(response),
      { 'Content-Type': 'application/json', [ERROR_TYPE_HEADER]: response.errorType },
      callback,
    );
  }

  /**
   * Drains stdout/stderr, then posts. A status other than 2xx (e.g. a
   * rejected oversized response) is the host's to report, so the loop goes
   * on; a failed connection means the host is gone and ends the process.
   */
  _post(urlPath, body, headers, callback) {
    whenOutputFlushed(() => {
      this._request('POST', urlPath, body, headers).then(
        () => callback(),
        (err) => _runtimeApiFailure(err),
      );
    });
  }

  _request(method, urlPath, body, headers, isRetry = false) {
    return new Promise((resolve, reject) => {
      const allHeaders = { 'User-Agent': this.userAgent };
      for (const [k, v] of Object.entries(headers || {})) {
        if (v !== undefined) allHeaders[k] = _headerValue(v);
      }
      if (body !== undefined) {
        allHeaders['Content-Length'] = Buffer.byteLength(body);
      }
      const req = http.request(
        {
          hostname: this.hostname,
          port: this.port,
          path: urlPath,
          method: method,
          headers: allHeaders,
          agent: this.agent,
        },
        (res) => {
          const chunks = [];
          res.on('data', (chunk) => chunks.push(chunk));
          res.on('end', () =>
            resolve({
              statusCode: res.statusCode,
              headers: res.headers,
              body: Buffer.concat(chunks).toString('utf-8'),
            }),
          );
          res.on('error', reject);
        },
      );
      req.on('error', (err) => {
        // A kept-alive connection may have been closed by the server just as
        // it was reused; that request never reached the server.
        if (req.reusedSocket && !isRetry && (err.code === 'ECONNRESET' || err.code === 'EPIPE')) {
          this._request(method, urlPath, body, headers, true).then(resolve, reject);
        } else {
          reject(err);
        }
      });
      req.end(body);
    });
  }
}

function _runtimeApiFailure(err) {
  process.stderr.write(`Lambda runtime client error: ${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
}

// ---------------------------------------------------------------------------
// Invocation context
// ---------------------------------------------------------------------------

const INVOKE_HEADER = {
  ClientContext: 'lambda-runtime-client-context',
  CognitoIdentity: 'lambda-runtime-cognito-identity',
  ARN: 'lambda-runtime-invoked-function-arn',
  AWSRequestId: 'lambda-runtime-aws-request-id',
  DeadlineMs: 'lambda-runtime-deadline-ms',
  XRayTrace: 'lambda-runtime-trace-id',
  TenantId: 'lambda-runtime-aws-tenant-id',
};

function _parseJson(jsonString, name) {
  if (jsonString === undefined) return undefined;
  try {
    return JSON.parse(jsonString);
  } catch (err) {
    throw new Error(`Cannot parse ${name} as json: ${err.toString()}`);
  }
}

class InvokeContext {
  constructor(headers) {
    this.headers = {};
    for (const key of Object.keys(headers)) {
      this.headers[key.toLowerCase()] = headers[key];
    }
  }

  get invokeId() {
    const id = this.headers[INVOKE_HEADER.AWSRequestId];
    require('assert').strict.ok(id, 'invocation id is missing or invalid');
    return id;
  }

  updateLoggingContext() {
    setCurrentRequestId(this.invokeId);
  }

  /** Adds the invocation data to the context object (may throw on bad headers). */
  attachEnvironmentData(callbackContext) {
    this._forwardXRay();
    return Object.assign(callbackContext, this._environmentalData(), this._headerData());
  }

  _environmentalData() {
    return {
      functionVersion: process.env['AWS_LAMBDA_FUNCTION_VERSION'],
      functionName: process.env['AWS_LAMBDA_FUNCTION_NAME'],
      memoryLimitInMB: process.env['AWS_LAMBDA_FUNCTION_MEMORY_SIZE'],
      logGroupName: process.env['AWS_LAMBDA_LOG_GROUP_NAME'],
      logStreamName: process.env['AWS_LAMBDA_LOG_STREAM_NAME'],
    };
  }

  _headerData() {
    const deadline = Number(this.headers[INVOKE_HEADER.DeadlineMs]);
    return {
      clientContext: _parseJson(this.headers[INVOKE_HEADER.ClientContext], 'ClientContext'),
      identity: _parseJson(this.headers[INVOKE_HEADER.CognitoIdentity], 'CognitoIdentity'),
      invokedFunctionArn: this.headers[INVOKE_HEADER.ARN],
      awsRequestId: this.headers[INVOKE_HEADER.AWSRequestId],
      tenantId: this.headers[INVOKE_HEADER.TenantId],
      getRemainingTimeInMillis: function () {
        return deadline - Date.now();
      },
    };
  }

  _forwardXRay() {
    if (this.headers[INVOKE_HEADER.XRayTrace]) {
      process.env['_X_AMZN_TRACE_ID'] = this.headers[INVOKE_HEADER.XRayTrace];
    } else {
      delete process.env['_X_AMZN_TRACE_ID'];
    }
  }
}

// ---------------------------------------------------------------------------
// beforeExit hook: runs when the event loop has nothing left to do
// ---------------------------------------------------------------------------

const LISTENER_SYMBOL = Symbol.for('aws.lambda.beforeExit');
const NO_OP_LISTENER = () => {};
const BeforeExitListener = {
  invoke: () => global[LISTENER_SYMBOL](),
  reset: () => (global[LISTENER_SYMBOL] = NO_OP_LISTENER),
  set: (listener) => (global[LISTENER_SYMBOL] = listener),
};

// ---------------------------------------------------------------------------
// Callback context: callback(err, result), context.succeed/fail/done
// ---------------------------------------------------------------------------

function _rawCallbackContext(client, id, scheduleNext) {
  const postError = (err, callback) => {
    structuredConsole.logError('Invoke Error', err);
    client.postInvocationError(err, id, callback);
  };

  let isCompleteInvoked = false;
  const complete = (result, callback) => {
    if (isCompleteInvoked) {
      console.error(
        'Invocation has already been reported as done. Cannot call complete more than once per invocation.',
      );
      return;
    }
    isCompleteInvoked = true;
    client.postInvocationResponse(result, id, callback);
  };

  let waitForEmptyEventLoop = true;

  // With callbackWaitsForEmptyEventLoop (the default) a successful callback
  // result is only posted once the event loop is empty.
  const callback = function (err, result) {
    BeforeExitListener.reset();
    if (err !== undefined && err !== null) {
      postError(err, scheduleNext);
    } else if (!waitForEmptyEventLoop) {
      complete(result, scheduleNext);
    } else {
      BeforeExitListener.set(() => {
        setImmediate(() => {
          complete(result, scheduleNext);
        });
      });
    }
  };

  const done = (err, result) => {
    BeforeExitListener.reset();
    if (err !== undefined && err !== null) {
      postError(err, scheduleNext);
    } else {
      complete(result, scheduleNext);
    }
  };
  const succeed = (result) => {
    done(null, result);
  };
  const fail = (err) => {
    if (err === undefined || err === null) {
      done('handled');
    } else {
      done(err, null);
    }
  };

  const callbackContext = {
    get callbackWaitsForEmptyEventLoop() {
      return waitForEmptyEventLoop;
    },
    set callbackWaitsForEmptyEventLoop(value) {
      waitForEmptyEventLoop = value;
    },
    succeed: succeed,
    fail: fail,
    done: done,
  };

  const markCompleted = function () {
    isCompleteInvoked = true;
  };
  return [callback, callbackContext, markCompleted];
}

/** Only the first call to any of callback/succeed/fail/done has an effect. */
function _wrappedCallbackContext(callback, callbackContext, markCompleted) {
  let finished = false;
  const onlyAllowFirstCall = function (toWrap) {
    return function () {
      if (!finished) {
        toWrap.apply(null, arguments);
        finished = true;
      }
    };
  };

  callbackContext.succeed = onlyAllowFirstCall(callbackContext.succeed);
  callbackContext.fail = onlyAllowFirstCall(callbackContext.fail);
  callbackContext.done = onlyAllowFirstCall(callbackContext.done);

  return [onlyAllowFirstCall(callback), callbackContext, markCompleted];
}

function buildCallbackContext(client, id, scheduleNext) {
  return _wrappedCallbackContext(..._rawCallbackContext(client, id, scheduleNext));
}

// ---------------------------------------------------------------------------
// Response streaming (buffered)
// ---------------------------------------------------------------------------

const HANDLER_STREAMING = Symbol.for('aws.lambda.runtime.handler.streaming');
const HANDLER_HIGHWATERMARK = Symbol.for('aws.lambda.runtime.handler.streaming.highWaterMark');
const STREAM_RESPONSE = 'response';
const DEFAULT_STREAM_CONTENT_TYPE = 'application/octet-stream';

class HttpResponseStream {
  /** Prefixes the stream with a JSON prelude and 8 NUL bytes (Function URLs). */
  static from(underlyingStream, prelude) {
    underlyingStream.setContentType('application/vnd.awslambda.http-integration-response');
    const metadataPrelude = JSON.stringify(prelude);
    underlyingStream._onBeforeFirstWrite = (write) => {
      write(metadataPrelude);
      write(new Uint8Array(8));
    };
    return underlyingStream;
  }
}

/** A writable response stream that keeps everything written to it. */
function createBufferedResponseStream() {
  const chunks = [];
  let contentType = DEFAULT_STREAM_CONTENT_TYPE;
  let started = false;
  const push = (chunk) =>
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk));
  const begin = (stream) => {
    if (!started) {
      started = true;
      if (typeof stream._onBeforeFirstWrite === 'function') stream._onBeforeFirstWrite(push);
    }
  };
  const stream = new Writable({
    write(chunk, _encoding, cb) {
      begin(stream);
      push(chunk);
      cb();
    },
    final(cb) {
      begin(stream);
      cb();
    },
  });
  stream.setContentType = (value) => {
    if (started) {
      throw new InvalidStreamingOperation('Cannot set content-type, too late.');
    }
    contentType = value;
  };
  stream.body = () => Buffer.concat(chunks);
  stream.contentType = () => contentType;
  return stream;
}

// ---------------------------------------------------------------------------
// Invoke loop
// ---------------------------------------------------------------------------

function _isPromise(obj) {
  return obj && obj.then && typeof obj.then === 'function';
}

class Runtime {
  constructor(client, handler, handlerMetadata, errorCallbacks) {
    this.client = client;
    this.handler = handler;
    this.handlerMetadata = handlerMetadata;
    this.errorCallbacks = errorCallbacks;
    this.handleOnce =
      handlerMetadata.streaming === STREAM_RESPONSE
        ? this.handleOnceStreaming
        : this.handleOnceNonStreaming;
  }

  /** Starts the next iteration at the beginning of the next loop turn. */
  scheduleIteration() {
    setImmediate(() => {
      this.handleOnce().then(
        // Completion schedules the next iteration itself (callbacks, or the
        // beforeExit listener).
        () => {},
        (err) => {
          console.log(`Unexpected Top Level Error: ${err.toString()}`);
          this.errorCallbacks.uncaughtException(err);
        },
      );
    });
  }

  async handleOnceNonStreaming() {
    const { bodyJson, headers } = await this.client.nextInvocation();
    const invokeContext = new InvokeContext(headers);
    invokeContext.updateLoggingContext();

    const [callback, callbackContext, markCompleted] = buildCallbackContext(
      this.client,
      invokeContext.invokeId,
      this.scheduleIteration.bind(this),
    );

    try {
      this._setErrorCallbacks(invokeContext.invokeId);
      this._setDefaultExitListener(invokeContext.invokeId, markCompleted, this.handlerMetadata.isAsync);

      const result = this.handler(
        JSON.parse(bodyJson),
        invokeContext.attachEnvironmentData(callbackContext),
        callback,
      );

      if (_isPromise(result)) {
        result.then(callbackContext.succeed, callbackContext.fail).catch(callbackContext.fail);
      }
    } catch (err) {
      callback(err);
    }
  }

  async handleOnceStreaming() {
    const { bodyJson, headers } = await this.client.nextInvocation();
    const invokeContext = new InvokeContext(headers);
    invokeContext.updateLoggingContext();
    const id = invokeContext.invokeId;
    const scheduleNext = this.scheduleIteration.bind(this);

    let reported = false;
    const fail = (err) => {
      if (reported) return;
      reported = true;
      structuredConsole.logError('Invoke Error', err);
      this.client.postInvocationError(err, id, scheduleNext);
    };

    const responseStream = createBufferedResponseStream();
    try {
      this._setErrorCallbacks(id);
      BeforeExitListener.set(() => {
        if (!reported) fail(new NodeJsExit());
      });

      const ctx = invokeContext.attachEnvironmentData({});
      const handlerResult = this.handler(JSON.parse(bodyJson), responseStream, ctx);
      if (!_isPromise(handlerResult)) {
        fail('Streaming does not support non-async handlers.');
        return;
      }

      const result = await handlerResult;
      if (typeof result !== 'undefined') {
        console.warn('Streaming handlers ignore return values.');
      }
      if (responseStream.writableEnded && !responseStream.writableFinished) {
        await new Promise((resolve) => responseStream.once('finish', resolve));
      }
      if (!responseStream.writableFinished) {
        fail('Response stream is not finished.');
        return;
      }
      reported = true;
      BeforeExitListener.reset();
      this.client.postInvocationRawResponse(
        responseStream.body(),
        responseStream.contentType(),
        id,
        scheduleNext,
      );
    } catch (err) {
      fail(err);
    }
  }

  /** During an invocation, fatal errors are reported against it. */
  _setErrorCallbacks(invokeId) {
    this.errorCallbacks.uncaughtException = (error) => {
      this.client.postInvocationError(error, invokeId, () => {
        process.exit(129);
      });
    };
    this.errorCallbacks.unhandledRejection = (error) => {
      this.client.postInvocationError(error, invokeId, () => {
        process.exit(128);
      });
    };
  }

  /**
   * If the event loop empties before the handler reported anything: an async
   * handler (whose promise never settled) fails with Runtime.NodeJsExit; a
   * non-async handler that never called its callback succeeds with null.
   */
  _setDefaultExitListener(invokeId, markCompleted, isAsync) {
    BeforeExitListener.set(() => {
      markCompleted();
      if (isAsync) {
        const nodeJsExitError = new NodeJsExit();
        structuredConsole.logError('Invoke Error', nodeJsExitError);
        this.client.postInvocationError(nodeJsExitError, invokeId, () => this.scheduleIteration());
      } else {
        this.client.postInvocationResponse(null, invokeId, () => this.scheduleIteration());
      }
    });
  }
}

// ---------------------------------------------------------------------------
// Loading the user's handler
// ---------------------------------------------------------------------------

const FUNCTION_EXPR = /^([^.]*)\.(.*)$/;
const RELATIVE_PATH_SUBSTRING = '..';

/** './some/path/module.nested.handler' -> ['./some/path/', 'module.nested.handler'] */
function _moduleRootAndHandler(fullHandlerString) {
  const handlerString = path.basename(fullHandlerString);
  const moduleRoot = fullHandlerString.substring(0, fullHandlerString.indexOf(handlerString));
  return [moduleRoot, handlerString];
}

/** 'module.nested.handler' -> ['module', 'nested.handler'] */
function _splitHandlerString(handler) {
  const match = handler.match(FUNCTION_EXPR);
  if (!match || match.length != 3) {
    throw new MalformedHandlerName('Bad handler');
  }
  return [match[1], match[2]];
}

function _resolveHandler(object, nestedProperty) {
  return nestedProperty.split('.').reduce((nested, key) => nested && nested[key], object);
}

function _tryRequireFile(file, extension) {
  const p = file + (extension || '');
  return fs.existsSync(p) ? require(p) : undefined;
}

async function _tryAwaitImport(file, extension) {
  const p = file + (extension || '');
  if (fs.existsSync(p)) {
    return await import(pathToFileURL(p).href);
  }
  return undefined;
}

/** True when the nearest package.json above `folder` says "type": "module". */
function _hasFolderPackageJsonTypeModule(folder) {
  if (folder.endsWith('/node_modules')) {
    return false;
  }
  const pj = path.join(folder, '/package.json');
  if (fs.existsSync(pj)) {
    try {
      const pkg = JSON.parse(fs.readFileSync(pj));
      if (pkg) {
        return pkg.type === 'module';
      }
    } catch (e) {
      console.warn(
        `${pj} cannot be read, it will be ignored for ES module detection purposes.`,
        e,
      );
      return false;
    }
  }
  if (folder === '/') {
    return false;
  }
  return _hasFolderPackageJsonTypeModule(path.resolve(folder, '..'));
}

/**
 * Loads the module: an extensionless file, then (unless package.json says
 * "type": "module") <name>.js via require, then <name>.js as an ES module
 * (type module), <name>.mjs via import(), <name>.cjs via require, and
 * finally the general require resolution from the task root.
 */
async function _tryRequire(appRoot, moduleRoot, module) {
  const lambdaStylePath = path.resolve(appRoot, moduleRoot, module);

  const extensionless = _tryRequireFile(lambdaStylePath);
  if (extensionless) {
    return extensionless;
  }

  const pjHasModule = _hasFolderPackageJsonTypeModule(path.resolve(path.dirname(lambdaStylePath)));
  if (!pjHasModule) {
    const loaded = _tryRequireFile(lambdaStylePath, '.js');
    if (loaded) {
      return loaded;
    }
  }

  const loaded =
    (pjHasModule && (await _tryAwaitImport(lambdaStylePath, '.js'))) ||
    (await _tryAwaitImport(lambdaStylePath, '.mjs')) ||
    _tryRequireFile(lambdaStylePath, '.cjs');
  if (loaded) {
    return loaded;
  }

  const nodeStylePath = require.resolve(module, { paths: [appRoot, moduleRoot] });
  return require(nodeStylePath);
}

async function _loadUserApp(appRoot, moduleRoot, module) {
  try {
    return await _tryRequire(appRoot, moduleRoot, module);
  } catch (e) {
    if (e instanceof SyntaxError) {
      throw new UserCodeSyntaxError(e);
    } else if (e.code !== undefined && e.code === 'MODULE_NOT_FOUND') {
      throw new ImportModuleError(e);
    } else {
      throw e;
    }
  }
}

function _throwIfInvalidHandler(fullHandlerString) {
  if (fullHandlerString.includes(RELATIVE_PATH_SUBSTRING)) {
    throw new MalformedHandlerName(
      `'${fullHandlerString}' is not a valid handler name. Use absolute paths when specifying root directories in handler names.`,
    );
  }
}

async function loadUserFunction(appRoot, fullHandlerString) {
  _throwIfInvalidHandler(fullHandlerString);

  const [moduleRoot, moduleAndHandler] = _moduleRootAndHandler(fullHandlerString);
  const [module, handlerPath] = _splitHandlerString(moduleAndHandler);

  const userApp = await _loadUserApp(appRoot, moduleRoot, module);
  const handlerFunc = _resolveHandler(userApp, handlerPath);

  if (!handlerFunc) {
    throw new HandlerNotFound(`${fullHandlerString} is undefined or not exported`);
  }
  if (typeof handlerFunc !== 'function') {
    throw new HandlerNotFound(`${fullHandlerString} is not a function`);
  }
  return handlerFunc;
}

function _isHandlerStreaming(handler) {
  const mode = handler[HANDLER_STREAMING];
  if (mode === undefined || mode === null || mode === false) {
    return false;
  }
  if (mode === STREAM_RESPONSE) {
    return STREAM_RESPONSE;
  }
  throw new MalformedStreamingHandler('Only response streaming is supported.');
}

function _isAsync(handler) {
  try {
    return (
      handler &&
      typeof handler === 'function' &&
      handler.constructor &&
      handler.constructor.name === 'AsyncFunction'
    );
  } catch (error) {
    return false;
  }
}

function getHandlerMetadata(handlerFunc) {
  return {
    streaming: _isHandlerStreaming(handlerFunc),
    isAsync: _isAsync(handlerFunc),
    argsNum: handlerFunc.length,
  };
}

// ---------------------------------------------------------------------------
// Entry point
// ---------------------------------------------------------------------------

async function run(appRoot, handler) {
  patchConsole();

  // The `awslambda` global offered by the Lambda Node.js runtime.
  const noGlobal = process.env['AWS_LAMBDA_NODEJS_NO_GLOBAL_AWSLAMBDA'];
  if (noGlobal !== '1' && noGlobal !== 'true') {
    globalThis.awslambda = {
      streamifyResponse: (handlerFn, options) => {
        handlerFn[HANDLER_STREAMING] = STREAM_RESPONSE;
        if (typeof options?.highWaterMark === 'number') {
          handlerFn[HANDLER_HIGHWATERMARK] = parseInt(options.highWaterMark);
        }
        return handlerFn;
      },
      HttpResponseStream: HttpResponseStream,
    };
  }

  const client = new RAPIDClient(process.env.AWS_LAMBDA_RUNTIME_API);

  // Until the first invocation, fatal errors are init errors; the Runtime
  // replaces these callbacks with per-invocation ones.
  const errorCallbacks = {
    uncaughtException: (error) => {
      client.postInitError(error, () => process.exit(129));
    },
    unhandledRejection: (error) => {
      client.postInitError(error, () => process.exit(128));
    },
  };

  const onUncaughtException = (error) => {
    structuredConsole.logError('Uncaught Exception', error);
    errorCallbacks.uncaughtException(error);
  };
  process.on('uncaughtException', onUncaughtException);
  process.on('unhandledRejection', (reason, promise) => {
    const error = new UnhandledPromiseRejection(reason, promise);
    structuredConsole.logError('Unhandled Promise Rejection', error);
    errorCallbacks.unhandledRejection(error);
  });

  BeforeExitListener.reset();
  process.on('beforeExit', BeforeExitListener.invoke);

  let handlerFunc, metadata;
  try {
    handlerFunc = await loadUserFunction(appRoot, handler);
    metadata = getHandlerMetadata(handlerFunc);
  } catch (error) {
    // Loading failures surface as uncaught exceptions: logged, posted to
    // init/error, exit(129).
    onUncaughtException(error);
    return;
  }

  new Runtime(client, handlerFunc, metadata, errorCallbacks).scheduleIteration();
}

run(process.env.LAMBDA_TASK_ROOT || process.cwd(), process.env._HANDLER || '');
