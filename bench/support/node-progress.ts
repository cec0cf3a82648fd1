// Cheap progress probes of a running `tributary server`, for timing how fast rows arrive somewhere
// without stealing the CPU being measured: `SELECT count() FROM table(s)` scans the stream (≈0.1 s
// for 1,000,000 rows on the bench machine), so polling it every few ms would slow the node it
// watches. Instead:
//   streamNextSn — GET /metrics, tributary_stream_next_sn{database,stream}: rows the stream has
//                  appended (assigned when queued for its group commit, one fsync ahead of durable);
//   taskAcked    — system.tasks acked_position of a materialized view: source rows whose output the
//                  target acknowledged (a remote/local target acknowledges once durable).
// The benches poll both and confirm the final figure with count() once, untimed.
import http from 'node:http';
import { agent, post } from './server-process.ts';

export function get(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent, timeout: 30_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        if (res.statusCode !== 200) reject(new Error(`GET ${url}: HTTP ${res.statusCode}: ${text.slice(0, 300)}`));
        else resolve(text);
      });
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: timeout`)));
    req.on('error', reject);
  });
}

/** tributary_stream_next_sn of one stream (0 when the stream is not listed yet). */
export async function streamNextSn(baseUrl: string, database: string, stream: string): Promise<number> {
  const text = await get(new URL('/metrics', baseUrl).href);
  const prefix = `tributary_stream_next_sn{database="${database}",stream="${stream}"} `;
  const line = text.split('\n').find((l) => l.startsWith(prefix));
  return line === undefined ? 0 : Number(line.slice(prefix.length));
}

export interface TaskRow {
  readonly state: string;
  readonly sourcePosition: number;
  readonly ackedPosition: number;
  readonly deliveredRows: number;
  readonly retries: number;
  readonly lastError: string;
}

/** One materialized view's row of system.tasks. */
export async function taskStatus(baseUrl: string, view: string): Promise<TaskRow> {
  const text = await post(baseUrl, `SELECT state, source_position, acked_position, delivered_rows, retries, last_error FROM system.tasks WHERE name = '${view}' FORMAT JSONEachRow`, '');
  const line = text.trim();
  if (line === '') throw new Error(`no task '${view}' in system.tasks at ${baseUrl}`);
  const row = JSON.parse(line) as Record<string, string | number>;
  return {
    state: String(row.state),
    sourcePosition: Number(row.source_position),
    ackedPosition: Number(row.acked_position),
    deliveredRows: Number(row.delivered_rows),
    retries: Number(row.retries),
    lastError: String(row.last_error),
  };
}

/** count() and sum(status) of table(stream): what a stream holds, for exactly-once checks. */
export async function holdings(baseUrl: string, stream: string): Promise<{ rows: number; statusSum: number }> {
  const [rows, statusSum] = (await post(baseUrl, `SELECT count(), sum(status) FROM table(${stream})`, '')).trim().split('\t');
  return { rows: Number(rows), statusSum: Number(statusSum) };
}
