// The SQL syntax tree: plain, immutable objects discriminated by `kind` (Kysely operation nodes).
// The parser builds them, the formatter prints them, the binder gives them meaning.
//
// Invariants:
// - Nodes are never mutated after the parser returns them: every field is `readonly` in the
//   types; they are not frozen at runtime, which would slow parsing for no safety the types
//   do not already give. Build a changed copy with spread instead.
// - Nodes hold no source positions, so two parses of equivalent text are deep-equal and
//   parse(format(ast)) deep-equals ast. Positions live only in syntax errors.
// - Nodes are syntax, not semantics: type names, function names, setting names and pipe
//   attributes are kept as written and validated later, by the modules that own them.
// - Integers are kept as source text so int64 values stay exact (`BigInt(text)` reads them).
// - A name with dots (`db.s`, IoTDB `root.vehicle.d0`) is an ObjectName with one entry per part;
//   the binder decides which prefix is the database. Database names are the parts joined by '.'.

// ---------------------------------------------------------------------------------------------
// Statements.

export type Statement =
  | QueryStatement
  | InsertStatement
  | CreateDatabaseStatement
  | DropDatabaseStatement
  | UseStatement
  | CreateStreamStatement
  | CreateExternalStreamStatement
  | DropStreamStatement
  | CreateViewStatement
  | DropViewStatement
  | SystemViewStatement
  | ShowDatabasesStatement
  | ShowStreamsStatement
  | ShowViewsStatement
  | ShowCreateStatement
  | DescribeStatement
  | CreatePipeStatement
  | CreateLegacyPipeStatement
  | PipeActionStatement
  | DropPipeStatement
  | ShowPipesStatement
  | ShowPipeStatement
  | ShowPipePluginsStatement
  | CreatePipeSinkStatement
  | DropPipeSinkStatement
  | ShowPipeSinksStatement
  | ShowPipeSinkStatement
  | ShowPipeSinkTypeStatement
  | ShowDataNodesStatement
  | CreateUserStatement
  | AlterUserStatement
  | DropUserStatement
  | GrantStatement
  | RevokeStatement
  | CreateTimeseriesStatement
  | FlushStatement;

export type StatementKind = Statement['kind'];

/** A SELECT or a UNION ALL of SELECTs. */
export type QueryStatement = Select | Union;

/** `SELECT …` with every optional clause; an absent clause is null or an empty list. */
export interface Select {
  readonly kind: 'Select';
  readonly with: readonly WithItem[];
  readonly distinct: boolean;
  readonly items: readonly SelectItem[];
  readonly from: FromItem | null;
  readonly where: Expr | null;
  readonly groupBy: readonly Expr[];
  readonly having: Expr | null;
  readonly emit: Emit | null;
  readonly orderBy: readonly OrderItem[];
  readonly limit: Limit | null;
  readonly settings: readonly Setting[];
  /** Output format (`FORMAT JSONEachRow`). Only a top-level statement's last SELECT has one. */
  readonly format: string | null;
}

/** `a UNION ALL b UNION ALL c`: at least two selects. */
export interface Union {
  readonly kind: 'Union';
  readonly selects: readonly Select[];
}

export type WithItem = CommonTableExpr | WithExpr;

/** `WITH name AS (SELECT …)`. */
export interface CommonTableExpr {
  readonly kind: 'CommonTableExpr';
  readonly name: string;
  readonly query: QueryStatement;
}

/** `WITH expr AS name` (ClickHouse): a named constant expression. */
export interface WithExpr {
  readonly kind: 'WithExpr';
  readonly expr: Expr;
  readonly name: string;
}

export interface SelectItem {
  readonly kind: 'SelectItem';
  readonly expr: Expr;
  readonly alias: string | null;
}

export type FromItem = TableRef | TableFunction | SubqueryTable | Join;

/** A stream, view or IoTDB path: `s`, `db.s`, `root.vehicle`. */
export interface TableRef {
  readonly kind: 'TableRef';
  readonly name: ObjectName;
  readonly alias: string | null;
}

/** `table(s)`, `tumble(s, 5s)`, `hop(s, 1s, 5s)`, `session(s, 5s)`: the binder knows the names. */
export interface TableFunction {
  readonly kind: 'TableFunction';
  readonly name: string;
  readonly args: readonly Expr[];
  readonly alias: string | null;
}

export interface SubqueryTable {
  readonly kind: 'SubqueryTable';
  readonly query: QueryStatement;
  readonly alias: string | null;
}

export const JoinType = {
  Inner: 'INNER',
  Left: 'LEFT',
  Right: 'RIGHT',
  Full: 'FULL',
  Cross: 'CROSS',
} as const;
export type JoinType = (typeof JoinType)[keyof typeof JoinType];

