import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Tx } from '../../infrastructure/database/transaction-runner.js';

export interface PipelineStageRow {
  id: string;
  pipelineId: string;
  position: number;
  name: string;
  probability: number;
}

export interface PipelineRow {
  id: string;
  name: string;
  isDefault: boolean;
  stages: PipelineStageRow[];
}

const PIPELINE_SELECT = `p.id, p.name, p.is_default AS "isDefault",
  coalesce((SELECT jsonb_agg(jsonb_build_object('id', s.id, 'pipelineId', s.pipeline_id, 'position', s.position,
                                                'name', s.name, 'probability', s.probability) ORDER BY s.position)
              FROM pipeline_stages s WHERE s.pipeline_id = p.id), '[]') AS stages`;

@Injectable()
export class PipelinesRepository {
  constructor(private readonly dataSource: DataSource) {}

  list(): Promise<PipelineRow[]> {
    return this.dataSource.query(`SELECT ${PIPELINE_SELECT} FROM pipelines p ORDER BY p.is_default DESC, p.name`);
  }

  /** The pipeline (the default one when `id` is undefined), with its stages in order. */
  async find(id: string | undefined, tx: Tx = this.dataSource.manager): Promise<PipelineRow | null> {
    const [row] =
      id === undefined
        ? await tx.query(`SELECT ${PIPELINE_SELECT} FROM pipelines p WHERE p.is_default`)
        : await tx.query(`SELECT ${PIPELINE_SELECT} FROM pipelines p WHERE p.id = $1`, [id]);
    return row ?? null;
  }

  /** Null when the name is taken. */
  async insert(tx: Tx, name: string, stages: { name: string; probability: number }[]): Promise<string | null> {
    const [row] = await tx.query(
      `INSERT INTO pipelines (name) VALUES ($1) ON CONFLICT (name) DO NOTHING RETURNING id`,
      [name],
    );
    if (!row) return null;
    await tx.query(
      `INSERT INTO pipeline_stages (pipeline_id, position, name, probability)
       SELECT $1, ordinality, stage->>'name', (stage->>'probability')::int
         FROM jsonb_array_elements($2::jsonb) WITH ORDINALITY AS stages(stage, ordinality)`,
      [row.id, JSON.stringify(stages)],
    );
    return row.id;
  }
}
