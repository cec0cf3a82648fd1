// What each statement needs before it runs (access.ts says how a check is decided). One entry per
// statement kind, so the compiler flags a new kind that has no rule. Reads inside queries (FROM s,
// table(s), windows, subqueries, CTEs, INSERT … SELECT) are checked by the planner as it resolves
// each stream (select-planner.ts, PlanEnv.authorize): here SELECT needs nothing more.
//
//   SELECT on the stream     queries, DESCRIBE, SHOW CREATE STREAM
//   INSERT on the stream     INSERT (also the native protocol's INSERT frames: server-connection.ts)
//   CREATE on db.* / db.s    CREATE DATABASE, STREAM, EXTERNAL STREAM, VIEW, TIMESERIES
//   DROP   on db.* / db.s    DROP DATABASE, STREAM, VIEW
//   USE_PIPE on *.*          every pipe and pipe sink statement, SHOW DATANODES
//   ALL on *.*               user management (CREATE/ALTER/DROP USER, GRANT, REVOKE, SHOW CREATE USER), FLUSH
//   any privilege in db      USE db, SHOW STREAMS (which lists only what the user has privileges on)
import type { ObjectName, Statement, StatementKind } from '../../sql/index.ts';
import type { Access } from './access.ts';

type Rule<K extends StatementKind> = (statement: Extract<Statement, { kind: K }>, access: Access, database: string) => void;

/** Splits `s` / `db.s` against the session's database, as the planner and DDL do. */
export function splitObjectName(name: ObjectName, database: string): [string, string] {
  const parts = name.parts;
  return parts.length === 1 ? [database, parts[0]] : [parts.slice(0, -1).join('.'), parts[parts.length - 1]];
}

const none = () => undefined;
const admin = (_: Statement, access: Access) => access.check('ALL', null, null);
const pipes = (_: Statement, access: Access) => access.check('USE_PIPE', null, null);
const onObject =
  (privilege: 'SELECT' | 'INSERT' | 'CREATE' | 'DROP') =>
  (statement: { readonly name: ObjectName }, access: Access, database: string): void =>
    access.check(privilege, ...splitObjectName(statement.name, database));

const RULES: { readonly [K in StatementKind]: Rule<K> } = {
  Select: none,
  Union: none,
  Insert: (s, access, database) => access.check('INSERT', ...splitObjectName(s.target, database)),
  CreateDatabase: (s, access) => access.check('CREATE', s.name, null),
  DropDatabase: (s, access) => access.check('DROP', s.name, null),
  Use: (s, access) => access.checkDatabase(s.database),
  CreateStream: onObject('CREATE'),
  CreateExternalStream: onObject('CREATE'),
  CreateView: onObject('CREATE'),
  CreateTimeseries: (s, access, database) => access.check('CREATE', ...splitObjectName(s.path, database)),
  DropStream: onObject('DROP'),
  DropView: onObject('DROP'),
  SystemView: onObject('CREATE'),
  ShowDatabases: none,
  ShowStreams: (s, access, database) => access.checkDatabase(s.database ?? database),
  ShowViews: (s, access, database) => access.checkDatabase(s.database ?? database),
  ShowCreate: (s, access, database) => {
    if (s.objectType === 'USER') access.check('ALL', null, null);
    else if (s.objectType === 'DATABASE') access.checkDatabase(s.name.parts.join('.'));
    else if (s.objectType === 'PIPE') access.check('USE_PIPE', null, null);
    else access.check('SELECT', ...splitObjectName(s.name, database));
  },
  Describe: onObject('SELECT'),
  CreatePipe: pipes,
  CreateLegacyPipe: pipes,
  PipeAction: pipes,
  DropPipe: pipes,
  ShowPipes: pipes,
  ShowPipe: pipes,
  ShowPipePlugins: pipes,
  CreatePipeSink: pipes,
  DropPipeSink: pipes,
  ShowPipeSinks: pipes,
  ShowPipeSink: pipes,
  ShowPipeSinkType: pipes,
  ShowDataNodes: pipes,
  CreateUser: admin,
  AlterUser: admin,
  DropUser: admin,
  Grant: admin,
  Revoke: admin,
  Flush: admin,
};

/** Throws ACCESS_DENIED when the session's user may not run `statement` (before it does anything). */
export function checkStatementAccess(statement: Statement, access: Access, database: string): void {
  if (access.hasEverything) return;
  (RULES[statement.kind] as Rule<StatementKind>)(statement as never, access, database);
}