/** `left [INNER|LEFT|RIGHT|FULL|CROSS] JOIN right [ON expr | USING (cols)]`; a comma is CROSS. */
export interface Join {
  readonly kind: 'Join';
  readonly type: JoinType;
  readonly left: FromItem;
  readonly right: FromItem;
  readonly on: Expr | null;
  readonly using: readonly string[];
}

export const EmitMode = { Stream: 'STREAM', Changelog: 'CHANGELOG' } as const;
export type EmitMode = (typeof EmitMode)[keyof typeof EmitMode];

/** Timeplus `EMIT [STREAM|CHANGELOG] [policy]`; at least one of mode and policy is set. */
export interface Emit {
  readonly kind: 'Emit';
  readonly mode: EmitMode | null;
  readonly policy: EmitPolicy | null;
}

export type EmitPolicy =
  | { readonly kind: 'EmitPeriodic'; readonly interval: Expr; readonly repeat: boolean }
  | { readonly kind: 'EmitOnUpdate' }
  | { readonly kind: 'EmitAfterWindowClose' }
  | { readonly kind: 'EmitAfterWatermark' };

export interface OrderItem {
  readonly kind: 'OrderItem';
  readonly expr: Expr;
  /** null when not written (ascending). */
  readonly direction: 'ASC' | 'DESC' | null;
  readonly nulls: 'FIRST' | 'LAST' | null;
}

/** `LIMIT n [OFFSET m]`; `LIMIT m, n` parses to the same node. */
export interface Limit {
  readonly kind: 'Limit';
  readonly count: Expr;
  readonly offset: Expr | null;
}

/** `INSERT INTO target [(cols)] VALUES … | SELECT … | FORMAT name <data>`. */
export interface InsertStatement {
  readonly kind: 'Insert';
  readonly target: ObjectName;
  readonly columns: readonly string[] | null;
  readonly body: InsertValues | QueryStatement | InsertFormat;
}

export interface InsertValues {
  readonly kind: 'InsertValues';
  readonly rows: readonly (readonly Expr[])[];
}

/**
 * `FORMAT JSONEachRow <data>`: the data is everything after the format name to the end of the
 * input (it may contain ';'), minus leading spaces/tabs and at most one line break.
 */
export interface InsertFormat {
  readonly kind: 'InsertFormat';
  readonly format: string;
  readonly data: string;
}

export interface CreateDatabaseStatement {
  readonly kind: 'CreateDatabase';
  readonly name: string;
  readonly ifNotExists: boolean;
}

export interface DropDatabaseStatement {
  readonly kind: 'DropDatabase';
  readonly name: string;
  readonly ifExists: boolean;
}

export interface UseStatement {
  readonly kind: 'Use';
  readonly database: string;
}

export interface CreateStreamStatement {
  readonly kind: 'CreateStream';
  readonly name: ObjectName;
  readonly ifNotExists: boolean;
  readonly columns: readonly ColumnDef[];
  readonly settings: readonly Setting[];
}

/** Columns are optional: a `type='timeplus'` external stream may fetch them from the remote. */
export interface CreateExternalStreamStatement {
  readonly kind: 'CreateExternalStream';
  readonly name: ObjectName;
  readonly ifNotExists: boolean;
  readonly columns: readonly ColumnDef[];
  readonly settings: readonly Setting[];
}

export interface ColumnDef {
  readonly kind: 'ColumnDef';
  readonly name: string;
  readonly type: TypeRef;
  readonly default: Expr | null;
  /** `CODEC(DoubleDelta, LZ4)` → two expressions; null when absent. */
  readonly codec: readonly Expr[] | null;
  readonly comment: string | null;
}

export interface DropStreamStatement {
  readonly kind: 'DropStream';
  readonly name: ObjectName;
  readonly ifExists: boolean;
}

/** `CREATE [OR REPLACE] [MATERIALIZED] VIEW [IF NOT EXISTS] v [INTO t] AS SELECT …`. */
export interface CreateViewStatement {
  readonly kind: 'CreateView';
  readonly materialized: boolean;
  readonly orReplace: boolean;
  readonly ifNotExists: boolean;
  readonly name: ObjectName;
  readonly into: ObjectName | null;
  readonly query: QueryStatement;
}

export interface DropViewStatement {
  readonly kind: 'DropView';
  readonly name: ObjectName;
  readonly ifExists: boolean;
}

export const SystemViewAction = { Pause: 'PAUSE', Unpause: 'UNPAUSE', Resume: 'RESUME' } as const;
export type SystemViewAction = (typeof SystemViewAction)[keyof typeof SystemViewAction];

