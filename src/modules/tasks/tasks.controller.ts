import { Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Allow, CurrentPrincipal } from '../../common/auth/access.decorator.js';
import type { Principal } from '../../common/auth/principal.js';
import { UuidParam } from '../../common/http/request-context.js';
import { ApiPageResponse } from '../../common/pagination/api-page-response.js';
import { Page } from '../../common/pagination/cursor.js';
import { ListTasksQuery, TaskDto } from './dto/task.dto.js';
import { TasksService } from './tasks.service.js';

const STAFF = ['manager', 'sales', 'agent', 'technician', 'marketing'] as const;

@ApiTags('tasks')
@ApiBearerAuth()
@Controller('tasks')
export class TasksController {
  constructor(private readonly tasks: TasksService) {}

  @Get()
  @Allow({ roles: [...STAFF] })
  @ApiPageResponse(TaskDto, "The caller's tasks and those of their roles' pools, newest first")
  list(@Query() query: ListTasksQuery, @CurrentPrincipal() principal: Principal): Promise<Page<TaskDto>> {
    return this.tasks.listFor(principal, query);
  }

  @Post(':id/complete')
  @HttpCode(200)
  @Allow({ roles: [...STAFF] })
  @ApiOkResponse({ type: TaskDto })
  complete(@UuidParam() id: string, @CurrentPrincipal() principal: Principal): Promise<TaskDto> {
    return this.tasks.complete(id, principal);
  }
}
