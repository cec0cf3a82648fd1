// AST → SQL text, for SHOW CREATE, logs and tests. The contract is the round trip:
// parseStatement(formatStatement(ast)) deep-equals ast for every tree the parser can produce
// (test/fuzz/sql-parser.test.ts checks it on random trees). Output is one line, keywords in
// upper case, identifiers quoted with backquotes only when they would not read back as the
// same name, and parentheses only where precedence needs them (PRECEDENCE in parser-expr.ts).
//
// With `redactSecrets`, settings named `password` (or ending in `.password`, like IoTDB's
// 'sink.password') and user passwords print as '******', as every SHOW output must.
import assert from 'node:assert/strict';
import type {
  ColumnDef,
  Emit,
  Expr,
  ExprKind,
  FromItem,
  GrantTarget,
  ObjectName,
  QueryStatement,
  Select,
  Setting,
  SettingValue,
  Statement,
  StatementKind,
  TypeArg,
  TypeRef,
} from './ast.ts';
import { PRECEDENCE, binaryPrecedence } from './parser-expr.ts';
import { KEYWORDS, RESERVED } from './tokens.ts';

export interface FormatOptions {
  /** Print passwords as '******'. */
  readonly redactSecrets?: boolean;
}

export const REDACTED = '******';

export function formatStatement(statement: Statement, options: FormatOptions = {}): string {
  const print = statementPrinters[statement.kind] as (node: Statement, options: FormatOptions) => string;
  return print(statement, options);
}

export function formatExpression(expr: Expr): string {
  const print = exprPrinters[expr.kind] as (node: Expr) => string;
  return print(expr);
}

// ---------------------------------------------------------------------------------------------
// Names and literals.