/** `SYSTEM PAUSE|UNPAUSE|RESUME MATERIALIZED VIEW v`. */
export interface SystemViewStatement {
  readonly kind: 'SystemView';
  readonly action: SystemViewAction;
  readonly name: ObjectName;
}

export interface ShowDatabasesStatement {
  readonly kind: 'ShowDatabases';
}

/** `SHOW [MATERIALIZED] VIEWS [FROM db]`. */
export interface ShowViewsStatement {
  readonly kind: 'ShowViews';
  readonly materialized: boolean;
  readonly database: string | null;
}

export interface ShowStreamsStatement {
  readonly kind: 'ShowStreams';
  readonly database: string | null;
}

export const ShowCreateObject = {
  Stream: 'STREAM',
  ExternalStream: 'EXTERNAL STREAM',
  View: 'VIEW',
  MaterializedView: 'MATERIALIZED VIEW',
  Database: 'DATABASE',
  User: 'USER',
  Pipe: 'PIPE',
} as const;
export type ShowCreateObject = (typeof ShowCreateObject)[keyof typeof ShowCreateObject];

/** `SHOW CREATE [STREAM|VIEW|…] name`; objectType null when not written. */
export interface ShowCreateStatement {
  readonly kind: 'ShowCreate';
  readonly objectType: ShowCreateObject | null;
  readonly name: ObjectName;
}

export interface DescribeStatement {
  readonly kind: 'Describe';
  readonly name: ObjectName;
}

/**
 * IoTDB pipe: `CREATE PIPE p [WITH SOURCE (…)] [WITH PROCESSOR (…)] WITH SINK (…)`.
 * `EXTRACTOR` and `CONNECTOR` (IoTDB 1.2 names) parse to source and sink.
 */
export interface CreatePipeStatement {
  readonly kind: 'CreatePipe';
  readonly name: string;
  readonly ifNotExists: boolean;
  readonly source: readonly Setting[] | null;
  readonly processor: readonly Setting[] | null;
  readonly sink: readonly Setting[];
}

/** IoTDB 1.1 sync tool: `CREATE PIPE p TO sink [FROM (select ** from root where time>=…)] [WITH k=v, …]`. */
export interface CreateLegacyPipeStatement {
  readonly kind: 'CreateLegacyPipe';
  readonly name: string;
  readonly sink: string;
  /** The FROM query as written; the binder allows only `**`, `root` and a start time. */
  readonly from: Select | null;
  readonly settings: readonly Setting[];
}

export interface PipeActionStatement {
  readonly kind: 'PipeAction';
  readonly action: 'START' | 'STOP';
  readonly name: string;
}

export interface DropPipeStatement {
  readonly kind: 'DropPipe';
  readonly name: string;
  readonly ifExists: boolean;
}

/** `SHOW PIPES [WHERE SINK USED BY p]`; `SHOW PIPE` without a name is the same statement. */
export interface ShowPipesStatement {
  readonly kind: 'ShowPipes';
  readonly sinkUsedBy: string | null;
}

export interface ShowPipeStatement {
  readonly kind: 'ShowPipe';
  readonly name: string;
}

export interface ShowPipePluginsStatement {
  readonly kind: 'ShowPipePlugins';
}

/** `CREATE PIPESINK name AS IoTDB [(ip='…', port=6667)]`. */
export interface CreatePipeSinkStatement {
  readonly kind: 'CreatePipeSink';
  readonly name: string;
  readonly sinkType: string;
  readonly attributes: readonly Setting[];
}

export interface DropPipeSinkStatement {
  readonly kind: 'DropPipeSink';
  readonly name: string;
}

/** `SHOW PIPESINKS`; `SHOW PIPESINK` without a name is the same statement. */
export interface ShowPipeSinksStatement {
  readonly kind: 'ShowPipeSinks';
}

export interface ShowPipeSinkStatement {
  readonly kind: 'ShowPipeSink';
  readonly name: string;
}

export interface ShowPipeSinkTypeStatement {
  readonly kind: 'ShowPipeSinkType';
}

/** IoTDB `SHOW DATANODES`; the sync-tool docs ask users to run it when a pipe fails. */
export interface ShowDataNodesStatement {
  readonly kind: 'ShowDataNodes';
}

/** `CREATE USER [IF NOT EXISTS] u [IDENTIFIED [WITH method] BY 'pw']` (IoTDB: `CREATE USER u 'pw'`). */
export interface CreateUserStatement {
  readonly kind: 'CreateUser';
  readonly name: string;
  readonly ifNotExists: boolean;
  readonly password: string | null;
  readonly authMethod: string | null;
}

