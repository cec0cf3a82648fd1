// A pipe's source.pattern (src/sync/pipes/pattern.ts): a string prefix over full series paths as
// IoTDB prints them. The seed's table first, verbatim, then backquoted nodes, the default `root`,
// a pattern ending inside a measurement name, and the database-prefix case (`root.db` also matches
// `root.db2`), which follows from string-prefix semantics and is pinned here on purpose.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isDbError } from '../../../src/core/errors.ts';
import { compilePattern, normalizePattern } from '../../../src/sync/pipes/pattern.ts';

describe('pipe pattern', () => {
  test("the seed's table: 'root.aligned.1' is a string prefix, not a node prefix", () => {
    const pattern = compilePattern('root.aligned.1');
    // Database root.aligned; the seed's paths are devices (streams) there, with a measurement s,
    // and the series root.aligned.1TS.`1` (measurement `1` of device 1TS).
    assert.equal(pattern.matchesSeries('root.aligned', '1TS', 's'), true, 'root.aligned.1TS');
    assert.equal(pattern.matchesSeries('root.aligned', '1TS', '1'), true, 'root.aligned.1TS.`1`');
    assert.equal(pattern.matchesSeries('root.aligned', '100TS', 's'), true, 'root.aligned.100TS');
    assert.equal(pattern.matchesSeries('root.aligned', '1', 's'), false, 'root.aligned.`1`');
    assert.equal(pattern.matchesSeries('root.aligned', '123', 's'), false, 'root.aligned.`123`');
    assert.equal(pattern.mayMatchStream('root.aligned', '1TS'), true);
    assert.equal(pattern.mayMatchStream('root.aligned', '100TS'), true);
    assert.equal(pattern.mayMatchStream('root.aligned', '1'), false);
    assert.equal(pattern.mayMatchStream('root.aligned', '123'), false);
  });

  test('backquoted nodes in the pattern are compared as IoTDB prints them', () => {
    const special = compilePattern('root.`a@b`');
    assert.equal(special.matchesSeries('root.a@b', 'd', 's'), true);
    assert.equal(special.matchesSeries('root.ab', 'd', 's'), false);
    const numeric = compilePattern('root.`123`');
    assert.equal(numeric.matchesSeries('root.123', 'd', 's'), true);
    assert.equal(numeric.matchesSeries('root.1234', 'd', 's'), false, 'the closing backquote is part of the prefix');
    const measurement = compilePattern('root.sg.d.`1`');
    assert.equal(measurement.matchesSeries('root.sg', 'd', '1'), true);
    assert.equal(measurement.matchesSeries('root.sg', 'd', 's1'), false);
    // A node backquoted without need never matches its plain print.
    assert.equal(compilePattern('root.`sg`').matchesSeries('root.sg', 'd', 's'), false);
  });

  test('the default root matches every series of every IoTDB database, and nothing else', () => {
    const root = compilePattern('root');
    assert.equal(root.matchesSeries('root.vehicle', 'd0', 's0'), true);
    assert.equal(root.matchesSeries('root.sg', 'a.b', 's'), true, 'a device deeper than one level');
    assert.equal(root.coversStream('root.vehicle', 'd0'), true);
    assert.equal(root.matchesSeries('default', 'logs', 'seq'), false, 'Tributary databases are not under root');
    assert.equal(root.mayMatchStream('default', 'logs'), false);
    assert.equal(root.isDatabaseOrRoot([]), true);
  });

  test('a pattern may end inside a measurement name', () => {
    const pattern = compilePattern('root.db.d.temp');
    assert.equal(pattern.matchesSeries('root.db', 'd', 'temp'), true);
    assert.equal(pattern.matchesSeries('root.db', 'd', 'temperature'), true);
    assert.equal(pattern.matchesSeries('root.db', 'd', 'humidity'), false);
    assert.equal(pattern.mayMatchStream('root.db', 'd'), true);
    assert.equal(pattern.mayMatchStream('root.db', 'e'), false);
    assert.equal(pattern.coversStream('root.db', 'd'), false);
    assert.deepEqual(pattern.matchingColumns('root.db', 'd', ['humidity', 'temperature', 'temp']), ['temperature', 'temp']);
    assert.deepEqual(pattern.matchingColumns('root.db', 'e', ['temp']), []);
  });

  test("a database pattern 'root.db' also matches the database root.db2 (string prefix, as in IoTDB)", () => {
    const pattern = compilePattern('root.db');
    assert.equal(pattern.matchesSeries('root.db', 'd', 's'), true);
    assert.equal(pattern.matchesSeries('root.db2', 'd', 's'), true);
    assert.equal(pattern.coversStream('root.db2', 'd'), true);
    assert.equal(pattern.matchesSeries('root.other', 'd', 's'), false);
    // Ending the pattern with '.' keeps to one database.
    assert.equal(compilePattern('root.db.').matchesSeries('root.db2', 'd', 's'), false);
    assert.equal(compilePattern('root.db.').matchesSeries('root.db', 'd', 's'), true);
    assert.equal(pattern.isDatabaseOrRoot(['root.db', 'default']), true);
    assert.equal(compilePattern('root.db.d').isDatabaseOrRoot(['root.db']), false);
  });

  test('a pattern longer than a stream path reaches into its columns', () => {
    const pattern = compilePattern('root.sg.a.b.s');
    assert.equal(pattern.mayMatchStream('root.sg', 'a.b'), true);
    assert.equal(pattern.mayMatchStream('root.sg', 'a'), true, "a cheap over-approximation: the paths overlap, though no measurement holds '.'");
    assert.equal(pattern.matchesSeries('root.sg', 'a.b', 's1'), true);
    assert.equal(pattern.matchesSeries('root.sg', 'a.b', 't'), false);
  });

  test('root is matched in any case and written root; anything else is refused', () => {
    assert.equal(normalizePattern('ROOT.sg'), 'root.sg');
    assert.equal(compilePattern('Root.sg').matchesSeries('root.sg', 'd', 's'), true);
    assert.equal(compilePattern('root.sg').matchesSeries('ROOT.sg', 'd', 's'), true, 'database names are normalized too');
    for (const bad of ['', 'roo', 'rootx', 'sg.d', ' root', '*']) {
      assert.throws(
        () => compilePattern(bad),
        (error: unknown) => isDbError(error, 'INVALID_SETTING') && /must be root or start with 'root\.'/.test(error.message),
        bad,
      );
    }
  });
});
