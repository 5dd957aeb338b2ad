import type http from 'node:http';

/**
 * How much of a refused body is still read, and discarded, so that its client sees the answer.
 * A client writing its body does not read until it has written it; closing the connection on it
 * with its bytes unread makes the kernel reset the connection, and the reset destroys the answer
 * in flight (the client sees EPIPE / ECONNRESET, not the 413, and retries blindly). Beyond these
 * bounds the connection is closed once the answer is written: reading a hostile client's
 * gigabytes only to be polite costs more than that client's lost answer.
 */
export const REFUSED_BODY_DRAIN = { bytes: 64 * 1024 * 1024, milliseconds: 10_000 };

/**
 * Answers a request whose body has not all arrived (refused before it was read, or part way
 * through): the answer is written at once with `Connection: close`, the rest of the body is read
 * and discarded, and only then is the answer ended, which closes the connection cleanly (no
 * unread bytes, no reset). A request that has all arrived is answered as usual and its
 * connection kept.
 */
export function answerRefused(
  request: http.IncomingMessage,
  response: http.ServerResponse,
  status: number,
  headers: http.OutgoingHttpHeaders,
  body: Buffer,
  drain = REFUSED_BODY_DRAIN,
): void {
  if (request.complete) {
    response.writeHead(status, { ...headers, 'content-length': body.length }).end(body);
    request.resume();
    return;
  }
  response.writeHead(status, { ...headers, 'content-length': body.length, connection: 'close' });
  response.write(body);
  // Ending the answer of a `Connection: close` exchange closes the socket once it is written;
  // a body declared past the bound is not drained.
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > drain.bytes) {
    response.end();
    return;
  }
  let drained = 0;
  const end = (): void => {
    clearTimeout(timer);
    request.off('data', onData);
    request.off('end', end);
    request.off('close', end);
    request.off('error', end);
    response.end();
  };
  const onData = (chunk: Buffer): void => {
    drained += chunk.length;
    if (drained > drain.bytes) end();
  };
  const timer = setTimeout(end, drain.milliseconds);
  request.on('data', onData);
  request.once('end', end);
  request.once('close', end);
  request.once('error', end);
  request.resume();
}
