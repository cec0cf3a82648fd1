// PushPipeline: runs a planned query (a materialized view's SELECT) one input batch at a time, so
// the task knows exactly which output rows each input batch produced. The planner's operators pull
// from their source; here the source is an InputPort the task fills: after `process(input)` hands
// a batch to the port, outputs are collected until the pipeline asks the port for the next batch —
// at that moment every output caused by this input has been produced.
//
// That attribution is what makes forwarding exactly-once: an output carries the source range of the
// input that caused it, and replaying the same inputs in the same order produces the same outputs
// at the same positions (a window emits when a later input moves the watermark past its end, so
// the emission belongs to that later input, both the first time and on replay).
//
// The query must read one stream or external stream once (no UNION of two sources).
import { DbError } from '../core/errors.ts';
import type { ExecBatch } from '../engine/exec-batch.ts';
import { type PlanEnv, type QueryPlan, type SourceRequest, planQuery } from '../engine/plan/select-planner.ts';
import type { QueryStatement } from '../sql/index.ts';

class InputPort implements AsyncIterator<ExecBatch>, AsyncIterable<ExecBatch> {
  private item: ExecBatch | null = null;
  private waiter: ((result: IteratorResult<ExecBatch>) => void) | null = null;
  private ended = false;
  private needResolve: (() => void) | null = null;
  /** Resolves when the pipeline asks for an input the port does not have. */
  needed: Promise<void>;

  constructor() {
    this.needed = new Promise((resolve) => (this.needResolve = resolve));
  }

  [Symbol.asyncIterator](): AsyncIterator<ExecBatch> {
    return this;
  }

  next(): Promise<IteratorResult<ExecBatch>> {
    if (this.item !== null) {
      const value = this.item;
      this.item = null;
      return Promise.resolve({ done: false, value });
    }
    if (this.ended) return Promise.resolve({ done: true, value: undefined });
    this.needResolve?.();
    return new Promise((resolve) => (this.waiter = resolve));
  }

  async return(): Promise<IteratorResult<ExecBatch>> {
    this.end();
    return { done: true, value: undefined };
  }

  put(batch: ExecBatch): void {
    this.needed = new Promise((resolve) => (this.needResolve = resolve));
    if (this.waiter !== null) {
      const waiter = this.waiter;
      this.waiter = null;
      waiter({ done: false, value: batch });
    } else this.item = batch;
  }

  end(): void {
    this.ended = true;
    this.waiter?.({ done: true, value: undefined });
    this.waiter = null;
  }
}

export class PushPipeline {
  readonly plan: QueryPlan;
  readonly request: SourceRequest;
  private readonly port: InputPort;
  private readonly output: AsyncGenerator<ExecBatch>;
  private pending: Promise<IteratorResult<ExecBatch>> | null = null;

  private constructor(plan: QueryPlan, request: SourceRequest, port: InputPort, output: AsyncGenerator<ExecBatch>) {
    this.plan = plan;
    this.request = request;
    this.port = port;
    this.output = output;
  }

  /** Plans `query` with its source replaced by a port, and starts it until it asks for input. */
  static async start(query: QueryStatement, env: PlanEnv, signal: AbortSignal): Promise<PushPipeline> {
    const port = new InputPort();
    let request: SourceRequest | null = null;
    const plan = planQuery(query, {
      ...env,
      sourceOverride: (r) => {
        if (request !== null) throw new DbError('NOT_SUPPORTED', 'a materialized view reads one stream (or external stream) once; this query reads several');
        request = r;
        return port;
      },
    });
    if (!plan.streaming) throw new DbError('INVALID_ARGUMENT', 'a materialized view needs a streaming query (FROM a stream, not table(…))');
    const output = plan.run(signal);
    const first = output.next();
    const started = await Promise.race([first.then((r) => ({ r })), port.needed.then(() => null)]);
    if (started !== null) {
      await output.return(undefined).catch(() => undefined);
      if (started.r.done === true) throw new DbError('INVALID_ARGUMENT', 'the view query ended before reading its source');
      throw new DbError('NOT_SUPPORTED', 'a materialized view whose query yields rows without reading its source');
    }
    if (request === null) throw new DbError('NOT_SUPPORTED', 'a materialized view must read a stream or an external stream');
    const pipeline = new PushPipeline(plan, request, port, output);
    pipeline.pending = first;
    return pipeline;
  }

  /** Feeds one input batch; resolves with the outputs it caused (possibly none). */
  async process(input: ExecBatch): Promise<ExecBatch[]> {
    this.port.put(input);
    const outputs: ExecBatch[] = [];
    for (;;) {
      this.pending ??= this.output.next();
      const next = await Promise.race([this.pending.then((r) => ({ r })), this.port.needed.then(() => null)]);
      if (next === null) return outputs;
      this.pending = null;
      if (next.r.done === true) throw new DbError('INVALID_ARGUMENT', 'the view query ended (a LIMIT in a materialized view ends it)');
      if (next.r.value.rowCount > 0) outputs.push(next.r.value);
    }
  }

  async close(): Promise<void> {
    this.port.end();
    await this.output.return(undefined).catch(() => undefined);
  }
}
