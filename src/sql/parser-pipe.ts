// IoTDB pipe statements, both generations:
// - 1.2+ pipe framework: CREATE PIPE p [WITH SOURCE (…)] [WITH PROCESSOR (…)] WITH SINK (…),
//   START/STOP/DROP PIPE, SHOW PIPES [WHERE SINK USED BY p], SHOW PIPE p, SHOW PIPEPLUGINS.
//   EXTRACTOR and CONNECTOR (1.2 names) are read as SOURCE and SINK. The three sections may
//   come in any order, each at most once; SINK is required.
// - 1.1 sync tool: CREATE PIPESINK s AS IoTDB [(ip='…', port=6667)], DROP PIPESINK,
//   SHOW PIPESINKS, SHOW PIPESINK [s], SHOW PIPESINKTYPE, and
//   CREATE PIPE p TO s [FROM (select ** from root where time >= …)] [WITH k=v, …].
import type { Select, Setting, Statement } from './ast.ts';
import type { Cursor } from './cursor.ts';
import { parseAttributeList, parseIdentifier, parseSettingList } from './parser-expr.ts';
import { atStatementEnd, parseIfExists, parseIfNotExists } from './parser-ddl.ts';
import { parseQuery } from './parser-select.ts';
import { TokenKind } from './tokens.ts';

type PipeSection = 'source' | 'processor' | 'sink';

const PIPE_SECTIONS: Readonly<Record<string, PipeSection>> = {
  SOURCE: 'source',
  EXTRACTOR: 'source',
  PROCESSOR: 'processor',
  SINK: 'sink',
  CONNECTOR: 'sink',
};

/** After CREATE PIPE. */
export function parseCreatePipe(c: Cursor): Statement {
  const ifNotExists = parseIfNotExists(c);
  const name = parseIdentifier(c, 'pipe name');
  if (!ifNotExists && c.acceptWord('TO')) return parseLegacyPipe(c, name);
  const sections: Record<PipeSection, Setting[] | null> = { source: null, processor: null, sink: null };
  while (c.acceptWord('WITH')) {
    const token = c.peek();
    const section = token.kind === TokenKind.Word ? PIPE_SECTIONS[token.upper] : undefined;
    if (section === undefined || sections[section] !== null) return c.fail('SOURCE', 'PROCESSOR', 'SINK');
    c.advance();
    sections[section] = parseAttributeList(c);
  }
  if (sections.sink === null) {
    const noSections = sections.source === null && sections.processor === null;
    if (!ifNotExists && noSections) c.note('TO');
    return c.fail('WITH SINK');
  }
  return {
    kind: 'CreatePipe',
    name,
    ifNotExists,
    source: sections.source,
    processor: sections.processor,
    sink: sections.sink,
  };
}

function parseLegacyPipe(c: Cursor, name: string): Statement {
  const sink = parseIdentifier(c, 'pipe sink name');
  let from: Select | null = null;
  if (c.acceptWord('FROM')) {
    c.expectOp('(');
    const query = parseQuery(c);
    if (query.kind !== 'Select') c.fail("')'");
    from = query;
    c.expectOp(')');
  }
  const settings = c.acceptWord('WITH') ? parseSettingList(c) : [];
  return { kind: 'CreateLegacyPipe', name, sink, from, settings };
}

/** After START or STOP. */
export function parsePipeAction(c: Cursor, action: 'START' | 'STOP'): Statement {
  c.expectWord('PIPE');
  return { kind: 'PipeAction', action, name: parseIdentifier(c, 'pipe name') };
}

/** After DROP PIPE. */
export function parseDropPipe(c: Cursor): Statement {
  const ifExists = parseIfExists(c);
  return { kind: 'DropPipe', name: parseIdentifier(c, 'pipe name'), ifExists };
}

/** After SHOW PIPES. */
export function parseShowPipes(c: Cursor): Statement {
  if (!c.acceptWord('WHERE')) {
    c.note('WHERE SINK USED BY');
    return { kind: 'ShowPipes', sinkUsedBy: null };
  }
  c.expectWord('SINK');
  c.expectWord('USED');
  c.expectWord('BY');
  return { kind: 'ShowPipes', sinkUsedBy: parseIdentifier(c, 'pipe name') };
}

/** After SHOW PIPE: a name, or nothing (then it is SHOW PIPES). */
export function parseShowPipe(c: Cursor): Statement {
  if (atStatementEnd(c)) return { kind: 'ShowPipes', sinkUsedBy: null };
  return { kind: 'ShowPipe', name: parseIdentifier(c, 'pipe name') };
}

/** After CREATE PIPESINK. */
export function parseCreatePipeSink(c: Cursor): Statement {
  const name = parseIdentifier(c, 'pipe sink name');
  c.expectWord('AS');
  const sinkType = parseIdentifier(c, 'pipe sink type');
  const attributes = c.isOp('(') ? parseAttributeList(c) : [];
  return { kind: 'CreatePipeSink', name, sinkType, attributes };
}

/** After SHOW PIPESINK: a name, or nothing (then it is SHOW PIPESINKS). */
export function parseShowPipeSink(c: Cursor): Statement {
  if (atStatementEnd(c)) return { kind: 'ShowPipeSinks' };
  return { kind: 'ShowPipeSink', name: parseIdentifier(c, 'pipe sink name') };
}
