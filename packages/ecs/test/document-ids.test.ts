import assert from 'node:assert/strict';
import type { LogRecord } from '@elkhound/otlp';
import { attributesJson, logRecordDocumentId, stableJson } from '../src/ids';

// A log record's id is a hash of what identifies it. It must never change between versions: a
// replay of data written by an older version would then index a second copy. The values below
// were computed by the first implementation (nine hash updates, a sorted-keys JSON by map/join).
describe('document ids', () => {
  it('a log record id stays the one earlier versions computed (unsorted keys, maps, bytes, unicode)', () => {
    const records: Array<[LogRecord, string, string]> = [
      [
        {
          traceId: '5b8efff798038103d269b633813fc60c',
          spanId: 'eee19b7ec3c1b174',
          time: [1733400000, 123456789],
          observedTime: [1733400001, 5],
          severityNumber: 9,
          eventName: 'gen_ai.client.inference.operation.details',
          body: 'request handled in 12 ms é ✓ \u{1F600}',
          attributes: {
            'z.last': 1,
            'a.first': true,
            'm.map': { y: [1, 'two', null], x: new Uint8Array([0, 255]) },
          },
        } as unknown as LogRecord,
        'GVhxk8qmJKdAM81DbedvicO5Di_2pQFB',
        '{"a.first":true,"m.map":{"x":b:AP8=,"y":[1,"two",null]},"z.last":1}',
      ],
      [
        {
          time: [1733400002, 0],
          body: { nested: { b: undefined, a: [] } },
          attributes: {},
        } as unknown as LogRecord,
        'l7szK3Tb13MgHLids0g8e3IAaf0mxxCU',
        '{}',
      ],
    ];
    for (const [record, id, attributesJson] of records) {
      assert.equal(logRecordDocumentId(record, 'my-scope'), id);
      assert.equal(stableJson(record.attributes), attributesJson);
    }
  });

  it('stable JSON does not depend on the order keys were set in', () => {
    assert.equal(
      stableJson({ b: 1, a: { d: 2, c: [3] } }),
      stableJson({ a: { c: [3], d: 2 }, b: 1 }),
    );
    assert.equal(stableJson({ b: 1, a: 2 }), '{"a":2,"b":1}');
  });

  it("a record's attributes are written as stableJson writes them, shape after shape", () => {
    const proto: Record<string, unknown> = { a: 1 };
    Object.defineProperty(proto, '__proto__', { value: 'x', enumerable: true, writable: true });
    const shapes: Array<Record<string, unknown>> = [
      { 'gen_ai.request.model': 'gpt-4o', 'bench.id': '0.1', 'elkhound.cost.total': 0.0012 },
      { 'z.n': -0, 'a.n': Number.NaN, 'm.n': Number.POSITIVE_INFINITY, 'b.n': 1e21, 'c.n': 5e-7 },
      { b: true, a: false, c: null, d: undefined, e: 'naïve "q" \\ \u2028 \u0000 😀' },
      { 10: 'ten', 9: 'nine', a: 'x', '': 'empty' },
      { list: [1, 'two', null, undefined], map: { y: 1, x: [] }, bytes: new Uint8Array([1, 2]) },
      proto,
      {},
    ];
    for (let round = 0; round < 3; round++)
      for (const shape of [...shapes, ...shapes.toReversed()]) {
        // The same names in the same order with other values: the cached names are reused.
        const again = { ...shape };
        for (const attributes of [shape, again])
          assert.equal(attributesJson(attributes), stableJson(attributes));
      }
  });
});
