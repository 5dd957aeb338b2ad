import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import * as grpc from '@grpc/grpc-js';
import { selfSignedCertificate } from './support/certificates';
import { makeSpans, traceRequestProtobuf } from './support/requests';
import { spawnSidecar, temporaryDirectory } from './support/sidecar-process';

function postHttps(port: number, ca: Buffer, body: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = https.request(
      {
        host: '127.0.0.1',
        port,
        path: '/v1/traces',
        method: 'POST',
        ca,
        servername: 'localhost',
        headers: { 'content-type': 'application/x-protobuf', authorization: 'Bearer tls-token' },
      },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

describe('TLS on both receivers', function () {
  this.timeout(60_000);

  it('serves OTLP over HTTPS and gRPC with TLS from the configured certificate', async () => {
    const directory = temporaryDirectory('tls');
    const { certFile, keyFile } = selfSignedCertificate(directory, '/CN=localhost', [
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
    ]);
    const sidecar = await spawnSidecar({
      ELKHOUND_TLS_CERT_FILE: certFile,
      ELKHOUND_TLS_KEY_FILE: keyFile,
      ELKHOUND_AUTH_TOKEN: 'tls-token',
    });
    try {
      const ca = readFileSync(certFile);
      assert.equal(await postHttps(sidecar.httpPort, ca, traceRequestProtobuf(makeSpans(2))), 200);
      // Plain HTTP on the TLS port is not served.
      await assert.rejects(fetch(`http://127.0.0.1:${sidecar.httpPort}/healthz`));

      const metadata = new grpc.Metadata();
      metadata.set('authorization', 'Bearer tls-token');
      const client = new grpc.Client(
        `localhost:${sidecar.grpcPort}`,
        grpc.credentials.createSsl(ca),
      );
      const error = await new Promise<grpc.ServiceError | null>((resolve) =>
        client.makeUnaryRequest(
          '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
          (bytes: Buffer) => bytes,
          (bytes: Buffer) => bytes,
          traceRequestProtobuf(makeSpans(2)),
          metadata,
          (failure) => resolve(failure),
        ),
      );
      client.close();
      assert.equal(error, null);
    } finally {
      assert.equal(await sidecar.stop(), 0);
    }
  });
});
