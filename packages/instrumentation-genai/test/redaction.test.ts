import assert from 'node:assert/strict';
import { redactBuiltIn } from '../src';

describe('built-in redaction', () => {
  it('redacts e-mails, card numbers (Luhn-checked), phone numbers, API keys and bearer tokens', () => {
    const cases: Array<[string, string]> = [
      ['mail ana.lopez+orders@example.co.uk now', 'mail [REDACTED:email] now'],
      ['card 4111-1111-1111-1111.', 'card [REDACTED:card].'],
      ['card 5500 0000 0000 0004', 'card [REDACTED:card]'],
      ['call +1 415 555 0132', 'call [REDACTED:phone]'],
      ['call 06 12 34 56 78', 'call [REDACTED:phone]'],
      ['call (415) 555-0132', 'call [REDACTED:phone]'],
      ['key sk-proj-abcdefghijklmnopqrstuvwx', 'key [REDACTED:api_key]'],
      ['key sk-ant-api03-abcdefghijklmnop_qrstuv', 'key [REDACTED:api_key]'],
      ['aws AKIAIOSFODNN7EXAMPLE', 'aws [REDACTED:api_key]'],
      ['gh ghp_abcdefghijklmnopqrstuvwxyz0123456789', 'gh [REDACTED:api_key]'],
      [
        'Authorization: Bearer eyJhbGciOi.eyJzdWIi.SflKxw',
        'Authorization: Bearer [REDACTED:token]',
      ],
    ];
    for (const [text, expected] of cases) assert.equal(redactBuiltIn(text), expected, text);
  });

  it('leaves ordinary numbers alone: years, dates, prices, order numbers, non-Luhn digit runs', () => {
    for (const text of [
      'In 2024 we sold 1,250 units for EUR 42.50',
      'order A-1001 shipped on 2024-05-17',
      'tracking 1234 5678 9012 3456', // 16 digits failing the Luhn check: neither card nor phone
      'Summarise my order',
    ])
      assert.equal(redactBuiltIn(text), text);
  });
});
