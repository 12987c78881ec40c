// The pipeline registry: ITEM_PIPELINES names pipelines from here and gives their order.
import type { PipelineFactory } from '../core/pipeline.js';

export const PIPELINES: Record<string, PipelineFactory> = {};
