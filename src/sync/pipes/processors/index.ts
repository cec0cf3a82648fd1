// The pipe processors: one instance per lane (source stream), built from the pipe's processor
// configuration, the lane's input columns (`_tp_time`, then the measurements the pattern selects),
// the state its previous instance saved (null at first), and the stream's name for messages.
// Errors thrown here (a filter naming a column the stream lacks, a state that does not fit) are
// unrecoverable for the lane: the runtime stops the pipe with the message.
import assert from 'node:assert/strict';
import type { Column } from '../../../types/batch.ts';
import { TIME_COLUMN } from '../../../storage/catalog/names.ts';
import type { PipeProcessor, PipeProcessorConfig } from '../pipe-types.ts';
import { createDoNothingProcessor } from './do-nothing.ts';
import { createDownSamplingProcessor } from './down-sampling.ts';
import { createFilterProcessor } from './filter.ts';

export { DOWN_SAMPLING_OPEN_WINDOWS_MAX, type DownSamplingState } from './down-sampling.ts';
export { filterColumnNames, parseFilterPredicate } from './filter.ts';

export function createProcessor(config: PipeProcessorConfig, input: readonly Column[], state: unknown | null, streamName: string): PipeProcessor {
  assert(input.length > 0 && input[0]!.name === TIME_COLUMN, `a lane's batches start with ${TIME_COLUMN}`);
  switch (config.plugin) {
    case 'do-nothing-processor':
      return createDoNothingProcessor(input);
    case 'filter-processor':
      return createFilterProcessor(config.predicate, input, streamName);
    case 'down-sampling-processor':
      return createDownSamplingProcessor(config.intervalMs, config.fn, input, state, streamName);
  }
}
