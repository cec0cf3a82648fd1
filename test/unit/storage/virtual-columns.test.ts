// Virtual columns read from a real log: _tp_sn is dense and matches the header, _tp_index_time is the
// append time; both are exact beyond 2^32 (sn) without BigInt per row.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../../src/core/clock.ts';
import { StreamLog } from '../../../src/storage/log/stream-log.ts';
import { virtualVector, withVirtualColumns } from '../../../src/storage/log/virtual-columns.ts';
import { batchFromRows, rowsOf } from '../../../src/types/batch.ts';
import { T } from '../../../src/types/data-type.ts';
import { tempDir } from '../../support/temp-dir.ts';

test('_tp_sn and _tp_index_time come from batch headers', async () => {
  const clock = new ManualClock(1_700_000_000_000);
  const log = await StreamLog.open({ dir: tempDir(), clock });
  const columns = [{ name: '_tp_time', type: T.datetime64('UTC') }, { name: 'v', type: T.int32 }];
  await log.append(batchFromRows(columns, [{ _tp_time: 1, v: 10 }, { _tp_time: 2, v: 11 }]));
  clock.advance(500);
  await log.append(batchFromRows(columns, [{ _tp_time: 3, v: 12 }]));
  const rows = [];
  for await (const record of log.read()) rows.push(...rowsOf(withVirtualColumns(record.batch!, record.header, ['_tp_sn', '_tp_index_time'])));
  assert.deepEqual(rows, [
    { _tp_time: 1, v: 10, _tp_sn: 0n, _tp_index_time: 1_700_000_000_000 },
    { _tp_time: 2, v: 11, _tp_sn: 1n, _tp_index_time: 1_700_000_000_000 },
    { _tp_time: 3, v: 12, _tp_sn: 2n, _tp_index_time: 1_700_000_000_500 },
  ]);
  await log.close();
});

test('_tp_sn is exact past 2^32 and up to 2^53', () => {
  for (const baseSn of [2 ** 32 - 2, 2 ** 40 + 5, Number.MAX_SAFE_INTEGER - 3]) {
    const vector = virtualVector('_tp_sn', { baseSn, rowCount: 3 } as never);
    assert.deepEqual(Array.from(vector.kind === 'fixed' ? (vector.data as BigInt64Array) : []), [0, 1, 2].map((i) => BigInt(baseSn) + BigInt(i)));
  }
});
