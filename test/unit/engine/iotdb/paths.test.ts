// IoTDB paths and types on Tributary's model (src/engine/iotdb/paths.ts): where a device lives,
// which databases overlap, how nodes print, the type table and automatic type inference.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  PathProblem,
  columnTypeOf,
  comparePaths,
  encodingProblem,
  formatPath,
  formatPathNode,
  inferIotdbType,
  iotdbTypeOfColumn,
  isIotdbDatabaseName,
  isRootPath,
  locateDevice,
  measurementProblem,
  normalizeDatabaseName,
  normalizeRoot,
  overlappingDatabase,
  parseIotdbDataType,
  seriesNodes,
} from '../../../../src/engine/iotdb/paths.ts';
import { T, formatDataType } from '../../../../src/types/data-type.ts';

test('a device maps to the database one level below root when none exists (IoTDB default level 1)', () => {
  assert.deepEqual(locateDevice(['root', 'vehicle', 'd0'], ['default']), { database: 'root.vehicle', stream: 'd0', databaseExists: false });
  assert.deepEqual(locateDevice(['root', 'sg', 'a', 'b'], []), { database: 'root.sg', stream: 'a.b', databaseExists: false });
});

test('a device maps to the longest existing root database that is a proper prefix', () => {
  const databases = ['default', 'root.vehicle', 'root.sg.deep', 'vehicle'];
  assert.deepEqual(locateDevice(['root', 'vehicle', 'd0'], databases), { database: 'root.vehicle', stream: 'd0', databaseExists: true });
  assert.deepEqual(locateDevice(['root', 'vehicle', 'a', 'b', 'c'], databases), { database: 'root.vehicle', stream: 'a.b.c', databaseExists: true });
  assert.deepEqual(locateDevice(['root', 'sg', 'deep', 'd'], databases), { database: 'root.sg.deep', stream: 'd', databaseExists: true });
  // root.sg is not a database: a device under it gets the default one (creation then refuses the overlap).
  assert.deepEqual(locateDevice(['root', 'sg', 'other'], databases), { database: 'root.sg', stream: 'other', databaseExists: false });
  // Database names are matched with `root` in any case, and kept as stored.
  assert.deepEqual(locateDevice(['root', 'x', 'd'], ['ROOT.x']), { database: 'ROOT.x', stream: 'd', databaseExists: true });
});

test('paths that cannot be devices are refused with the node to point at', () => {
  const problem = (device: string[], databases: string[] = []) => {
    try {
      locateDevice(device, databases);
    } catch (error) {
      assert.ok(error instanceof PathProblem);
      return { message: error.message, node: error.node };
    }
    assert.fail(`${device.join('.')} was accepted`);
  };
  assert.match(problem(['vehicle', 'd0', 's']).message, /not under root/);
  assert.equal(problem(['vehicle', 'd0', 's']).node, 0);
  assert.deepEqual(problem(['root', 'sg']), { message: problem(['root', 'sg']).message, node: 1 });
  assert.match(problem(['root', 'sg']).message, /has no database/);
  assert.match(problem(['root', 'vehicle'], ['root.vehicle']).message, /root\.vehicle is a database: a device is a path below its database/);
  assert.match(problem(['root', 'a.b', 'd']).message, /contains '\.'/);
  assert.equal(problem(['root', 'a.b', 'd']).node, 1);
});

test('IoTDB databases do not nest: an overlap is found in both directions', () => {
  const databases = ['default', 'root.vehicle', 'root.sg.a', 'rootless.x'];
  assert.equal(overlappingDatabase('root.vehicle.d0', databases), 'root.vehicle');
  assert.equal(overlappingDatabase('root.sg', databases), 'root.sg.a');
  assert.equal(overlappingDatabase('root.sgx', databases), null);
  assert.equal(overlappingDatabase('root.vehicle', databases), null, 'the same name is not an overlap');
  assert.equal(overlappingDatabase('root.other', databases), null);
});

test('root is recognised in any case and written root', () => {
  assert.equal(isRootPath(['ROOT', 'a']), true);
  assert.equal(isRootPath(['rooted']), false);
  assert.equal(isRootPath([]), false);
  assert.deepEqual(normalizeRoot(['Root', 'a', 'B']), ['root', 'a', 'B']);
  assert.equal(isIotdbDatabaseName('root.vehicle'), true);
  assert.equal(isIotdbDatabaseName('ROOT.vehicle'), true);
  assert.equal(isIotdbDatabaseName('root'), false);
  assert.equal(isIotdbDatabaseName('rootx.a'), false);
  assert.equal(normalizeDatabaseName('ROOT.Vehicle'), 'root.Vehicle');
  assert.equal(normalizeDatabaseName('analytics'), 'analytics');
});

