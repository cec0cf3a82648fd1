// The interactive shell of `tributary client` (stdin is a terminal and no --query): a prompt,
// multi-line statements ending in `;`, history across sessions, results as tables fitted to the
// terminal, live results for streaming queries, and Ctrl-C that cancels the running query (at the
// prompt it clears the input) but never leaves the shell. `exit`, `quit` or Ctrl-D leave.
//
// Input is read with node:readline. Lines are handled one at a time, in order: a line typed while
// a query runs waits for it. A statement is complete when the input ends with `;` outside
// strings and comments; `INSERT … FORMAT name` data runs until an empty line.
//
// History: one entry per statement (its lines joined by spaces) appended to the history file
// (TRIBUTARY_HISTORY_FILE, default ~/.tributary_history, mode 0600); the last
// HISTORY_ENTRIES_MAX entries are loaded at start.
import { appendFileSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import readline from 'node:readline';
import type { Client } from '../../net/client.ts';
import { createOutputFormat, type OutputFormat } from '../../engine/format/output-formats.ts';
import type { Batch, Column } from '../../types/batch.ts';
import { errorText, writeOut } from './output.ts';
import { type ResultSink, type StatementOutcome, runStatement } from './run-statement.ts';
import { splitStatements, trailingFormatOf } from './split-statements.ts';
import { TABLE_WIDTH_DEFAULT, type TableColumn, batchCells, renderTable, tableColumns } from './table.ts';

export const PROMPT = 'tributary :) ';
export const PROMPT_CONTINUE = '          :-] ';
export const HISTORY_ENTRIES_MAX = 1000;
/** A live result is printed as a table once no batch arrived for this long, or at TABLE_ROWS_MAX rows. */
const TABLE_FLUSH_MS = 100;
const TABLE_ROWS_MAX = 1000;

const EXIT_COMMAND = /^\s*(exit|quit|logout|\\q)\s*;?\s*$/i;

export interface ShellOptions {
  /** --format: print results in this output format instead of tables. */
  readonly format: string | null;
  /** Shown once at start. */
  readonly banner: string;
}

export function historyFilePath(): string {
  const fromEnv = process.env.TRIBUTARY_HISTORY_FILE;
  return fromEnv !== undefined && fromEnv !== '' ? fromEnv : join(homedir(), '.tributary_history');
}

/** Runs the shell until exit, quit or Ctrl-D; resolves with the exit status (0). */
export function runShell(client: Client, options: ShellOptions): Promise<number> {
  const historyPath = historyFilePath();
  const rl = readline.createInterface({
    input: process.stdin,
    output: process.stdout,
    terminal: true,
    prompt: PROMPT,
    history: loadHistory(historyPath),
    historySize: HISTORY_ENTRIES_MAX,
    removeHistoryDuplicates: true,
  });
  let liveHistory: string[] | null = null;
  rl.on('history', (entries) => (liveHistory = entries));
  let historyWarned = false;
  const remember = (entry: string, lines: number) => {
    // readline keeps one entry per line; a multi-line statement becomes one entry, as on disk.
    if (liveHistory !== null && lines > 1) {
      liveHistory.splice(0, Math.min(lines, liveHistory.length), entry);
    }
    try {
      appendFileSync(historyPath, `${entry}\n`, { mode: 0o600 });
    } catch (error) {
      if (!historyWarned) process.stderr.write(`tributary client: cannot write history to ${historyPath}: ${(error as Error).message}\n`);
      historyWarned = true;
    }
  };

  let buffer: string[] = [];
  let running: AbortController | null = null;
  let closed = false;

  const prompt = () => {
    if (closed) return;
    rl.setPrompt(buffer.length === 0 ? PROMPT : PROMPT_CONTINUE);
    rl.prompt(true);
  };

  const interrupt = () => {
    if (closed && running === null) return;
    if (running !== null) {
      if (!running.signal.aborted) process.stdout.write('\nCancelling query.\n');
      running.abort();
      return;
    }
    // At the prompt: drop what was typed, this line and any earlier lines of the statement.
    rl.write(null, { ctrl: true, name: 'e' });
    rl.write(null, { ctrl: true, name: 'u' });
    buffer = [];
    process.stdout.write('^C\n');
    prompt();
  };
  rl.on('SIGINT', interrupt);
  // Without a terminal in raw mode (or after readline closed) Ctrl-C arrives as a signal.
  const onSignal = () => interrupt();
  process.on('SIGINT', onSignal);

  /** Handles one line; returns a promise only when it runs statements (so typed-ahead lines wait). */
  const handleLine = (line: string): Promise<void> | undefined => {
    if (closed) return undefined; // lines after exit
    if (buffer.length === 0 && EXIT_COMMAND.test(line)) {
      rl.close();
      return undefined;
    }
    if (buffer.length === 0 && line.trim() === '') {
      prompt();
      return undefined;
    }
    buffer.push(line);
    const text = buffer.join('\n');
    const split = splitStatements(text);
    const insertDataEnds = split.tailIsInsertData && line.trim() === '';
    const ready = !split.tailOpen && (insertDataEnds || (split.tail === '' && split.complete.length > 0));
    if (!ready) {
      if (split.complete.length === 0 && split.tail === '' && !split.tailOpen) buffer = []; // only comments
      prompt();
      return undefined;
    }
    const statements = insertDataEnds ? [...split.complete, split.tail] : [...split.complete];
    const typed = buffer.map((l) => l.trim()).filter((l) => l !== '');
    remember(typed.join(' '), typed.length); // readline keeps no blank lines
    buffer = [];
    return (async () => {
      // Statements on one input run in order; an error or a cancel skips the rest.
      for (const sql of statements) {
        if (!(await runOne(sql))) break;
      }
      prompt();
    })();
  };

  // Lines are handled in order. A line that needs no statement run is handled at once, before
  // readline echoes the next one, so prompts and echoed lines stay in order when input is pasted.
  const pending: string[] = [];
  let busy = false;
  const pump = () => {
    while (!busy && pending.length > 0) {
      const work = handleLine(pending.shift()!);
      if (work === undefined) continue;
      busy = true;
      void work.then(() => {
        busy = false;
        pump();
        if (closed && !busy) finish();
      });
    }
  };
  let finish: () => void = () => undefined;

  /** Runs one statement and prints its result; false when it failed or was cancelled. */
  const runOne = async (sql: string): Promise<boolean> => {
    const controller = new AbortController();
    running = controller;
    const started = performance.now();
    const sink = options.format === null && trailingFormatOf(sql) === null ? new TableSink() : new FormatSink(options.format ?? trailingFormatOf(sql) ?? 'TabSeparated');
    process.stdout.write('\n');
    try {
      const outcome = await runStatement(client, sql, sink, controller.signal);
      await sink.end(outcome);
      await writeOut(`${summary(outcome, (performance.now() - started) / 1000)}\n\n`);
      return !outcome.cancelled;
    } catch (error) {
      await sink.end(null);
      process.stderr.write(`${errorText(error)}\n\n`);
      return false;
    } finally {
      running = null;
    }
  };

  process.stdout.write(`${options.banner}\n\n`);
  prompt();
  return new Promise((resolve) => {
    let finished = false;
    finish = () => {
      if (finished) return;
      finished = true;
      process.removeListener('SIGINT', onSignal);
      process.stdout.write('Bye.\n');
      resolve(0);
    };
    rl.on('line', (line) => {
      pending.push(line);
      pump();
    });
    rl.on('close', () => {
      closed = true;
      if (!busy) finish();
    });
  });
}

/** The line after a statement: `3 rows in set. Elapsed: 0.004 sec.` or `Ok. Elapsed: …`. */
export function summary(outcome: StatementOutcome, elapsedSeconds: number): string {
  const elapsed = `Elapsed: ${elapsedSeconds.toFixed(3)} sec.`;
  if (outcome.cancelled) {
    return outcome.kind === 'rows' ? `Query was cancelled.\n${plural(outcome.rows)} in set. ${elapsed}` : `Query was cancelled. ${elapsed}`;
  }
  if (outcome.kind === 'ok') {
    return outcome.writtenRows !== null && outcome.writtenRows > 0 ? `Ok. ${plural(outcome.writtenRows)} written. ${elapsed}` : `Ok. ${elapsed}`;
  }
  return `${plural(outcome.rows)} in set. ${elapsed}`;
}

function plural(rows: number): string {
  return `${rows} ${rows === 1 ? 'row' : 'rows'}`;
}

function loadHistory(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .slice(-HISTORY_ENTRIES_MAX)
    .reverse();
}

interface ShellSink extends ResultSink {
  end(outcome: StatementOutcome | null): Promise<void>;
}

/** Tables: rows gather until the result pauses (or TABLE_ROWS_MAX), then print as one table. */
class TableSink implements ShellSink {
  private columns: readonly TableColumn[] = [];
  private pending: string[][] = [];
  private timer: NodeJS.Timeout | null = null;

  schema(columns: readonly Column[]): void {
    this.columns = tableColumns(columns);
  }

  batch(batch: Batch): Promise<void> | void {
    for (const row of batchCells(batch)) this.pending.push(row);
    if (this.pending.length >= TABLE_ROWS_MAX) return this.flush();
    this.timer ??= setTimeout(() => void this.flush(), TABLE_FLUSH_MS);
  }

  async end(): Promise<void> {
    await this.flush();
  }

  private flush(): Promise<void> | void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (this.pending.length === 0) return;
    const rows = this.pending;
    this.pending = [];
    return writeOut(renderTable(this.columns, rows, process.stdout.columns ?? TABLE_WIDTH_DEFAULT));
  }
}

/** --format (or the query's FORMAT): the output format's text, flushed per batch. */
class FormatSink implements ShellSink {
  private readonly format: string;
  private writer: OutputFormat | null = null;
  private readonly started = performance.now();

  constructor(format: string) {
    this.format = format;
  }

  async schema(columns: readonly Column[]): Promise<void> {
    this.writer = createOutputFormat(this.format, columns);
    await writeOut(this.writer.header());
  }

  async batch(batch: Batch): Promise<void> {
    if (this.writer !== null) await writeOut(this.writer.rows(batch));
  }

  async end(outcome: StatementOutcome | null): Promise<void> {
    if (this.writer === null || outcome === null || outcome.kind !== 'rows') return;
    await writeOut(this.writer.footer({ rows: outcome.rows, elapsedSeconds: (performance.now() - this.started) / 1000, rowsRead: outcome.rows, bytesRead: 0 }));
  }
}
