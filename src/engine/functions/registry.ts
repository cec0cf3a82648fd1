// The scalar function registry: every family's definitions under one case-insensitive name table.
// Each function is found by its canonical snake_case name, its listed aliases, and the ClickHouse
// camelCase spellings derived from both (to_start_of_minute → toStartOfMinute, multi_if →
// multiIf, json_extract_string → jsonExtractString, which case-insensitively is JSONExtractString).
// Two functions claiming one name is a programming error caught when the module loads.
import assert from 'node:assert/strict';
import { ARITHMETIC_FUNCTIONS } from './arithmetic.ts';
import { COMPARISON_FUNCTIONS } from './comparison.ts';
import { CONDITIONAL_FUNCTIONS } from './conditional.ts';
import { CONVERSION_FUNCTIONS } from './conversion.ts';
import type { ScalarFunctionDef } from './function.ts';
import { JSON_FUNCTIONS } from './json.ts';
import { LOGIC_FUNCTIONS } from './logic.ts';
import { MATH_FUNCTIONS } from './math.ts';
import { MISC_FUNCTIONS } from './misc.ts';
import { STRING_FUNCTIONS } from './string.ts';
import { TIME_FUNCTIONS } from './time.ts';

const FAMILIES: readonly (readonly ScalarFunctionDef[])[] = [
  ARITHMETIC_FUNCTIONS,
  COMPARISON_FUNCTIONS,
  LOGIC_FUNCTIONS,
  CONDITIONAL_FUNCTIONS,
  STRING_FUNCTIONS,
  MATH_FUNCTIONS,
  TIME_FUNCTIONS,
  JSON_FUNCTIONS,
  CONVERSION_FUNCTIONS,
  MISC_FUNCTIONS,
];

/** snake_case → camelCase: to_start_of_minute → toStartOfMinute. */
export function camelCaseOf(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

function buildTable(): { byName: Map<string, ScalarFunctionDef>; names: string[] } {
  const byName = new Map<string, ScalarFunctionDef>();
  const names: string[] = [];
  for (const family of FAMILIES) {
    for (const def of family) {
      assert.equal(def.name, def.name.toLowerCase(), `function name ${def.name} must be lower case`);
      names.push(def.name);
      const spelledAs = [def.name, ...(def.aliases ?? [])];
      const spellings = new Set([...spelledAs, ...spelledAs.map(camelCaseOf)].map((s) => s.toLowerCase()));
      for (const spelling of spellings) {
        const previous = byName.get(spelling);
        assert.ok(previous === undefined, `function name '${spelling}' is claimed by ${previous?.name} and ${def.name}`);
        byName.set(spelling, def);
      }
    }
  }
  names.sort();
  return { byName, names };
}

const TABLE = buildTable();

/** The function called `name` (any case; canonical, alias or camelCase), or undefined. */
export function lookupScalarFunction(name: string): ScalarFunctionDef | undefined {
  return TABLE.byName.get(name.toLowerCase());
}

/** Canonical names, sorted: for SHOW FUNCTIONS and "did you mean" suggestions. */
export const SCALAR_FUNCTION_NAMES: readonly string[] = Object.freeze(TABLE.names);