test('series paths print as IoTDB prints them: digits-only and special nodes backquoted', () => {
  assert.deepEqual(seriesNodes('root.vehicle', 'd0', 's0'), ['root', 'vehicle', 'd0', 's0']);
  assert.deepEqual(seriesNodes('root.sg', 'a.b', 's'), ['root', 'sg', 'a', 'b', 's']);
  assert.equal(formatPath(['root', 'vehicle', 'd0', 's0']), 'root.vehicle.d0.s0');
  assert.equal(formatPathNode('1TS'), '1TS');
  assert.equal(formatPathNode('1'), '`1`');
  assert.equal(formatPathNode('a b'), '`a b`');
  assert.equal(formatPathNode('a`b'), '`a``b`');
  assert.equal(formatPathNode('温度'), '温度');
  assert.equal(formatPath(['root', 'aligned', '1']), 'root.aligned.`1`');
});

test('paths sort node by node, a prefix first', () => {
  const paths = [
    ['root', 'vehicle', 'd1', 's2'],
    ['root', 'vehicle', 'd0', 's1'],
    ['root', 'vehicle', 'd0'],
    ['root', 'a', 'x'],
    ['root', 'vehicle', 'd0', 's0'],
  ];
  assert.deepEqual(
    [...paths].sort(comparePaths).map((p) => p.join('.')),
    ['root.a.x', 'root.vehicle.d0', 'root.vehicle.d0.s0', 'root.vehicle.d0.s1', 'root.vehicle.d1.s2'],
  );
});

test('IoTDB data types map to nullable Tributary types and back', () => {
  const table: [string, string][] = [
    ['BOOLEAN', 'nullable(bool)'],
    ['INT32', 'nullable(int32)'],
    ['INT64', 'nullable(int64)'],
    ['FLOAT', 'nullable(float32)'],
    ['DOUBLE', 'nullable(float64)'],
    ['TEXT', 'nullable(string)'],
  ];
  for (const [iotdb, tributary] of table) {
    const type = parseIotdbDataType(iotdb.toLowerCase());
    assert.equal(type, iotdb);
    assert.equal(formatDataType(columnTypeOf(type!)), tributary);
    assert.equal(iotdbTypeOfColumn(columnTypeOf(type!)), iotdb);
  }
  assert.equal(parseIotdbDataType('INT33'), null);
  assert.equal(parseIotdbDataType('STRING'), null);
  assert.equal(iotdbTypeOfColumn(T.uint8), null);
  assert.equal(iotdbTypeOfColumn(T.int32), 'INT32');
});

test('encodings are checked against the types they support; compressors are not types', () => {
  assert.equal(encodingProblem('RLE', 'INT32'), null);
  assert.equal(encodingProblem('rle', 'FLOAT'), null);
  assert.equal(encodingProblem('PLAIN', 'TEXT'), null);
  assert.equal(encodingProblem('DICTIONARY', 'TEXT'), null);
  assert.equal(encodingProblem('GORILLA', 'DOUBLE'), null);
  assert.match(encodingProblem('RLE', 'TEXT')!, /encoding RLE does not support TEXT/);
  assert.match(encodingProblem('DICTIONARY', 'INT64')!, /does not support INT64/);
  assert.match(encodingProblem('ZIP', 'INT64')!, /unknown encoding 'ZIP'/);
});

test('automatic creation infers IoTDB 1.3 defaults from a value\'s SQL type', () => {
  assert.equal(inferIotdbType(T.bool), 'BOOLEAN');
  for (const type of [T.uint8, T.int8, T.int16, T.int32, T.int64, T.uint64]) assert.equal(inferIotdbType(type), 'DOUBLE', formatDataType(type));
  assert.equal(inferIotdbType(T.float64), 'DOUBLE');
  assert.equal(inferIotdbType(T.float32), 'DOUBLE');
  assert.equal(inferIotdbType(T.string), 'TEXT');
  assert.equal(inferIotdbType(T.nullable(T.string)), 'TEXT');
  assert.equal(inferIotdbType(T.datetime64()), null);
  assert.equal(inferIotdbType(T.array(T.int32)), null);
});

test('measurement names: not the time column, no dot, not Tributary\'s _tp_ names', () => {
  assert.equal(measurementProblem('s0'), null);
  assert.match(measurementProblem('time')!, /time column/);
  assert.match(measurementProblem('TIMESTAMP')!, /time column/);
  assert.match(measurementProblem('a.b')!, /contains '\.'/);
  assert.match(measurementProblem('_tp_sn')!, /reserved/);
});