/** `ALTER USER u IDENTIFIED [WITH method] BY 'pw'` (IoTDB: `ALTER USER u SET PASSWORD 'pw'`). */
export interface AlterUserStatement {
  readonly kind: 'AlterUser';
  readonly name: string;
  readonly password: string;
  readonly authMethod: string | null;
}

export interface DropUserStatement {
  readonly kind: 'DropUser';
  readonly name: string;
  readonly ifExists: boolean;
}

export const Privilege = {
  Select: 'SELECT',
  Insert: 'INSERT',
  Create: 'CREATE',
  Drop: 'DROP',
  UsePipe: 'USE_PIPE',
  All: 'ALL',
} as const;
export type Privilege = (typeof Privilege)[keyof typeof Privilege];

/** `ON *.*`, `ON db.*`, `ON db.s` (or `ON s`, in the session's database). */
export type GrantTarget =
  | { readonly kind: 'GrantAll' }
  | { readonly kind: 'GrantDatabase'; readonly database: string }
  | { readonly kind: 'GrantObject'; readonly name: ObjectName };

export interface GrantStatement {
  readonly kind: 'Grant';
  readonly privileges: readonly Privilege[];
  readonly on: GrantTarget;
  readonly users: readonly string[];
}

export interface RevokeStatement {
  readonly kind: 'Revoke';
  readonly privileges: readonly Privilege[];
  readonly on: GrantTarget;
  readonly users: readonly string[];
}

/**
 * IoTDB `CREATE TIMESERIES root.a.b.c WITH DATATYPE=INT32, ENCODING=RLE` (or `… INT32 ENCODING=RLE`).
 * Option keys are upper-cased; values are kept as written.
 */
export interface CreateTimeseriesStatement {
  readonly kind: 'CreateTimeseries';
  readonly path: ObjectName;
  readonly dataType: string;
  readonly options: readonly TimeseriesOption[];
}

export interface TimeseriesOption {
  readonly kind: 'TimeseriesOption';
  readonly key: string;
  readonly value: string;
}

export interface FlushStatement {
  readonly kind: 'Flush';
}

// ---------------------------------------------------------------------------------------------
// Shared pieces.

/** A dotted name; every part is non-empty. */
export interface ObjectName {
  readonly kind: 'ObjectName';
  readonly parts: readonly string[];
}

/** `name = literal` in SETTINGS, pipe attribute lists (`'sink.ip'='…'`) and PIPESINK attributes. */
export interface Setting {
  readonly kind: 'Setting';
  readonly name: string;
  readonly value: SettingValue;
}

/** Settings values are literals; a leading '-' on a number is folded into its text. */
export type SettingValue = IntegerLiteral | FloatLiteral | StringLiteral | BooleanLiteral | NullLiteral;

/** A column type as written: `nullable(int32)`, `datetime64(3, 'UTC')`, `decimal(10, 2)`. */
export interface TypeRef {
  readonly kind: 'TypeRef';
  readonly name: string;
  readonly args: readonly TypeArg[];
}

export type TypeArg = TypeRef | number | string;

// ---------------------------------------------------------------------------------------------
// Expressions.

export type Expr =
  | IntegerLiteral
  | FloatLiteral
  | StringLiteral
  | BooleanLiteral
  | NullLiteral
  | DurationLiteral
  | IntervalExpr
  | ParameterExpr
  | ColumnRef
  | StarExpr
  | UnaryExpr
  | BinaryExpr
  | InExpr
  | BetweenExpr
  | LikeExpr
  | IsNullExpr
  | CaseExpr
  | CastExpr
  | FunctionCall
  | SubscriptExpr
  | ArrayExpr
  | TupleExpr
  | SubqueryExpr;

export type ExprKind = Expr['kind'];

/** Decimal digits or `0x…` as written, without sign: `-1` is a UnaryExpr. */
export interface IntegerLiteral {
  readonly kind: 'IntegerLiteral';
  readonly text: string;
}

/** As written, except that a leading '.' gains a '0' (`.5` → `0.5`). */
export interface FloatLiteral {
  readonly kind: 'FloatLiteral';
  readonly text: string;
}

/** The decoded value (escapes resolved). */
export interface StringLiteral {
  readonly kind: 'StringLiteral';
  readonly value: string;
}

export interface BooleanLiteral {
  readonly kind: 'BooleanLiteral';
  readonly value: boolean;
}

export interface NullLiteral {
  readonly kind: 'NullLiteral';
}

