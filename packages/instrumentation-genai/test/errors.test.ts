import assert from 'node:assert/strict';
import { categorize } from '../src';

class APIConnectionError extends Error {}
class ResponseFailedError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

describe('error categories', () => {
  it('categorises by status, code and class', () => {
    const cases: Array<[unknown, string, string]> = [
      [Object.assign(new Error('x'), { status: 401 }), 'authentication', 'Error'],
      [Object.assign(new Error('x'), { status: 429 }), 'rate_limit', 'Error'],
      [Object.assign(new Error('x'), { status: 503 }), 'server_error', 'Error'],
      [Object.assign(new Error('x'), { status: 422 }), 'invalid_request', 'Error'],
      [
        new ResponseFailedError('slow down', 'rate_limit_exceeded'),
        'rate_limit',
        'ResponseFailedError',
      ],
      [new ResponseFailedError('oops', 'server_error'), 'server_error', 'ResponseFailedError'],
      [new APIConnectionError('Connection error.'), 'network_error', 'APIConnectionError'],
      [new SyntaxError('Unexpected end of JSON input'), 'parsing_error', 'SyntaxError'],
      [new TypeError('messages must be an array'), 'invalid_request', 'TypeError'],
      [new TypeError('terminated'), 'network_error', 'TypeError'],
      [new (class ServerError extends Error {})('stream failed'), 'server_error', 'ServerError'],
      ['a string', 'network_error', 'String'],
    ];
    for (const [error, category, type] of cases) {
      assert.deepEqual(categorize(error), { category, type }, String(error));
    }
  });
});
