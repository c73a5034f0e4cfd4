import { Injectable } from '@nestjs/common';
import type { Principal } from '../../common/auth/principal.js';
import { AuditService } from '../../common/audit/audit.service.js';
import { Conflict, ValidationFailed } from '../../common/errors/domain-errors.js';
import { TransactionRunner } from '../../infrastructure/database/transaction-runner.js';
import type { CreatePipelineDto, PipelineDto } from './dto/opportunity.dto.js';
import { type PipelineRow, PipelinesRepository } from './pipelines.repository.js';

function toPipelineDto(row: PipelineRow): PipelineDto {
  return { ...row, stages: row.stages.map(({ pipelineId: _pipeline, ...stage }) => stage) };
}

@Injectable()
export class PipelinesService {
  constructor(
    private readonly pipelines: PipelinesRepository,
    private readonly transactions: TransactionRunner,
    private readonly audit: AuditService,
  ) {}

  async list(): Promise<PipelineDto[]> {
    return (await this.pipelines.list()).map(toPipelineDto);
  }

  async create(dto: CreatePipelineDto, principal: Principal, requestId: string): Promise<PipelineDto> {
    if (!dto.stages.length)
      throw new ValidationFailed([{ field: 'stages', message: 'a pipeline has at least one stage' }]);
    return this.transactions.run(async (tx) => {
      const id = await this.pipelines.insert(tx, dto.name, dto.stages);
      if (!id) throw new Conflict(`A pipeline named ${dto.name} already exists.`);
      const pipeline = toPipelineDto((await this.pipelines.find(id, tx))!);
      await this.audit.record(tx, principal, requestId, {
        action: 'pipeline.created',
        entityType: 'pipeline',
        entityId: id,
        after: pipeline,
      });
      return pipeline;
    });
  }
}