/** Case matters: `m` is minutes and `M` months (Timeplus). */
export const DURATION_UNITS = ['ns', 'us', 'ms', 's', 'm', 'h', 'd', 'w', 'M', 'q', 'y'] as const;
export type DurationUnit = (typeof DURATION_UNITS)[number];

/** Timeplus interval shorthand: `5s`, `100ms`, `2d`. `amount` is decimal digits. */
export interface DurationLiteral {
  readonly kind: 'DurationLiteral';
  readonly amount: string;
  readonly unit: DurationUnit;
}

export const INTERVAL_UNITS = [
  'NANOSECOND',
  'MICROSECOND',
  'MILLISECOND',
  'SECOND',
  'MINUTE',
  'HOUR',
  'DAY',
  'WEEK',
  'MONTH',
  'QUARTER',
  'YEAR',
] as const;
export type IntervalUnit = (typeof INTERVAL_UNITS)[number];

/** `INTERVAL 5 SECOND`; plural units parse to the singular. */
export interface IntervalExpr {
  readonly kind: 'Interval';
  readonly value: Expr;
  readonly unit: IntervalUnit;
}

/** ClickHouse query parameter `{name:Type}`. */
export interface ParameterExpr {
  readonly kind: 'Parameter';
  readonly name: string;
  readonly type: TypeRef;
}

/** `a`, `s.a`, `db.s.a`. */
export interface ColumnRef {
  readonly kind: 'ColumnRef';
  readonly parts: readonly string[];
}

/** `*`, `s.*`, or IoTDB's `**` (every series below the FROM path). */
export interface StarExpr {
  readonly kind: 'Star';
  readonly qualifier: readonly string[];
  readonly deep: boolean;
}

export type UnaryOp = '-' | '+' | 'NOT';

export interface UnaryExpr {
  readonly kind: 'Unary';
  readonly op: UnaryOp;
  readonly operand: Expr;
}

/** `==` parses as '=', `<>` as '!='. */
export type BinaryOp = 'OR' | 'AND' | '=' | '!=' | '<' | '<=' | '>' | '>=' | '+' | '-' | '||' | '*' | '/' | '%';

export interface BinaryExpr {
  readonly kind: 'Binary';
  readonly op: BinaryOp;
  readonly left: Expr;
  readonly right: Expr;
}

/** `x [NOT] IN (a, b)`; `x IN (SELECT …)` has one SubqueryExpr in `list`. */
export interface InExpr {
  readonly kind: 'In';
  readonly operand: Expr;
  readonly negated: boolean;
  readonly list: readonly Expr[];
}

export interface BetweenExpr {
  readonly kind: 'Between';
  readonly operand: Expr;
  readonly negated: boolean;
  readonly low: Expr;
  readonly high: Expr;
}

export interface LikeExpr {
  readonly kind: 'Like';
  readonly operand: Expr;
  readonly negated: boolean;
  readonly caseInsensitive: boolean;
  readonly pattern: Expr;
}

export interface IsNullExpr {
  readonly kind: 'IsNull';
  readonly operand: Expr;
  readonly negated: boolean;
}

export interface CaseWhen {
  readonly kind: 'CaseWhen';
  readonly when: Expr;
  readonly then: Expr;
}

/** `CASE [operand] WHEN … THEN … [ELSE …] END`; at least one WHEN. */
export interface CaseExpr {
  readonly kind: 'Case';
  readonly operand: Expr | null;
  readonly whens: readonly CaseWhen[];
  readonly else: Expr | null;
}

/** `CAST(x AS t)` and `x::t` parse to the same node. */
export interface CastExpr {
  readonly kind: 'Cast';
  readonly operand: Expr;
  readonly type: TypeRef;
}

/**
 * `f(args)`, `count(*)`, `count(DISTINCT x)`, and parametric aggregates `quantile(0.9)(x)`,
 * where `params` is `[0.9]` (null for an ordinary call). Names keep their case.
 */
export interface FunctionCall {
  readonly kind: 'FunctionCall';
  readonly name: string;
  readonly params: readonly Expr[] | null;
  readonly distinct: boolean;
  readonly args: readonly Expr[];
}

/** `arr[i]`. */
export interface SubscriptExpr {
  readonly kind: 'Subscript';
  readonly operand: Expr;
  readonly index: Expr;
}

export interface ArrayExpr {
  readonly kind: 'Array';
  readonly items: readonly Expr[];
}

/** `(a, b)` or `()`; a one-element tuple is written `tuple(a)`, a function call. */
export interface TupleExpr {
  readonly kind: 'Tuple';
  readonly items: readonly Expr[];
}

export interface SubqueryExpr {
  readonly kind: 'Subquery';
  readonly query: QueryStatement;
}
