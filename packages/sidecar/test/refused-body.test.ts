import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { spawnSidecar, temporaryDirectory, type SidecarProcess } from './support/sidecar-process';

/** What a client that writes its whole request before reading saw: the answer, or an error. */
interface RawOutcome {
  answer: string;
  error: string | undefined;
}

/**
 * A request written on a raw socket, as a client that sends everything before it reads; the
 * outcome is what it could read once the server closed (or the error that ended the read).
 */
function rawRequest(port: number, head: string, body: Buffer | Buffer[]): Promise<RawOutcome> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const received: Buffer[] = [];
    let error: string | undefined;
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    socket.on('error', (failure: NodeJS.ErrnoException) => {
      error ??= failure.code ?? failure.message;
    });
    socket.on('close', () =>
      resolve({ answer: Buffer.concat(received).toString('latin1'), error }),
    );
    socket.write(head);
    for (const part of Array.isArray(body) ? body : [body]) socket.write(part);
  });
}

function head(lines: string[]): string {
  return `${lines.join('\r\n')}\r\n\r\n`;
}

const OVER_LIMIT = Buffer.alloc(2 * 1024 * 1024, 7);
const LARGE_OVER_LIMIT = Buffer.alloc(24 * 1024 * 1024, 7);

describe('receiver: a refused body gets its answer', function () {
  this.timeout(120_000);
  let sidecar: SidecarProcess;

  before(async () => {
    sidecar = await spawnSidecar(
      { ELKHOUND_MAX_REQUEST_BYTES: '1MiB', ELKHOUND_MAX_DECOMPRESSED_BYTES: '4MiB' },
      temporaryDirectory('refused-body'),
    );
  });
  after(async () => {
    assert.equal(await sidecar.stop(), 0);
  });

  for (const connection of ['close', 'keep-alive']) {
    it(`raw socket, Connection: ${connection}: a declared body over the limit is answered 413 (a google.rpc.Status), every time`, async () => {
      for (let attempt = 0; attempt < 8; attempt++) {
        const outcome = await rawRequest(
          sidecar.httpPort,
          head([
            'POST /v1/traces HTTP/1.1',
            'Host: 127.0.0.1',
            'Content-Type: application/x-protobuf',
            `Content-Length: ${OVER_LIMIT.length}`,
            `Connection: ${connection}`,
          ]),
          OVER_LIMIT,
        );
        assert.match(
          outcome.answer,
          /^HTTP\/1\.1 413 /,
          `attempt ${attempt}: ${outcome.error ?? ''} ${outcome.answer.slice(0, 80)}`,
        );
        assert.match(outcome.answer, /\r\nconnection: close\r\n/i);
        assert.match(outcome.answer, /\r\ncontent-type: application\/x-protobuf\r\n/i);
        const body = Buffer.from(
          outcome.answer.slice(outcome.answer.indexOf('\r\n\r\n') + 4),
          'latin1',
        );
        // google.rpc.Status { code (1) = 3 INVALID_ARGUMENT, message (2) }
        assert.deepEqual([...body.subarray(0, 2)], [0x08, 3]);
        assert.match(body.toString(), /over the limit of 1048576 bytes/);
        assert.equal(outcome.error, undefined, `attempt ${attempt}: the connection was reset`);
      }
    });
  }

  it('raw socket: a chunked body that passes the limit as it arrives is answered 413 in JSON', async () => {
    for (let attempt = 0; attempt < 4; attempt++) {
      const chunks: Buffer[] = [];
      for (let index = 0; index < 40; index++) {
        chunks.push(Buffer.from(`10000\r\n`), Buffer.alloc(0x10000, 0x20), Buffer.from('\r\n'));
      }
      chunks.push(Buffer.from('0\r\n\r\n'));
      const outcome = await rawRequest(
        sidecar.httpPort,
        head([
          'POST /v1/traces HTTP/1.1',
          'Host: 127.0.0.1',
          'Content-Type: application/json',
          'Transfer-Encoding: chunked',
        ]),
        chunks,
      );
      assert.match(outcome.answer, /^HTTP\/1\.1 413 /, `${outcome.error ?? ''}`);
      const body = outcome.answer.slice(outcome.answer.indexOf('\r\n\r\n') + 4);
      assert.deepEqual(JSON.parse(body), {
        code: 3,
        message: 'request body is over the limit of 1048576 bytes',
      });
      assert.equal(outcome.error, undefined);
    }
  });

  for (const keepAlive of [false, true]) {
    it(`Node's http client (${keepAlive ? 'keep-alive agent' : 'Connection: close'}): 413 every time, then the next request succeeds`, async () => {
      const agent = new http.Agent({ keepAlive, maxSockets: 1 });
      const send = (body: Buffer): Promise<{ status: number; text: string }> =>
        new Promise((resolve, reject) => {
          const request = http.request(
            {
              host: '127.0.0.1',
              port: sidecar.httpPort,
              path: '/v1/traces',
              method: 'POST',
              agent,
              headers: {
                'content-type': 'application/json',
                'content-length': body.length,
                ...(keepAlive ? {} : { connection: 'close' }),
              },
            },
            (response) => {
              const parts: Buffer[] = [];
              response.on('data', (chunk: Buffer) => parts.push(chunk));
              response.on('end', () =>
                resolve({
                  status: response.statusCode ?? 0,
                  text: Buffer.concat(parts).toString(),
                }),
              );
              response.on('error', reject);
            },
          );
          request.on('error', reject);
          request.end(body);
        });
      try {
        for (let attempt = 0; attempt < 6; attempt++) {
          const refused = await send(attempt % 2 === 0 ? OVER_LIMIT : LARGE_OVER_LIMIT);
          assert.equal(refused.status, 413);
          assert.match(refused.text, /over the limit/);
          const accepted = await send(Buffer.from('{"resourceSpans":[]}'));
          assert.equal(accepted.status, 200);
        }
      } finally {
        agent.destroy();
      }
    });
  }

  it('a declared body far past the drain bound is not read: the connection is closed at once', async () => {
    const started = Date.now();
    const socket = net.connect(sidecar.httpPort, '127.0.0.1');
    socket.on('error', () => undefined);
    socket.write(
      head([
        'POST /v1/traces HTTP/1.1',
        'Host: 127.0.0.1',
        'Content-Type: application/json',
        `Content-Length: ${8 * 1024 ** 3}`,
      ]),
    );
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    // Keep writing, as a client with 8 GiB to send would, until the server closes.
    const writer = setInterval(() => {
      if (!socket.destroyed) socket.write(Buffer.alloc(256 * 1024));
    }, 5);
    try {
      await closed;
    } finally {
      clearInterval(writer);
    }
    assert.ok(Date.now() - started < 5000, `closed after ${Date.now() - started} ms`);
    assert.equal((await fetch(sidecar.url('/healthz'))).status, 200);
  });
});