const PLAIN_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function backquote(name: string): string {
  return '`' + name.replace(/[\\`]/g, (c) => '\\' + c) + '`';
}

/** A name in expression position: bare unless reserved there or not a plain word. */
export function formatIdentifier(name: string): string {
  return PLAIN_NAME.test(name) && !RESERVED.has(name.toUpperCase()) ? name : backquote(name);
}

/** A name in statement position (streams, pipes, users): bare unless it is any keyword. */
function formatName(name: string): string {
  return PLAIN_NAME.test(name) && !KEYWORDS.has(name.toUpperCase()) ? name : backquote(name);
}

/** A part after a dot, where any word reads back as a name. */
function formatPart(name: string): string {
  return PLAIN_NAME.test(name) ? name : backquote(name);
}

function formatObjectName(name: ObjectName): string {
  let text = formatName(name.parts[0]!);
  for (let i = 1; i < name.parts.length; i++) text += '.' + formatPart(name.parts[i]!);
  return text;
}

/** Database names are dotted paths joined by '.'; a name with an empty part is one quoted part. */
function formatDatabaseName(name: string): string {
  const parts = name.split('.');
  if (parts.some((part) => part === '')) return backquote(name);
  return formatObjectName({ kind: 'ObjectName', parts });
}

const STRING_ESCAPES: Readonly<Record<string, string>> = {
  '\\': '\\\\',
  "'": "\\'",
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\0': '\\0',
};

export function formatString(value: string): string {
  return "'" + value.replace(/[\\'\n\r\t\0]/g, (c) => STRING_ESCAPES[c]!) + "'";
}

function formatSettingValue(value: SettingValue): string {
  switch (value.kind) {
    case 'IntegerLiteral':
    case 'FloatLiteral':
      return value.text;
    case 'StringLiteral':
      return formatString(value.value);
    case 'BooleanLiteral':
      return value.value ? 'true' : 'false';
    case 'NullLiteral':
      return 'NULL';
  }
}

function isSecret(name: string): boolean {
  const lower = name.toLowerCase();
  return lower === 'password' || lower.endsWith('.password');
}

function formatSetting(setting: Setting, options: FormatOptions, quoteKey: boolean): string {
  const key = quoteKey ? formatString(setting.name) : formatPart(setting.name);
  const value = options.redactSecrets && isSecret(setting.name) ? formatString(REDACTED) : formatSettingValue(setting.value);
  return `${key} = ${value}`;
}

function formatSettings(settings: readonly Setting[], options: FormatOptions): string {
  return settings.map((setting) => formatSetting(setting, options, false)).join(', ');
}

/** IoTDB attribute lists: `('sink' = 'iotdb-thrift-sink', 'sink.ip' = '127.0.0.1')`. */
function formatAttributes(settings: readonly Setting[], options: FormatOptions, quoteKeys: boolean): string {
  return '(' + settings.map((setting) => formatSetting(setting, options, quoteKeys)).join(', ') + ')';
}

function formatType(type: TypeRef): string {
  if (type.args.length === 0) return formatPart(type.name);
  return `${formatPart(type.name)}(${type.args.map(formatTypeArg).join(', ')})`;
}

function formatTypeArg(arg: TypeArg): string {
  if (typeof arg === 'number') return String(arg);
  if (typeof arg === 'string') return formatString(arg);
  return formatType(arg);
}

/** An IoTDB option value: bare when it reads back as a word, else a string. */
function formatWordOrString(value: string): string {
  return PLAIN_NAME.test(value) ? value : formatString(value);
}

// ---------------------------------------------------------------------------------------------
// Expressions.

function precedenceOf(expr: Expr): number {
  switch (expr.kind) {
    case 'Binary':
      return binaryPrecedence(expr.op);
    case 'Unary':
      return expr.op === 'NOT' ? PRECEDENCE.Not : PRECEDENCE.Unary;
    case 'In':
    case 'Between':
    case 'Like':
    case 'IsNull':
      return PRECEDENCE.Comparison;
    case 'Subscript':
      return PRECEDENCE.Postfix;
    default:
      return PRECEDENCE.Primary;
  }
}

/** Prints `expr`, parenthesized when it binds more loosely than `min`. */
function operand(expr: Expr, min: number): string {
  const text = formatExpression(expr);
  return precedenceOf(expr) < min ? `(${text})` : text;
}

function list(exprs: readonly Expr[]): string {
  return exprs.map(formatExpression).join(', ');
}

function not(negated: boolean): string {
  return negated ? ' NOT' : '';
}

type Printers<U extends { kind: string }, K extends string, A extends unknown[]> = {
  readonly [P in K]: (node: Extract<U, { kind: P }>, ...args: A) => string;
};

const exprPrinters: Printers<Expr, ExprKind, []> = {
  IntegerLiteral: (node) => node.text,
  FloatLiteral: (node) => node.text,
  StringLiteral: (node) => formatString(node.value),
  BooleanLiteral: (node) => (node.value ? 'true' : 'false'),
  NullLiteral: () => 'NULL',
  DurationLiteral: (node) => node.amount + node.unit,
  Interval: (node) => `INTERVAL ${operand(node.value, PRECEDENCE.Unary)} ${node.unit}`,
  Parameter: (node) => `{${formatIdentifier(node.name)}:${formatType(node.type)}}`,
  ColumnRef: (node) => formatIdentifier(node.parts[0]!) + node.parts.slice(1).map((part) => '.' + formatPart(part)).join(''),
  Star: (node) => {
    if (node.deep) return '**';
    if (node.qualifier.length === 0) return '*';
    return formatIdentifier(node.qualifier[0]!) + node.qualifier.slice(1).map((p) => '.' + formatPart(p)).join('') + '.*';
  },
  Unary: (node) => {
    if (node.op === 'NOT') return `NOT ${operand(node.operand, PRECEDENCE.Not)}`;
    const text = operand(node.operand, PRECEDENCE.Unary);
    // `- -1`, not `--1`, which would start a comment.
    return text.startsWith('-') || text.startsWith('+') ? `${node.op} ${text}` : node.op + text;
  },
  Binary: (node) => {
    const precedence = binaryPrecedence(node.op);
    return `${operand(node.left, precedence)} ${node.op} ${operand(node.right, precedence + 1)}`;
  },
  In: (node) => {
    const head = `${operand(node.operand, PRECEDENCE.Comparison)}${not(node.negated)} IN `;
    const only = node.list.length === 1 ? node.list[0]! : null;
    if (only !== null && only.kind === 'Subquery') return `${head}(${formatQuery(only.query, {})})`;
    return `${head}(${list(node.list)})`;
  },
  Between: (node) =>
    `${operand(node.operand, PRECEDENCE.Comparison)}${not(node.negated)} BETWEEN ` +
    `${operand(node.low, PRECEDENCE.Comparison + 1)} AND ${operand(node.high, PRECEDENCE.Comparison + 1)}`,
  Like: (node) =>
    `${operand(node.operand, PRECEDENCE.Comparison)}${not(node.negated)} ${node.caseInsensitive ? 'ILIKE' : 'LIKE'} ` +
    operand(node.pattern, PRECEDENCE.Comparison + 1),
  IsNull: (node) => `${operand(node.operand, PRECEDENCE.Comparison)} IS${not(node.negated)} NULL`,
  Case: (node) => {
    let text = 'CASE';
    if (node.operand !== null) text += ' ' + formatExpression(node.operand);
    for (const when of node.whens) text += ` WHEN ${formatExpression(when.when)} THEN ${formatExpression(when.then)}`;
    if (node.else !== null) text += ` ELSE ${formatExpression(node.else)}`;
    return text + ' END';
  },
  Cast: (node) => `CAST(${formatExpression(node.operand)} AS ${formatType(node.type)})`,
  FunctionCall: (node) => {
    const params = node.params === null ? '' : `(${list(node.params)})`;
    return `${formatIdentifier(node.name)}${params}(${node.distinct ? 'DISTINCT ' : ''}${list(node.args)})`;
  },
  Subscript: (node) => `${operand(node.operand, PRECEDENCE.Postfix)}[${formatExpression(node.index)}]`,
  Array: (node) => `[${list(node.items)}]`,
  Tuple: (node) => {
    assert(node.items.length !== 1, 'a one-element tuple has no literal syntax');
    return `(${list(node.items)})`;
  },
  Subquery: (node) => `(${formatQuery(node.query, {})})`,
};

// ---------------------------------------------------------------------------------------------
// Queries.

function formatQuery(query: QueryStatement, options: FormatOptions): string {
  if (query.kind === 'Select') return formatSelect(query, options);
  assert(query.selects.length >= 2);
  return query.selects.map((select) => formatSelect(select, options)).join(' UNION ALL ');
}

function formatSelect(select: Select, options: FormatOptions): string {
  const parts: string[] = [];
  if (select.with.length > 0) {
    const items = select.with.map((item) =>
      item.kind === 'CommonTableExpr'
        ? `${formatIdentifier(item.name)} AS (${formatQuery(item.query, options)})`
        : `${formatExpression(item.expr)} AS ${formatIdentifier(item.name)}`,
    );
    parts.push('WITH ' + items.join(', '));
  }
  const items = select.items.map((item) =>
    item.alias === null ? formatExpression(item.expr) : `${formatExpression(item.expr)} AS ${formatIdentifier(item.alias)}`,
  );
  parts.push((select.distinct ? 'SELECT DISTINCT ' : 'SELECT ') + items.join(', '));
  if (select.from !== null) parts.push('FROM ' + formatFrom(select.from, options));
  if (select.where !== null) parts.push('WHERE ' + formatExpression(select.where));
  if (select.groupBy.length > 0) parts.push('GROUP BY ' + list(select.groupBy));
  if (select.having !== null) parts.push('HAVING ' + formatExpression(select.having));
  if (select.emit !== null) parts.push(formatEmit(select.emit));
  if (select.orderBy.length > 0) {
    const orderItems = select.orderBy.map((item) => {
      let text = formatExpression(item.expr);
      if (item.direction !== null) text += ' ' + item.direction;
      if (item.nulls !== null) text += ' NULLS ' + item.nulls;
      return text;
    });
    parts.push('ORDER BY ' + orderItems.join(', '));
  }
  if (select.limit !== null) {
    let text = 'LIMIT ' + formatExpression(select.limit.count);
    if (select.limit.offset !== null) text += ' OFFSET ' + formatExpression(select.limit.offset);
    parts.push(text);
  }
  if (select.settings.length > 0) parts.push('SETTINGS ' + formatSettings(select.settings, options));
  if (select.format !== null) parts.push('FORMAT ' + formatIdentifier(select.format));
  return parts.join(' ');
}

function alias(name: string | null): string {
  return name === null ? '' : ' AS ' + formatIdentifier(name);
}

function formatFrom(item: FromItem, options: FormatOptions): string {
  switch (item.kind) {
    case 'TableRef':
      return formatObjectName(item.name) + alias(item.alias);
    case 'TableFunction':
      return `${formatIdentifier(item.name)}(${list(item.args)})${alias(item.alias)}`;
    case 'SubqueryTable':
      return `(${formatQuery(item.query, options)})${alias(item.alias)}`;
    case 'Join': {
      assert(item.right.kind !== 'Join', 'joins nest to the left');
      let text = `${formatFrom(item.left, options)} ${item.type} JOIN ${formatFrom(item.right, options)}`;
      if (item.on !== null) text += ' ON ' + formatExpression(item.on);
      if (item.using.length > 0) text += ` USING (${item.using.map(formatIdentifier).join(', ')})`;
      return text;
    }
  }
}

function formatEmit(emit: Emit): string {
  let text = 'EMIT';
  if (emit.mode !== null) text += ' ' + emit.mode;
  const policy = emit.policy;
  if (policy === null) return text;
  switch (policy.kind) {
    case 'EmitPeriodic':
      return `${text} PERIODIC ${operand(policy.interval, PRECEDENCE.Unary)}${policy.repeat ? ' REPEAT' : ''}`;
    case 'EmitOnUpdate':
      return text + ' ON UPDATE';
    case 'EmitAfterWindowClose':
      return text + ' AFTER WINDOW CLOSE';
    case 'EmitAfterWatermark':
      return text + ' AFTER WATERMARK';
  }
}

// ---------------------------------------------------------------------------------------------
// Statements.

function ifNotExists(flag: boolean): string {
  return flag ? 'IF NOT EXISTS ' : '';
}

function ifExists(flag: boolean): string {
  return flag ? 'IF EXISTS ' : '';
}

function formatColumnDef(column: ColumnDef): string {
  let text = `${formatIdentifier(column.name)} ${formatType(column.type)}`;
  if (column.default !== null) text += ' DEFAULT ' + formatExpression(column.default);
  if (column.comment !== null) text += ' COMMENT ' + formatString(column.comment);
  if (column.codec !== null) text += ` CODEC(${list(column.codec)})`;
  return text;
}

function formatColumns(columns: readonly ColumnDef[]): string {
  return `(${columns.map(formatColumnDef).join(', ')})`;
}

function formatGrantTarget(target: GrantTarget): string {
  switch (target.kind) {
    case 'GrantAll':
      return '*.*';
    case 'GrantDatabase':
      return formatDatabaseName(target.database) + '.*';
    case 'GrantObject':
      return formatObjectName(target.name);
  }
}

function formatPassword(password: string, options: FormatOptions): string {
  return formatString(options.redactSecrets ? REDACTED : password);
}

function formatIdentifiedBy(password: string, authMethod: string | null, options: FormatOptions): string {
  const method = authMethod === null ? '' : ` WITH ${formatIdentifier(authMethod)}`;
  return ` IDENTIFIED${method} BY ${formatPassword(password, options)}`;
}

const statementPrinters: Printers<Statement, StatementKind, [FormatOptions]> = {
  Select: (node, options) => formatQuery(node, options),
  Union: (node, options) => formatQuery(node, options),
  Insert: (node, options) => {
    let text = 'INSERT INTO ' + formatObjectName(node.target);
    if (node.columns !== null) text += ` (${node.columns.map(formatIdentifier).join(', ')})`;
    const body = node.body;
    switch (body.kind) {
      case 'InsertValues':
        return `${text} VALUES ${body.rows.map((row) => `(${list(row)})`).join(', ')}`;
      case 'InsertFormat':
        return `${text} FORMAT ${formatIdentifier(body.format)}\n${body.data}`;
      default:
        return `${text} ${formatQuery(body, options)}`;
    }
  },
  CreateDatabase: (node) => `CREATE DATABASE ${ifNotExists(node.ifNotExists)}${formatDatabaseName(node.name)}`,
  DropDatabase: (node) => `DROP DATABASE ${ifExists(node.ifExists)}${formatDatabaseName(node.name)}`,
  Use: (node) => `USE ${formatDatabaseName(node.database)}`,
  CreateStream: (node, options) => {
    let text = `CREATE STREAM ${ifNotExists(node.ifNotExists)}${formatObjectName(node.name)} ${formatColumns(node.columns)}`;
    if (node.settings.length > 0) text += ' SETTINGS ' + formatSettings(node.settings, options);
    return text;
  },
  CreateExternalStream: (node, options) => {
    let text = `CREATE EXTERNAL STREAM ${ifNotExists(node.ifNotExists)}${formatObjectName(node.name)}`;
    if (node.columns.length > 0) text += ' ' + formatColumns(node.columns);
    return `${text} SETTINGS ${formatSettings(node.settings, options)}`;
  },
  DropStream: (node) => `DROP STREAM ${ifExists(node.ifExists)}${formatObjectName(node.name)}`,
  CreateView: (node, options) => {
    let text = 'CREATE ';
    if (node.orReplace) text += 'OR REPLACE ';
    if (node.materialized) text += 'MATERIALIZED ';
    text += `VIEW ${ifNotExists(node.ifNotExists)}${formatObjectName(node.name)}`;
    if (node.into !== null) text += ' INTO ' + formatObjectName(node.into);
    return `${text} AS ${formatQuery(node.query, options)}`;
  },
  DropView: (node) => `DROP VIEW ${ifExists(node.ifExists)}${formatObjectName(node.name)}`,
  SystemView: (node) => `SYSTEM ${node.action} MATERIALIZED VIEW ${formatObjectName(node.name)}`,
  ShowDatabases: () => 'SHOW DATABASES',
  ShowViews: (node) => `SHOW ${node.materialized ? 'MATERIALIZED VIEWS' : 'VIEWS'}${node.database === null ? '' : ` FROM ${formatDatabaseName(node.database)}`}`,
  ShowStreams: (node) => (node.database === null ? 'SHOW STREAMS' : `SHOW STREAMS FROM ${formatDatabaseName(node.database)}`),
  ShowCreate: (node) => {
    const type = node.objectType === null ? '' : node.objectType + ' ';
    return `SHOW CREATE ${type}${formatObjectName(node.name)}`;
  },
  Describe: (node) => `DESCRIBE ${formatObjectName(node.name)}`,
  CreatePipe: (node, options) => {
    let text = `CREATE PIPE ${ifNotExists(node.ifNotExists)}${formatName(node.name)}`;
    if (node.source !== null) text += ' WITH SOURCE ' + formatAttributes(node.source, options, true);
    if (node.processor !== null) text += ' WITH PROCESSOR ' + formatAttributes(node.processor, options, true);
    return text + ' WITH SINK ' + formatAttributes(node.sink, options, true);
  },
  CreateLegacyPipe: (node, options) => {
    let text = `CREATE PIPE ${formatName(node.name)} TO ${formatName(node.sink)}`;
    if (node.from !== null) text += ` FROM (${formatSelect(node.from, options)})`;
    if (node.settings.length > 0) text += ' WITH ' + formatSettings(node.settings, options);
    return text;
  },
  PipeAction: (node) => `${node.action} PIPE ${formatName(node.name)}`,
  DropPipe: (node) => `DROP PIPE ${ifExists(node.ifExists)}${formatName(node.name)}`,
  ShowPipes: (node) => (node.sinkUsedBy === null ? 'SHOW PIPES' : `SHOW PIPES WHERE SINK USED BY ${formatName(node.sinkUsedBy)}`),
  ShowPipe: (node) => `SHOW PIPE ${formatName(node.name)}`,
  ShowPipePlugins: () => 'SHOW PIPEPLUGINS',
  CreatePipeSink: (node, options) => {
    const text = `CREATE PIPESINK ${formatName(node.name)} AS ${formatName(node.sinkType)}`;
    return node.attributes.length === 0 ? text : `${text} ${formatAttributes(node.attributes, options, false)}`;
  },
  DropPipeSink: (node) => `DROP PIPESINK ${formatName(node.name)}`,
  ShowPipeSinks: () => 'SHOW PIPESINKS',
  ShowPipeSink: (node) => `SHOW PIPESINK ${formatName(node.name)}`,
  ShowPipeSinkType: () => 'SHOW PIPESINKTYPE',
  ShowDataNodes: () => 'SHOW DATANODES',
  CreateUser: (node, options) => {
    const text = `CREATE USER ${ifNotExists(node.ifNotExists)}${formatName(node.name)}`;
    if (node.password === null) return text;
    return text + formatIdentifiedBy(node.password, node.authMethod, options);
  },
  AlterUser: (node, options) => `ALTER USER ${formatName(node.name)}${formatIdentifiedBy(node.password, node.authMethod, options)}`,
  DropUser: (node) => `DROP USER ${ifExists(node.ifExists)}${formatName(node.name)}`,
  Grant: (node) =>
    `GRANT ${node.privileges.join(', ')} ON ${formatGrantTarget(node.on)} TO ${node.users.map(formatName).join(', ')}`,
  Revoke: (node) =>
    `REVOKE ${node.privileges.join(', ')} ON ${formatGrantTarget(node.on)} FROM ${node.users.map(formatName).join(', ')}`,
  CreateTimeseries: (node) => {
    const options = node.options.map((option) => `, ${option.key}=${formatWordOrString(option.value)}`).join('');
    return `CREATE TIMESERIES ${formatObjectName(node.path)} WITH DATATYPE=${formatWordOrString(node.dataType)}${options}`;
  },
  Flush: () => 'FLUSH',
};
