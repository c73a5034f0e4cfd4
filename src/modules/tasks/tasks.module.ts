import { Module } from '@nestjs/common';
import { TasksController } from './tasks.controller.js';
import { TasksRepository } from './tasks.repository.js';
import { TasksService } from './tasks.service.js';
import { TasksMergeStep } from './tasks-merge.step.js';

@Module({ providers: [TasksMergeStep, TasksRepository, TasksService], exports: [TasksService] })
export class TasksModule {}

/** The task endpoints, served by api processes only. */
@Module({ imports: [TasksModule], controllers: [TasksController] })
export class TasksHttpModule {}
