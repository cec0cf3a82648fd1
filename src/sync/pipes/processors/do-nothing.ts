// do-nothing-processor (IoTDB's default): every batch goes to the sink as it came. Stateless.
import type { Column } from '../../../types/batch.ts';
import type { ExecBatch } from '../../../engine/exec-batch.ts';
import type { PipeProcessor } from '../pipe-types.ts';

export function createDoNothingProcessor(input: readonly Column[]): PipeProcessor {
  return {
    schema: input,
    lateRows: 0,
    process: (batch: ExecBatch): ExecBatch | null => (batch.rowCount === 0 ? null : batch),
    snapshot: () => null,
  };
}
