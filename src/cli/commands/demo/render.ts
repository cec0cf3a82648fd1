// How `tributary demo` prints: phase headings, status lines, a catch-up progress bar and the final
// verdict. On a terminal the progress bar redraws in place (carriage return + erase line) and the
// verdict is coloured (unless NO_COLOR is set); anywhere else (a pipe, a file, CI) every update is a
// plain line of its own, so logs read top to bottom with no control characters.
//
// Pure formatting lives in the exported functions (tested through the demo's output); Screen holds
// the only state: whether a redrawable line is currently on screen.

/** One sample of both sides, taken by the demo every tick. */
export interface DemoSample {
  /** Seconds since the demo's generator started. */
  readonly elapsedS: number;
  /** Rows the edge's local_stream holds (the view's source position). */
  readonly edgeRows: number;
  /** Of those, rows with http_code >= 400 (what the view forwards). */
  readonly matchingRows: number;
  /** Rows the cloud's web_errors holds. */
  readonly cloudRows: number;
  /** system.tasks on the edge: source rows not yet acknowledged by the cloud. */
  readonly lagRows: number;
  readonly ackedPosition: number;
  readonly sourcePosition: number;
  /** Rows per second the view delivered recently. */
  readonly rowsPerSecond: number;
  /** RUNNING, RETRYING, PAUSED or STOPPED. */
  readonly state: string;
  readonly retries: number;
  readonly lastError: string;
  readonly linkUp: boolean;
}

const BAR_WIDTH = 30;
const ERROR_CHARS_MAX = 140;

export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export function formatStatus(s: DemoSample): string {
  const parts = [
    `${s.elapsedS.toFixed(1).padStart(5)}s`,
    `edge ${formatCount(s.edgeRows).padStart(9)} rows`,
    `matching ${formatCount(s.matchingRows).padStart(7)}`,
    `cloud ${formatCount(s.cloudRows).padStart(7)}`,
    `lag ${formatCount(s.lagRows).padStart(7)} rows`,
    `${formatCount(s.rowsPerSecond).padStart(6)} rows/s`,
    s.state,
  ];
  let line = parts.join(' | ');
  if (s.state === 'RETRYING' || s.state === 'STOPPED') line += ` (retries ${s.retries})`;
  return line;
}

/** The view's last error, on a line of its own (printed when it changes, not on every status line). */
export function formatLastError(s: DemoSample): string {
  return `        view ${s.state}, last error: ${truncate(s.lastError, ERROR_CHARS_MAX)}`;
}

/** `[██████████░░░░░░░░░░]  52%`: the fraction done, clamped to [0, 1]. */
export function progressBar(fraction: number, width = BAR_WIDTH): string {
  const f = Number.isFinite(fraction) ? Math.min(1, Math.max(0, fraction)) : 0;
  const full = Math.round(f * width);
  return `[${'█'.repeat(full)}${'░'.repeat(width - full)}] ${String(Math.floor(f * 100)).padStart(3)}%`;
}

/** The catch-up line: the bar over acknowledged / source positions, the lag, the view's state. */
export function formatCatchUp(s: DemoSample, fraction: number): string {
  return (
    `${progressBar(fraction)}  acked ${formatCount(s.ackedPosition)} / ${formatCount(s.sourcePosition)}` +
    `  lag ${formatCount(s.lagRows)} rows  ${formatCount(s.rowsPerSecond)} rows/s  ${s.state}` +
    (s.state === 'RETRYING' ? ' (backing off: waiting for its next attempt)' : '')
  );
}

function truncate(text: string, max: number): string {
  const line = text.replace(/\s+/g, ' ');
  return line.length <= max ? line : `${line.slice(0, max - 1)}…`;
}

export interface ScreenOptions {
  readonly write: (text: string) => void;
  /** Redraw in place and colour: only on a terminal. */
  readonly tty: boolean;
  readonly color: boolean;
  /** The terminal's width: a redrawn line longer than this would wrap and not be erased. */
  readonly columns?: number;
}

export class Screen {
  private readonly options: ScreenOptions;
  readonly tty: boolean;
  /** A redrawable line is on screen (TTY only), without its newline yet. */
  private live = false;

  constructor(options: ScreenOptions) {
    this.options = options;
    this.tty = options.tty;
  }

  /** A permanent line. */
  line(text = ''): void {
    this.settle();
    this.options.write(`${text}\n`);
  }

  heading(text: string): void {
    this.line();
    this.line(this.style(`== ${text} ==`, '1'));
  }

  /** A line the next update replaces (TTY), or one more plain line (elsewhere). */
  update(text: string): void {
    if (!this.options.tty) {
      this.options.write(`${text}\n`);
      return;
    }
    const columns = this.options.columns ?? 0;
    const fitted = columns > 1 && text.length >= columns ? `${text.slice(0, columns - 2)}…` : text;
    this.options.write(`\r\x1b[2K${fitted}`);
    this.live = true;
  }

  /** Keeps the redrawable line as it is and moves on. */
  settle(): void {
    if (!this.live) return;
    this.options.write('\n');
    this.live = false;
  }

  good(text: string): string {
    return this.style(text, '32');
  }

  bad(text: string): string {
    return this.style(text, '31');
  }

  private style(text: string, code: string): string {
    return this.options.color ? `\x1b[${code}m${text}\x1b[0m` : text;
  }
}
