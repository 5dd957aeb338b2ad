import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * A self-signed certificate and its key, made now by openssl in `directory` and valid for a day:
 * a receiver's certificate, or a CA of the test's own. `extensions` are `-addext` values (e.g.
 * `subjectAltName=DNS:localhost`).
 */
export function selfSignedCertificate(
  directory: string,
  subject: string,
  extensions: readonly string[] = [],
): { certFile: string; keyFile: string } {
  const certFile = join(directory, 'cert.pem');
  const keyFile = join(directory, 'key.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      subject,
      ...extensions.flatMap((extension) => ['-addext', extension]),
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ],
    { stdio: 'ignore' },
  );
  return { certFile, keyFile };
}
