import { Injectable } from '@nestjs/common';
import type { Principal } from '../../common/auth/principal.js';
import { Conflict, Forbidden, NotFound } from '../../common/errors/domain-errors.js';
import { decodeCursor, Page, toPage } from '../../common/pagination/cursor.js';
import type { Tx } from '../../infrastructure/database/transaction-runner.js';
import { ListTasksQuery, TaskDto } from './dto/task.dto.js';
import { toTaskDto } from './task.presenter.js';
import { NewTask, TasksRepository } from './tasks.repository.js';

/** Work items for staff, created by other modules (SLA escalations, care calls, follow-ups). */
@Injectable()
export class TasksService {
  constructor(private readonly tasks: TasksRepository) {}

  /** Creates the task in the caller's transaction and returns its id; the caller makes it happen once. */
  create(tx: Tx, task: NewTask): Promise<string> {
    return this.tasks.insert(tx, task);
  }

  async listFor(principal: Principal, query: ListTasksQuery): Promise<Page<TaskDto>> {
    const { id, roles } = staff(principal);
    const rows = await this.tasks.list(id, roles, query.status, decodeCursor(query.cursor), query.limit);
    return toPage(rows, query.limit, (row) => ({ at: row.cursorAt, id: row.id }), toTaskDto);
  }

  async complete(taskId: string, principal: Principal): Promise<TaskDto> {
    const { id, roles } = staff(principal);
    const row = await this.tasks.complete(taskId, id, roles);
    if (row) return toTaskDto(row);
    const task = await this.tasks.visibleTo(taskId, id, roles);
    if (!task) throw new NotFound('Task', taskId);
    throw new Conflict('The task is already done.');
  }
}

function staff(principal: Principal): { id: string; roles: string[] } {
  if (principal.kind !== 'user') throw new Forbidden('Tasks belong to staff users.');
  return { id: principal.id, roles: principal.roles };
}
